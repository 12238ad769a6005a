"""Smoke test of benchmarks/compare.py: the --quick table has every row and column.

Only the shape and the sanity of the table are checked, never a time (machines
are noisy; speed is judged by running the benchmarks themselves).  The start-up
and memory sections run new interpreters and a 1,000,000-row fit, so they are
left to the benchmark runs.
"""

import importlib
import os
import re
import sys

import pytest

from ._benchmarks import ROOT, repository_on_path

COLUMNS = ["workload", "system", "s/epoch", "samples/s", "GFLOP/s", "% GEMM peak", "score", "speed-up", "target"]


@pytest.fixture(scope="module")
def compare():
    with repository_on_path():
        yield importlib.import_module("benchmarks.compare")


def table_rows(text, first_cell):
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] == first_cell:
            rows.append(cells)
    return rows


def test_quick_table_has_every_workload_system_and_column(compare, capsys):
    compare.main(["--quick", "--workloads", "W1,W2,W3,W4,W5"])
    out = capsys.readouterr().out
    has_torch = compare.torch_or_none() is not None
    systems = ["fastmlp", "sklearn"] + (["torch"] if has_torch else [])
    if not has_torch:
        assert "PyTorch: skipped" in out

    header = [c.strip() for c in next(l for l in out.splitlines() if l.startswith("| workload")).strip("|").split("|")]
    assert header == COLUMNS
    assert "GEMM peak" in out and "machine:" in out and "thread pools:" in out

    for name in ["W1", "W2", "W3", "W4", "W5"]:
        rows = {r[1]: r for r in table_rows(out, name)}
        assert sorted(rows) == sorted(systems), name
        for row in rows.values():
            assert len(row) == len(COLUMNS)
            assert float(row[2]) > 0  # s/epoch
            assert row[7].endswith("×")
        # same random_state, same work: the training scores agree (the issue allows 0.01)
        assert abs(float(rows["fastmlp"][6]) - float(rows["sklearn"][6])) <= 0.01, name
        assert rows["fastmlp"][8].startswith("≥")
        # the faster peer defines the speed-up: exactly one peer sits at 1.00×
        assert [rows[p][7] for p in systems[1:]].count("1.00×") >= 1

    (row32,) = table_rows(out, "W4 float32")
    assert row32[1] == "fastmlp" and row32[7].endswith("vs f64")

    for system in ("fastmlp", "sklearn"):  # the prediction and partial_fit latency table
        (row,) = table_rows(out, system)
        assert len(row) == 4 and all(float(value) > 0 for value in row[1:])
        if os.path.exists("/proc/self/task"):  # where each one-row timing's time went
            (census,) = [line for line in out.splitlines() if line.startswith(f"- during {system}'s one-row")]
            wall, cpu = (float(v) for v in re.findall(r"(?:wall|CPU time) ([\d.]+) ms", census)[:2])
            assert 0 < cpu <= wall * 1.5 + 1, census
            assert "waiting for a CPU" in census and "stolen by the hypervisor" in census and "on CPU" in census
    assert re.search(r"plain Python in this process: \d+ µs", out)
    if hasattr(os, "sched_setaffinity"):
        assert re.search(r"pinned to each CPU in turn: CPU \d+ \d+", out)
    # "% GEMM peak" is against a GEMM rate measured in the same rounds as each workload
    assert out.count("GEMM rate in the same rounds") == 5


def test_unknown_workload_is_refused(compare):
    with pytest.raises(SystemExit, match="unknown workloads"):
        compare.main(["--quick", "--workloads", "W9"])


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="benchmarks/ab.py exports a git revision: "
                    "needs a git checkout")
def test_ab_quick_compares_a_revision_with_the_working_tree(capsys):
    """ab.py imports HEAD's fastmlp beside the working tree's and prints one line per workload."""
    try:
        with repository_on_path():
            importlib.import_module("benchmarks.ab").main(["HEAD", "--quick", "--workloads", "W2"])
    finally:
        sys.modules.pop("fastmlp_at_rev", None)
    out = capsys.readouterr().out
    assert "fastmlp_at_rev" in out  # the revision really was a separate copy
    (line,) = [line for line in out.splitlines() if line.startswith("W2:")]
    assert "per-pair ratio" in line and "(2 pairs)" in line


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="benchmarks/ab.py exports a git revision: "
                    "needs a git checkout")
def test_ab_both_orders_runs_two_processes_and_combines_their_ratios(capsys):
    """--both-orders: two new processes, the copies in opposite orders (the hidden
    activation passed on to both); the printed geometric mean is that of the two
    printed ratios."""
    with repository_on_path():
        ab = importlib.import_module("benchmarks.ab")
        ab.main(["HEAD", "--quick", "--workloads", "W2", "--both-orders", "--activation", "tanh"])
    out = capsys.readouterr().out
    assert out.count("tanh hidden units") == 2
    ratios = [float(line.split("per-pair ratio ")[1].split()[0])
              for line in out.splitlines() if line.startswith("W2: HEAD")]
    assert len(ratios) == 2
    (summary,) = [line for line in out.splitlines() if "geometric mean" in line]
    mean = float(summary.rsplit(" ", 1)[1])
    assert mean == pytest.approx((ratios[0] * ratios[1]) ** 0.5, abs=2e-3)  # printed to 3 digits
