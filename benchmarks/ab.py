"""Two versions of fastmlp in one process, fit by fit: their speed ratio on a noisy machine.

    python benchmarks/ab.py REV                      # W1-W5 against git revision REV
    python benchmarks/ab.py REV --workloads W2 --pairs 9
    python benchmarks/ab.py HEAD --quick             # smoke run: tiny data, 2 pairs

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
differences below ~5 % are not resolved.
"""

import argparse
import importlib
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
    archive = os.path.join(directory, "fastmlp.tar")
    subprocess.run(["git", "-C", ROOT, "archive", "--format=tar", "-o", archive, rev, "fastmlp"],
                   check=True)
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4
            tar.extractall(directory, filter="data")
        else:
            tar.extractall(directory)  # our own repository's archive
    os.rename(os.path.join(directory, "fastmlp"), os.path.join(directory, "fastmlp_at_rev"))
    sys.path.insert(0, directory)
    return importlib.import_module("fastmlp_at_rev")


def seconds_per_epoch(module, workload, X, y, epochs: int) -> float:
    estimator = wl.make_estimator(module, workload, epochs)
    start = time.perf_counter()
    wl.fit_quietly(estimator, X, y)
    return (time.perf_counter() - start) / epochs


def compare(other, fastmlp, args) -> None:
    """Print one line per workload: both versions' s/epoch and the median per-pair ratio."""
    print(f"{args.rev} ({other.__file__}) vs the working tree ({fastmlp.__file__})")
    pairs = 2 if args.quick else args.pairs
    for name in (n.strip().upper() for n in args.workloads.split(",") if n.strip()):
        workload = wl.get(name)
        if args.quick:
            workload = wl.shrink(workload, 64)
        X, y = wl.make_data(workload)
        for module in (other, fastmlp):  # compile / load the kernels outside the timing
            seconds_per_epoch(module, wl.shrink(workload, 64), X[:64], y[:64], 1)
        theirs, ours = [], []
        for i in range(pairs):  # ABBA order: neither version always goes first
            for module in ((other, fastmlp) if i % 2 == 0 else (fastmlp, other)):
                result = theirs if module is other else ours
                result.append(seconds_per_epoch(module, workload, X, y, workload.epochs))
        ratio = statistics.median(t / o for t, o in zip(theirs, ours))
        print(f"{name}: {args.rev} {statistics.median(theirs):.5f} s/epoch, working tree "
              f"{statistics.median(ours):.5f} s/epoch, per-pair ratio {ratio:.3f} "
              f"({pairs} pairs)", flush=True)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("rev", help="git revision to compare the working tree with")
    p.add_argument("--workloads", default="W1,W2,W3,W4,W5", help="comma-separated subset of W1..W5")
    p.add_argument("--pairs", type=int, default=7, help="fits of each version, alternately")
    p.add_argument("--quick", action="store_true", help="64 rows, 1 epoch, 2 pairs: a smoke test")
    args = p.parse_args(argv)
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
