"""The optimizer's update, the batch's row gather and predictions shared by MKL's
OpenMP threads (fastmlp._omp) equal the serial ones bit for bit, and multi-threaded
fits use them."""

import contextlib

import numpy as np
import pytest
from numba import njit

from fastmlp import MLPClassifier, MLPRegressor, _base, _optimizers, _shared_gather, _training
from fastmlp._omp import NEXT, PARALLEL, _gomp_parallel, no_team, openmp_threads
from fastmlp._optimizers import CHUNK, make_optimizer, optimizer_step, optimizer_team
from fastmlp._shared_gather import MIN_SHARED, PIECE_ROWS, gather_batch, gather_team

pytestmark = pytest.mark.skipif(
    not _gomp_parallel(), reason="needs MKL on Intel's OpenMP runtime (pip install fastmlp[mkl])"
)
SOLVERS = [("adam", {}), ("sgd", {"momentum": 0.9, "nesterovs_momentum": True}),
           ("sgd", {"momentum": 0.5, "nesterovs_momentum": False})]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver, options", SOLVERS)
@pytest.mark.parametrize("threads", [2, 3])
def test_update_on_a_team_equals_the_serial_update(monkeypatch, dtype, solver, options, threads):
    monkeypatch.setattr(_optimizers, "openmp_threads", lambda: threads)
    n, n_coef = 7 * CHUNK + 123, 4 * CHUNK + 700  # the biases start inside a chunk
    rng = np.random.RandomState(0)
    serial, shared = (rng.normal(size=n).astype(dtype),) * 2
    serial, shared = serial.copy(), shared.copy()
    serial[:50] = shared[:50] = 1e-39  # subnormal in float32, flushed to zero by the update
    opts = [make_optimizer(solver, n, dtype, learning_rate_init=0.01, **options) for _ in range(2)]
    team = optimizer_team(n, dtype, threads)
    assert team.ints[PARALLEL] != 0
    for _ in range(3):
        grads = rng.normal(size=n).astype(dtype)
        a = optimizer_step(serial, grads, opts[0], n_coef, 1e-4, 7.0, no_team())
        b = optimizer_step(shared, grads, opts[1], n_coef, 1e-4, 7.0, team)
        assert a == b
        np.testing.assert_array_equal(serial, shared)
        np.testing.assert_array_equal(opts[0].state, opts[1].state)
        assert opts[0].step[0] == opts[1].step[0]
    # the team's threads ran every chunk: each recorded its coefficients' ‖W‖²
    n_chunks = -(-n // CHUNK)
    assert np.all(team.values[-n_chunks:][: -(-n_coef // CHUNK)] > 0)


def test_short_updates_and_one_thread_run_serially(monkeypatch):
    monkeypatch.setattr(_optimizers, "openmp_threads", lambda: 2)
    assert optimizer_team(4 * CHUNK - 1, np.float64, 2).ints[PARALLEL] == 0
    assert optimizer_team(4 * CHUNK, np.float64, 2).ints[PARALLEL] != 0
    assert optimizer_team(10**6, np.float64, 1).ints[PARALLEL] == 0


@pytest.mark.skipif(openmp_threads() < 2, reason="needs MKL on Intel's OpenMP runtime with two or more threads")
@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_multithreaded_fit_shares_the_update_and_trains_the_same_network(monkeypatch, Est, dtype):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 400)).astype(dtype)
    y = (X[:, 0] > 0).astype(int) if Est is MLPClassifier else X[:, 0]
    teams, gathers = [], []
    make, make_gather = _training.optimizer_team, _training.gather_team
    monkeypatch.setattr(_training, "optimizer_team", lambda *a: teams.append(make(*a)) or teams[-1])
    monkeypatch.setattr(_training, "gather_team",
                        lambda *a: gathers.append(make_gather(*a)) or gathers[-1])

    def fit():  # 64 × 400 × 512 multiply-adds per product: on every MKL thread
        return Est(hidden_layer_sizes=(512,), batch_size=64, max_iter=2, random_state=0).fit(X, y)

    with pytest.warns(Warning):
        shared = fit()
    assert teams[-1].ints[PARALLEL] != 0 and gathers[-1].ints[PARALLEL] != 0
    monkeypatch.setattr(_base, "openmp_threads", lambda: 1)
    with pytest.warns(Warning):
        serial = fit()
    assert teams[-1].ints[PARALLEL] == 0 and gathers[-1].ints[PARALLEL] == 0
    for a, b in zip(shared.coefs_ + shared.intercepts_, serial.coefs_ + serial.intercepts_):
        np.testing.assert_array_equal(a, b)


@njit
def _gather_all(X, order, batch, out, team):
    """Every batch of ``order`` gathered as train_epoch gathers it, stacked."""
    rows = np.empty((order.size, X.shape[1]), dtype=X.dtype)
    for start in range(0, order.size, batch):
        m = min(batch, order.size - start)
        rows[start : start + m] = gather_batch(X, order, start, m, out, team)
    return rows


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("threads", [2, 3])
def test_rows_gathered_by_the_team_equal_the_serial_gather(monkeypatch, dtype, threads):
    monkeypatch.setattr(_shared_gather, "openmp_threads", lambda: threads)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(1000, 300)).astype(dtype)
    order = rng.permutation(X.shape[0])[:900]  # a subset, as with a validation split
    batch = 7 * PIECE_ROWS + 5  # full pieces, a short piece, and a short last batch
    assert batch * X.shape[1] >= MIN_SHARED
    team = gather_team(dtype, threads)
    assert team.ints[PARALLEL] != 0
    out = np.full((batch, X.shape[1]), np.nan, dtype=dtype)
    np.testing.assert_array_equal(_gather_all(X, order, batch, out, team), X[order])
    assert team.ints[NEXT] > 0  # the threads claimed the pieces
    np.testing.assert_array_equal(_gather_all(X, order, batch, out.copy(), no_team()), X[order])


def test_small_batches_and_one_thread_gather_serially(monkeypatch):
    monkeypatch.setattr(_shared_gather, "openmp_threads", lambda: 2)
    assert gather_team(np.float64, 1).ints[PARALLEL] == 0
    team = gather_team(np.float64, 2)
    X = np.arange(2.0 * MIN_SHARED).reshape(-1, 2)
    order = np.arange(X.shape[0])[::-1].copy()
    m = MIN_SHARED // 2 - 1  # one value short of sharing: the worker never runs
    out = np.empty((m, 2))
    team.ints[NEXT] = -1
    np.testing.assert_array_equal(_gather_all(X, order[:m], m, out, team), X[order[:m]])
    assert team.ints[NEXT] == -1
    _gather_all(X, order[: m + 1], m + 1, np.empty((m + 1, 2)), team)
    assert team.ints[NEXT] > 0  # shared: the threads claimed its pieces


@pytest.mark.skipif(openmp_threads() < 2, reason="needs MKL on Intel's OpenMP runtime with two or more threads")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_prediction_shared_by_the_team_equals_the_serial_one(monkeypatch, dtype, Est):
    from fastmlp import _network
    from fastmlp._network import PIECE_ROWS, predict_batch

    rng = np.random.RandomState(0)
    X = rng.normal(size=(5000, 20)).astype(dtype)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0) if Est is MLPClassifier else X[:, 0]
    with pytest.warns(Warning):
        est = Est(hidden_layer_sizes=(24, 9), max_iter=1, random_state=0).fit(X, y)
    params, net = est._packed_params(), est._network()
    runs = []
    shared_run = _network._predict_on_team
    monkeypatch.setattr(_network, "_predict_on_team", lambda *a: runs.append(1) or shared_run(*a))
    tol = 1e-12 if dtype == np.float64 else 1e-5
    # 4 pieces per 2 threads exactly, a last piece that overlaps, and many pieces
    for n in (4 * PIECE_ROWS, 777, 1000, 5000):
        rows = np.ascontiguousarray(X[:n])
        runs.clear()
        shared = _network.predict(rows, params, net, 4096)
        assert runs == [1], n
        np.testing.assert_allclose(shared, predict_batch(rows, params, *net, 4096), rtol=tol, atol=tol)
        np.testing.assert_array_equal(shared, _network.predict(rows, params, net, 4096))
    runs.clear()
    _network.predict(np.ascontiguousarray(X[: 4 * PIECE_ROWS - 1]), params, net, 4096)
    assert runs == []  # too few rows for two pieces per thread: serial


@pytest.mark.skipif(openmp_threads() < 2, reason="needs MKL on Intel's OpenMP runtime with two or more threads")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("value, match", [(np.nan, "NaN"), (np.inf, "infinity"), (-np.inf, "infinity")])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_shared_prediction_checks_every_piece_for_finite_values(monkeypatch, value, match, dtype):
    # with many rows the threads check X's values piece by piece as they forward
    # them; a bad value anywhere gets scikit-learn's error, as from the serial check
    from fastmlp import _network

    rng = np.random.RandomState(3)
    X = rng.normal(size=(600, 20)).astype(dtype)
    est = MLPClassifier(hidden_layer_sizes=(24, 9), max_iter=1, random_state=0).fit(X, X[:, 0] > 0)
    params, net = est._packed_params(), est._network()
    assert params.dtype == dtype
    rows = rng.normal(size=(1000, 20)).astype(dtype)
    teams = []
    shared_run = _network._predict_on_team
    monkeypatch.setattr(_network, "_predict_on_team", lambda *a: teams.append(1) or shared_run(*a))
    unchecked = _network.predict(rows, params, net, 4096)
    np.testing.assert_array_equal(_network.predict(rows, params, net, 4096, True), unchecked)
    np.testing.assert_array_equal(est.predict_proba(rows)[:, 1], unchecked.ravel())
    for position in ((0, 0), (500, 7), (999, 19)):  # first, a middle and the last piece
        bad = rows.copy()
        bad[position] = value
        teams.clear()
        assert _network.predict(bad, params, net, 4096, True) is None
        for method in (est.predict, est.predict_proba):
            with pytest.raises(ValueError, match=f"Input X contains {match}"):
                method(bad)
        assert teams  # the shared path saw the value first
    # the check rides on the first product: a value that meets zero weights only
    # is noticed too (inf · 0 is NaN) ...
    from fastmlp._network import coef

    zeroed = params.copy()
    coef(zeroed, net.sizes, 0)[7] = 0
    bad = rows.copy()
    bad[500, 7] = value
    with np.errstate(all="ignore"):
        assert _network.predict(bad, zeroed, net, 4096, True) is None
        # ... and finite values that overflow it are not rejected (X is read again)
        huge = rows.copy()
        huge[500] = np.finfo(dtype).max
        teams.clear()
        checked = _network.predict(huge, params, net, 4096, True)
        assert teams and checked is not None
        np.testing.assert_array_equal(checked, _network.predict(huge, params, net, 4096))
        assert not np.isfinite(huge[500] @ coef(params, net.sizes, 0)).all()  # (it did overflow)


@pytest.mark.skipif(openmp_threads() < 2, reason="needs MKL on Intel's OpenMP runtime with two or more threads")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_concurrent_multithreaded_fits_and_predictions(monkeypatch):
    """Two Python threads fitting and predicting at once (each its own OpenMP team,
    as MKL's own products have) give what they give one after the other."""
    import threading

    teams = []
    make = _training.optimizer_team
    monkeypatch.setattr(_training, "optimizer_team", lambda *a: teams.append(make(*a)) or teams[-1])
    rng = np.random.RandomState(1)
    X = rng.normal(size=(150, 400))
    data = [(X, (X[:, k] > 0).astype(int)) for k in range(2)]
    rows = rng.normal(size=(1000, 400))

    def run(Xy):
        est = MLPClassifier(hidden_layer_sizes=(512,), batch_size=64, max_iter=2, random_state=0)
        est.fit(*Xy)  # (catching warnings is not thread-safe: they are filtered above)
        return [a.copy() for a in est.coefs_ + est.intercepts_], est.predict_proba(rows)

    alone = [run(Xy) for Xy in data]
    together = [None, None]

    def in_thread(k):
        try:
            together[k] = run(data[k])
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            together[k] = exc

    threads = [threading.Thread(target=in_thread, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(isinstance(r, BaseException) or r is None for r in together), together
    assert len(teams) == 4 and all(t.ints[PARALLEL] != 0 for t in teams)
    for (weights_a, proba_a), (weights_b, proba_b) in zip(alone, together):
        for a, b in zip(weights_a, weights_b):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(proba_a, proba_b)


@pytest.mark.skipif(openmp_threads() < 2, reason="needs MKL on Intel's OpenMP runtime with two or more threads")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_concurrent_shared_predictions(monkeypatch):
    import threading

    from fastmlp import _network

    rng = np.random.RandomState(2)
    X = rng.normal(size=(600, 20))
    est = MLPClassifier(hidden_layer_sizes=(24, 9), max_iter=1, random_state=0).fit(X, X[:, 0] > 0)
    batches = [rng.normal(size=(5000, 20)) for _ in range(4)]
    teams = []
    shared_run = _network._predict_on_team
    monkeypatch.setattr(_network, "_predict_on_team", lambda *a: teams.append(a[0]) or shared_run(*a))
    alone = [est.predict_proba(b) for b in batches]
    assert len(teams) == len(batches)  # the shared path
    together = [None] * len(batches)

    def in_thread(k):
        try:
            for _ in range(20):
                together[k] = est.predict_proba(batches[k])
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            together[k] = exc

    threads = [threading.Thread(target=in_thread, args=(k,)) for k in range(len(batches))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for a, b in zip(alone, together):
        assert isinstance(b, np.ndarray), b
        np.testing.assert_array_equal(a, b)
    # each calling thread has its own team, made once: this one's and four others
    assert len({id(ints) for ints in teams}) == 1 + len(batches)
    assert len(teams) == len(batches) * 21


@pytest.mark.parametrize("flushed", [False, True])
def test_the_team_updates_in_the_callers_subnormal_mode(monkeypatch, flushed):
    # weights of 1e-160 square to subnormals: the ‖W‖² returned is 0 where the
    # thread flushes subnormals and positive where it does not, so every chunk,
    # whichever thread took it, must have been summed in the caller's mode
    from fastmlp._fpu import HAS_MXCSR, flushes_subnormals, subnormals_flushed

    if flushed and not HAS_MXCSR:
        pytest.skip("flushing subnormals is implemented for x86-64 only")
    if not flushed and flushes_subnormals():
        pytest.skip("this process flushes subnormals already (a library built with -ffast-math?)")
    monkeypatch.setattr(_optimizers, "openmp_threads", lambda: 2)
    n = 40 * CHUNK
    team = optimizer_team(n, np.float64, 2)
    assert team.ints[PARALLEL] != 0
    squares = []
    for t in (no_team(), team):
        params = np.full(n, 1e-160)
        opt = make_optimizer("sgd", n, np.float64, learning_rate_init=0.01, momentum=0.0)
        with subnormals_flushed() if flushed else contextlib.nullcontext():
            squares.append(optimizer_step(params, np.zeros(n), opt, n, 0.0, 1.0, t))
    assert squares[0] == squares[1]
    assert (squares[1] == 0.0) if flushed else (squares[1] > 0.0)



_LAYER_AFTER = """
import ctypes, sys
if sys.argv[1] == "gomp-first":
    ctypes.CDLL("libgomp.so.1", mode=ctypes.RTLD_GLOBAL)
from fastmlp import MLPClassifier  # noqa: F401  (loads fastmlp's BLAS)
if sys.argv[1] == "fastmlp-first":
    ctypes.CDLL("libgomp.so.1", mode=ctypes.RTLD_GLOBAL)  # as a later `import torch` does
from threadpoolctl import threadpool_info
print([p.get("threading_layer") for p in threadpool_info() if p["internal_api"] == "mkl"][0])
"""


def test_mkl_keeps_intels_runtime_when_gnus_is_loaded_after_fastmlp():
    # MKL takes GNU's OpenMP runtime when libgomp.so.1 is loaded globally first (PyTorch
    # does so), and the teams do not run on it; importing the estimators loads MKL,
    # which then keeps to Intel's runtime when PyTorch comes after
    import ctypes.util
    import os
    import subprocess
    import sys

    if ctypes.util.find_library("gomp") is None:
        pytest.skip("GNU's OpenMP runtime (libgomp.so.1) is not installed")
    env = {k: v for k, v in os.environ.items() if k != "MKL_THREADING_LAYER"}

    def layer(order):
        run = subprocess.run([sys.executable, "-c", _LAYER_AFTER, order], env=env,
                             capture_output=True, text=True, check=True)
        return run.stdout.strip()

    assert layer("gomp-first") == "gnu"  # the situation this guards against
    assert layer("fastmlp-first") == "intel"
