"""Every benchmark of the asv suite (benchmarks/bench_mlp.py) runs, as asv would run
it, on the workloads shrunk to a few hundred rows: each parameter combination's
``setup``, then each ``time_``, ``peakmem_`` and ``track_`` method.  Nothing is
timed (speed is for the benchmark runs); ``asv run --python=same --quick`` runs
the full-size suite."""

import inspect
import itertools
import math

import pytest

from ._benchmarks import import_benchmark

PREFIXES = ("time_", "peakmem_", "track_")


SUITE = import_benchmark("bench_mlp")


def _cases():
    for name, cls in inspect.getmembers(SUITE, inspect.isclass):
        if cls.__module__ != SUITE.__name__:
            continue
        methods = sorted(m for m in vars(cls) if m.startswith(PREFIXES))
        params = getattr(cls, "params", [])
        params = params if params and isinstance(params[0], list) else [params] if params else []
        for combo in itertools.product(*params):
            yield pytest.param(name, combo, methods, id=f"{name}-{'-'.join(map(str, combo))}")


CASES = list(_cases())


def test_the_suite_has_what_issue_3_asks_for():
    names = {(case.values[0], method) for case in CASES for method in case.values[2]}
    for method in ("time_fit_epoch", "peakmem_fit_epoch", "track_score"):
        assert ("Fit", method) in names
    assert ("Predict", "time_predict_one_row") in names
    workloads = {case.values[1][0] for case in CASES if case.values[0] == "Fit"}
    assert workloads == {"W1", "W2", "W3", "W4", "W5", "W4-float32"}


@pytest.mark.parametrize("name, params, methods", CASES)
# W5's batch of 64 is clipped to PartialFit's 32 rows, as scikit-learn's would be
@pytest.mark.filterwarnings("ignore:Got `batch_size` less than 1:UserWarning")
def test_benchmark_runs(monkeypatch, name, params, methods):
    full = SUITE.wl.get
    monkeypatch.setattr(SUITE.wl, "get", lambda *a, **k: SUITE.wl.shrink(full(*a, **k), 300))
    instance = getattr(SUITE, name)()
    instance.setup(*params)
    assert methods
    for method in methods:
        result = getattr(instance, method)(*params)
        if method.startswith("track_"):
            # training accuracy or R² (one epoch on 300 rows: low, but a score)
            assert isinstance(result, float) and math.isfinite(result) and result <= 1.0


@pytest.mark.parametrize("name, method", [("Predict", "time_predict_one_row"),
                                          ("Predict", "time_predict_1000_rows"),
                                          ("PartialFit", "time_partial_fit_32_rows"),
                                          ("OptimizerUpdate", "time_updates")])
def test_short_calls_are_timed_in_batches_after_a_cheap_setup(monkeypatch, name, method):
    # asv_runner 0.3 re-runs setup before every timed call and, without `number`,
    # times one call per sample: a short call would be timed cold, after a new fit
    full = SUITE.wl.get
    monkeypatch.setattr(SUITE.wl, "get", lambda *a, **k: SUITE.wl.shrink(full(*a, **k), 300))
    cls = getattr(SUITE, name)
    assert getattr(getattr(cls, method), "number", 1) > 1
    params = [p[0] for p in cls.params]
    first, again = cls(), cls()
    first.setup(*params)
    again.setup(*params)
    state = "updates" if name == "OptimizerUpdate" else "model"
    assert getattr(again, state) is getattr(first, state)  # built once, not per call
