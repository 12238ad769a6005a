"""Divergence, determinism, thread safety, endurance and interruption."""

import subprocess
import sys
import threading
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

import fastmlp._base
import fastmlp._lbfgs
from fastmlp import DivergenceError, MLPClassifier, MLPRegressor
from fastmlp._network import objective_and_gradient, predict_batch
from fastmlp._training import train_epoch

from ._state import assert_same, snapshot

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ROOT = Path(__file__).resolve().parents[1]
X_REG, Y_REG = make_regression(n_samples=80, n_features=6, noise=1.0, random_state=0)
X_CLF, Y_CLF = make_classification(n_samples=80, n_features=6, n_informative=4, n_classes=3,
                                   random_state=0)
DATA = {MLPRegressor: (X_REG, Y_REG), MLPClassifier: (X_CLF, Y_CLF)}


def weights(est):
    return est.coefs_ + est.intercepts_


def all_finite(arrays):
    return all(np.isfinite(a).all() for a in arrays)


def small(cls, **params):
    params = {"hidden_layer_sizes": (8,), "max_iter": 30, "random_state": 0, **params}
    return cls(**params)


# ------------------------------------------------------------------ divergence
DIVERGING = [
    # (solver, input scale, learning_rate_init, dtype)
    pytest.param("sgd", 1.0, 10.0, np.float64, id="sgd-large-lr"),
    pytest.param("sgd", 1e150, 1e-3, np.float64, id="sgd-extreme-X"),
    pytest.param("sgd", 1.0, 10.0, np.float32, id="sgd-large-lr-float32"),
    pytest.param("adam", 1e30, 1e-3, np.float32, id="adam-extreme-X-float32"),
    pytest.param("lbfgs", 1e150, 1e-3, np.float64, id="lbfgs-extreme-X"),
    pytest.param("lbfgs", 1e30, 1e-3, np.float32, id="lbfgs-extreme-X-float32"),
]


@pytest.mark.parametrize("cls", [MLPRegressor, MLPClassifier])
@pytest.mark.parametrize("solver, scale, lr, dtype", DIVERGING)
@pytest.mark.parametrize("start", ["fresh", "fitted"])
def test_divergence_raises_and_rolls_back(cls, solver, scale, lr, dtype, start):
    X, y = DATA[cls]
    est = small(cls, solver=solver)
    if start == "fitted":
        est.fit(X, y)
        predictions = est.predict(X)
    before = snapshot(est)
    est.set_params(learning_rate_init=lr)
    before["learning_rate_init"] = lr
    Xbad = (X * scale).astype(dtype)
    if cls is MLPRegressor and scale == 1.0:
        ybad = y.astype(dtype)
    else:
        ybad = y
    try:
        est.fit(Xbad, ybad)
    except DivergenceError as error:
        assert isinstance(error, ValueError)
        message = str(error)
        assert "Training diverged" in message
        assert "large values" in message
        assert ("learning_rate_init" in message) == (solver != "lbfgs")
        assert "StandardScaler" in message
        if error.coefs_ is not None:
            assert all_finite(error.coefs_ + error.intercepts_)
    else:  # the classifier's bounded log-loss may survive; then all must be finite
        assert cls is MLPClassifier
        assert all_finite(weights(est)) and np.isfinite(est.predict_proba(X)).all()
        return
    assert_same(snapshot(est), before)
    if start == "fitted":
        assert all_finite(weights(est))
        np.testing.assert_array_equal(est.predict(X), predictions)
    else:
        assert not hasattr(est, "coefs_")


def test_divergence_is_detected_for_the_regressor_cases():
    """The parametrised cases above really diverge for the regressor (not vacuous)."""
    for solver, scale, lr, dtype in [("sgd", 1.0, 10.0, np.float64), ("lbfgs", 1e150, 1e-3, np.float64)]:
        with pytest.raises(DivergenceError):
            small(MLPRegressor, solver=solver, learning_rate_init=lr).fit(
                (X_REG * scale).astype(dtype), Y_REG)


@pytest.mark.parametrize("cls", [MLPRegressor, MLPClassifier])
def test_partial_fit_divergence_keeps_previous_epoch(cls):
    X, y = DATA[cls]
    est = small(cls, solver="sgd", batch_size=10)  # several updates per epoch
    kwargs = {"classes": np.unique(y)} if cls is MLPClassifier else {}
    est.partial_fit(X, y, **kwargs)
    est.partial_fit(X, y)
    before = snapshot(est)
    predictions = est.predict(X)
    with pytest.raises(DivergenceError, match="largest \\|X\\| = .*e\\+150"):
        est.partial_fit(X * 1e150, y)
    assert_same(snapshot(est), before)
    np.testing.assert_array_equal(est.predict(X), predictions)
    est.partial_fit(X, y)  # still usable
    assert est.t_ == 3 * len(X) and all_finite(weights(est))


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("lr", [1.0, 100.0, 1e6])
def test_no_silent_nan(solver, activation, lr):
    """Whatever the step size, a fit raises DivergenceError or leaves finite weights."""
    est = small(MLPRegressor, solver=solver, activation=activation, learning_rate_init=lr,
                max_iter=10)
    try:
        est.fit(X_REG, Y_REG)
    except DivergenceError:
        assert not hasattr(est, "coefs_")
        return
    assert all_finite(weights(est)) and np.isfinite(est.predict(X_REG)).all()


def test_output_overflow_after_the_last_update_is_divergence():
    """The last update is followed by no loss; finite weights whose outputs overflow
    float32 must not be left behind (found by test_properties)."""
    X = np.array([[463.0, -6.0, 0.0], [-6.0, -6.0, -6.0]], dtype=np.float32)
    y = np.zeros((2, 2))
    est = MLPRegressor(hidden_layer_sizes=(3,), solver="sgd", max_iter=3, random_state=0)
    with pytest.raises(DivergenceError, match="outputs overflowed in epoch 3") as info:
        est.fit(X, y)
    assert not hasattr(est, "coefs_") and info.value.n_iter == 2
    two = MLPRegressor(hidden_layer_sizes=(3,), solver="sgd", max_iter=2, random_state=0).fit(X, y)
    for a, b in zip(info.value.coefs_ + info.value.intercepts_, weights(two)):
        np.testing.assert_array_equal(a, b)


# the last finite epoch's predictions are so large that scikit-learn's r2_score, which
# scores the validation set (as in scikit-learn's MLPRegressor), overflows squaring them
@pytest.mark.filterwarnings("ignore:overflow encountered in square:RuntimeWarning")
def test_early_stopping_divergence_keeps_the_best_weights():
    """With early stopping scikit-learn keeps the best weights and records a NaN
    validation score (a non-regression test of its own); fastmlp does the same,
    but stops at once and warns why."""
    est = small(MLPRegressor, solver="sgd", early_stopping=True, learning_rate_init=10.0)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        est.fit(X_REG, Y_REG)
    assert np.isnan(est.validation_scores_[-1])
    assert all(np.isfinite(a).all() for a in est.coefs_ + est.intercepts_)
    assert np.isfinite(est.predict(X_REG)).all()


# ------------------------------------------------------------------ determinism
FIT_SCRIPT = """
import hashlib, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
sys.path.insert(0, {root!r})
from sklearn.datasets import make_classification
from fastmlp import MLPClassifier
X, y = make_classification(n_samples=300, n_features=12, n_classes=3, n_informative=6,
                           random_state=0)
for solver in ("sgd", "adam", "lbfgs"):
    for dtype in (np.float64, np.float32):
        est = MLPClassifier(hidden_layer_sizes=(40, 20), solver=solver, max_iter=15,
                            batch_size=50, random_state=3).fit(X.astype(dtype), y)
        digest = hashlib.sha256(b"".join(a.tobytes() for a in est.coefs_ + est.intercepts_))
        print(solver, np.dtype(dtype).name, digest.hexdigest())
"""


def _digests(script_output):
    return dict(((s, d), h) for s, d, h in (line.split() for line in script_output.splitlines()))


def test_bit_identical_in_process_and_in_subprocess(capsys):
    script = FIT_SCRIPT.format(root=str(ROOT))
    exec(compile(script, "<fit>", "exec"), {})
    first = _digests(capsys.readouterr().out)
    exec(compile(script, "<fit>", "exec"), {})
    second = _digests(capsys.readouterr().out)
    assert len(first) == 6 and first == second
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert _digests(out) == first


@pytest.mark.parametrize("blas_threads", [1, 2])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_bit_identical_for_a_given_blas_thread_count(blas_threads, solver):
    # large enough for BLAS (and its threads) to be used in every product
    X, y = make_classification(n_samples=1000, n_features=40, random_state=0)
    fits = []
    for _ in range(2):
        with threadpool_limits(blas_threads):
            est = MLPClassifier(hidden_layer_sizes=(64,), solver=solver, max_iter=5,
                                random_state=0).fit(X, y)
        fits.append(weights(est))
    for a, b in zip(*fits):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ threads
def test_kernels_release_the_gil():
    for kernel in (train_epoch, predict_batch, objective_and_gradient):
        assert kernel.targetoptions.get("nogil") is True, kernel


@pytest.mark.parametrize("cls", [MLPRegressor, MLPClassifier])
def test_concurrent_predict_equals_serial(cls):
    X, y = DATA[cls]
    est = small(cls, hidden_layer_sizes=(30, 10)).fit(X, y)
    # more rows than one predict chunk, so every call walks several chunks
    X_big = np.random.RandomState(1).randn(fastmlp._base._PREDICT_CHUNK + 1234, X.shape[1])
    methods = ["predict", "predict_proba"] if cls is MLPClassifier else ["predict"]
    serial = {m: getattr(est, m)(X_big) for m in methods}
    barrier = threading.Barrier(8)

    def work(i):
        barrier.wait()
        m = methods[i % len(methods)]
        return m, [getattr(est, m)(X_big) for _ in range(3)]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    for m, outputs in results:
        for out in outputs:
            np.testing.assert_array_equal(out, serial[m])


def test_two_fits_in_two_threads_equal_serial_fits():
    X, y = make_classification(n_samples=400, n_features=10, random_state=0)

    def fit(seed):
        return MLPClassifier(hidden_layer_sizes=(16,), batch_size=16, max_iter=20,
                             random_state=seed).fit(X, y)

    serial = [fit(0), fit(1)]
    barrier = threading.Barrier(2)

    def fit_together(seed):
        barrier.wait()
        return fit(seed)

    with ThreadPoolExecutor(2) as pool:
        parallel = list(pool.map(fit_together, [0, 1]))
    for a, b in zip(serial, parallel):
        for p, q in zip(weights(a), weights(b)):
            np.testing.assert_array_equal(p, q)
        assert a.loss_curve_ == b.loss_curve_


# ------------------------------------------------------------------ endurance
def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="RSS read from /proc (Linux)")
def test_memory_flat_over_2000_epochs(monkeypatch):
    rng = np.random.RandomState(0)
    X, y = rng.randn(50, 5), rng.randn(50)
    est = MLPRegressor(hidden_layer_sizes=(20,), solver="sgd", max_iter=2000, tol=0.0,
                       n_iter_no_change=np.inf, random_state=0, batch_size=10)
    est.fit(X, y)  # compile and warm up
    real_train_epoch = fastmlp._base.train_epoch
    seen = {}

    def measuring_train_epoch(*args, **kwargs):
        seen["epoch"] = seen.get("epoch", 0) + 1
        if seen["epoch"] in (201, 2000):  # after 200 and 1999 finished epochs
            seen[seen["epoch"]] = (tracemalloc.get_traced_memory()[0], _rss_bytes())
        return real_train_epoch(*args, **kwargs)

    monkeypatch.setattr(fastmlp._base, "train_epoch", measuring_train_epoch)
    tracemalloc.start()
    try:
        est.fit(X, y)
    finally:
        tracemalloc.stop()
    assert est.n_iter_ == 2000
    (traced_200, rss_200), (traced_2000, rss_2000) = seen[201], seen[2000]
    epochs = 1799
    # loss_curve_ legitimately grows by one float (pointer + object, < 64 bytes) per epoch;
    # any array leaked per epoch (the 141 weights alone are 1.2 kB) would far exceed this
    assert traced_2000 - traced_200 < 64 * epochs
    # RSS also covers numba's own allocator (not traced); 1 MB of slack for the allocator
    assert rss_2000 - rss_200 < 2**20


def test_keyboard_interrupt_keeps_last_complete_epoch(monkeypatch):
    X, y = X_CLF, Y_CLF
    reference = small(MLPClassifier, max_iter=4).fit(X, y)
    real_update = MLPClassifier._update_training_loss
    calls = []

    def interrupting_update(self):  # runs between epochs, after an epoch is recorded
        real_update(self)
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt

    monkeypatch.setattr(MLPClassifier, "_update_training_loss", interrupting_update)
    est = small(MLPClassifier, max_iter=50)
    with pytest.warns(UserWarning, match="Training interrupted by user."):
        est.fit(X, y)
    assert est.n_iter_ == 4 and len(est.loss_curve_) == 4 and est.t_ == 4 * len(X)
    assert est.loss_curve_ == reference.loss_curve_
    for a, b in zip(weights(est), weights(reference)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(est.predict(X), reference.predict(X))


def test_keyboard_interrupt_inside_an_epoch_drops_its_partial_update(monkeypatch):
    """An interrupt that arrives as the compiled epoch returns (before it is recorded)."""
    X, y = X_REG, Y_REG
    reference = small(MLPRegressor, solver="sgd", max_iter=3).fit(X, y)
    real_epoch = fastmlp._base.train_epoch
    calls = []

    def interrupted_epoch(*args):
        loss = real_epoch(*args)
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return loss

    monkeypatch.setattr(fastmlp._base, "train_epoch", interrupted_epoch)
    est = small(MLPRegressor, solver="sgd", max_iter=50)
    with pytest.warns(UserWarning, match="Training interrupted by user."):
        est.fit(X, y)
    assert est.n_iter_ == 3 and est.loss_curve_ == reference.loss_curve_
    for a, b in zip(weights(est), weights(reference)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(est._optimizer.state, reference._optimizer.state)
    # and training continues from there exactly as an uninterrupted run would
    monkeypatch.setattr(fastmlp._base, "train_epoch", real_epoch)
    est.partial_fit(X, y)
    reference.partial_fit(X, y)
    for a, b in zip(weights(est), weights(reference)):
        np.testing.assert_array_equal(a, b)


def test_keyboard_interrupt_during_lbfgs_restores_the_model(monkeypatch):
    est = small(MLPRegressor, solver="lbfgs").fit(X_REG, Y_REG)
    before = snapshot(est)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    import scipy.optimize

    monkeypatch.setattr(scipy.optimize, "minimize", interrupted)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X_REG, Y_REG)
    assert_same(snapshot(est), before)
