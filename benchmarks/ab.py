"""Two versions of fastmlp in one process, fit by fit: their speed ratio on a noisy machine.

    python benchmarks/ab.py REV                      # W1-W5 against git revision REV
    python benchmarks/ab.py REV --workloads W2 --pairs 9
    python benchmarks/ab.py HEAD --quick             # smoke run: tiny data, 2 pairs
    python benchmarks/ab.py REV --both-orders        # cancels the order bias (below)
    python benchmarks/ab.py REV --activation tanh    # the workloads with tanh hidden units

On a shared or virtual machine the speed drifts by tens of percent within
minutes, more than most changes gain.  Timings of two versions taken minutes
apart are then meaningless; timings taken alternately, one fit of each at a
time (in ABBA order), see the same conditions.  REV's ``fastmlp/`` is exported with
``git archive`` into a temporary directory as the package ``fastmlp_at_rev``
(its modules import each other relatively, so the copy is self-contained; it
compiles its kernels into its own cache on the first fit), imported beside the
working tree's ``fastmlp``, and every workload is fitted ``--pairs`` times by
each, alternately.  Printed: the median seconds per epoch of each and the
median of the per-pair ratios (REV / working tree: > 1 means the working tree
is faster).  Resolution: two identical copies measured 0.94–0.99 here, so
differences below ~5 % are not resolved: the ratio is biased, by the same few
per cent every time, towards one of the two copies (on 2026-11-27 always the
one imported and compiled first).  ``--both-orders`` therefore runs the
comparison twice, in two new processes that import, compile and time the two
copies in opposite orders, and prints the geometric mean of the two ratios, in
which the bias cancels.
"""

import argparse
import importlib
import json
import math
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

try:
    from . import workloads as wl
except ImportError:  # run as a script: python benchmarks/ab.py
    import workloads as wl

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def import_revision(rev: str, directory: str):
    """fastmlp as of git revision ``rev``, imported as the package ``fastmlp_at_rev``."""
    export_revision(rev, directory)
    sys.path.insert(0, directory)
    return importlib.import_module("fastmlp_at_rev")


def export_revision(rev: str, directory: str) -> None:
    """Write fastmlp as of git revision ``rev`` to ``directory``/fastmlp_at_rev."""
    archive = os.path.join(directory, "fastmlp.tar")
    subprocess.run(["git", "-C", ROOT, "archive", "--format=tar", "-o", archive, rev, "fastmlp"],
                   check=True)
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4
            tar.extractall(directory, filter="data")
        else:
            tar.extractall(directory)  # our own repository's archive
    os.rename(os.path.join(directory, "fastmlp"), os.path.join(directory, "fastmlp_at_rev"))


def seconds_per_epoch(module, workload, X, y, epochs: int, activation: str = "relu") -> float:
    estimator = wl.make_estimator(module, workload, epochs, activation=activation)
    start = time.perf_counter()
    wl.fit_quietly(estimator, X, y)
    return (time.perf_counter() - start) / epochs


def compare(other, fastmlp, args) -> dict:
    """Print one line per workload: both versions' s/epoch and the median per-pair
    ratio; return the ratios by workload."""
    print(f"{args.rev} ({other.__file__}) vs the working tree ({fastmlp.__file__}), "
          f"{args.activation} hidden units")
    ratios = {}
    pairs = 2 if args.quick else args.pairs
    for name in (n.strip().upper() for n in args.workloads.split(",") if n.strip()):
        workload = wl.get(name)
        if args.quick:
            workload = wl.shrink(workload, 64)
        X, y = wl.make_data(workload)
        warm = (fastmlp, other) if args.tree_first else (other, fastmlp)
        for module in warm:  # compile / load the kernels outside the timing
            seconds_per_epoch(module, wl.shrink(workload, 64), X[:64], y[:64], 1, args.activation)
        theirs, ours = [], []
        for i in range(pairs):  # ABBA order: neither version always goes first
            for module in ((other, fastmlp) if i % 2 == 0 else (fastmlp, other)):
                result = theirs if module is other else ours
                result.append(seconds_per_epoch(module, workload, X, y, workload.epochs,
                                                args.activation))
        ratio = statistics.median(t / o for t, o in zip(theirs, ours))
        ratios[name] = ratio
        print(f"{name}: {args.rev} {statistics.median(theirs):.5f} s/epoch, working tree "
              f"{statistics.median(ours):.5f} s/epoch, per-pair ratio {ratio:.3f} "
              f"({pairs} pairs)", flush=True)
    return ratios


def both_orders(args) -> None:
    """Run the comparison in two new processes, the copies imported, compiled and
    timed in opposite orders, and print the geometric mean of their ratios."""
    with tempfile.TemporaryDirectory() as directory:
        export_revision(args.rev, directory)  # once: the second process reuses its kernels
        runs = []
        for order in ("--tree-first", "--rev-first"):
            command = [sys.executable, os.path.abspath(__file__), args.rev, "--workloads",
                       args.workloads, "--pairs", str(args.pairs), "--activation", args.activation,
                       "--exported", directory, order]
            if args.quick:
                command.append("--quick")
            out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            print(out, end="", flush=True)
            runs.append(json.loads(out.splitlines()[-1]))
    for name in runs[0]:
        mean = math.sqrt(runs[0][name] * runs[1][name])
        print(f"{name}: ratio {args.rev} / working tree, both orders: {runs[0][name]:.3f} and "
              f"{runs[1][name]:.3f}, geometric mean {mean:.3f}", flush=True)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("rev", help="git revision to compare the working tree with")
    p.add_argument("--workloads", default="W1,W2,W3,W4,W5", help="comma-separated subset of W1..W5")
    p.add_argument("--pairs", type=int, default=7, help="fits of each version, alternately")
    p.add_argument("--activation", default="relu",
                   help="hidden activation of every workload (default: relu, as the workloads define)")
    p.add_argument("--quick", action="store_true", help="64 rows, 1 epoch, 2 pairs: a smoke test")
    p.add_argument("--both-orders", action="store_true",
                   help="compare in two new processes with opposite orders (cancels the order bias)")
    p.add_argument("--exported", help=argparse.SUPPRESS)  # --both-orders' processes: REV's copy
    order = p.add_mutually_exclusive_group()
    order.add_argument("--tree-first", action="store_true", help=argparse.SUPPRESS)
    order.add_argument("--rev-first", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.both_orders:
        both_orders(args)
        return
    if args.exported:
        sys.path.insert(0, args.exported)
        if args.rev_first:
            importlib.import_module("fastmlp_at_rev")
        sys.path.insert(0, ROOT)
        import fastmlp

        ratios = compare(importlib.import_module("fastmlp_at_rev"), fastmlp, args)
        print(json.dumps(ratios))
        return
    sys.path.insert(0, ROOT)
    import fastmlp

    with tempfile.TemporaryDirectory() as directory:
        try:
            compare(import_revision(args.rev, directory), fastmlp, args)
        finally:
            if directory in sys.path:
                sys.path.remove(directory)


if __name__ == "__main__":
    main()
