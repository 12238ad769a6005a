"""fastmlp._linalg: all_finite and largest_magnitude exact (from the bit patterns), squared_norm;
the fit's buffers aligned to cache lines."""

import numpy as np
import pytest

from fastmlp._linalg import ALIGNMENT, aligned_empty, all_finite, largest_magnitude, squared_norm


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_all_finite_is_exact(dtype):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(37, 11)).astype(dtype)
    assert all_finite(X)
    info = np.finfo(dtype)
    for value in (info.max, -info.max, info.tiny, info.smallest_subnormal, 0.0, -0.0):
        Y = X.copy()
        Y[5, 7] = value
        assert all_finite(Y), value  # large finite values are finite (no overflowing sum)
    for value in (np.nan, np.inf, -np.inf):
        for position in ((0, 0), (36, 10), (17, 3)):
            Y = X.copy()
            Y[position] = value
            assert not all_finite(Y), (value, position)
    assert all_finite(np.empty((0, 4), dtype=dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_largest_magnitude_is_numpys_max_abs(dtype):
    rng = np.random.RandomState(0)
    info = np.finfo(dtype)
    X = (rng.normal(size=(37, 5)) * 10.0 ** rng.uniform(-30, 30, size=(37, 5))).astype(dtype)
    for special in (info.max, -info.max, info.tiny, -info.smallest_subnormal, 0.0, -0.0):
        Y = X.copy()
        Y[3, 2] = special
        assert largest_magnitude(Y) == np.abs(Y).max()
    assert largest_magnitude(X[:1, :1]) == abs(X[0, 0])
    assert largest_magnitude(-np.zeros((2, 2), dtype)) == 0.0
    assert largest_magnitude(np.zeros((0, 4), dtype)) == 0.0
    for bad in (np.inf, -np.inf):
        Y = X.copy()
        Y[-1, -1] = bad
        assert largest_magnitude(Y) == np.inf
    Y = X.copy()
    Y[0, 0] = np.nan
    assert np.isnan(largest_magnitude(Y))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("threads", [2, 3])
def test_largest_magnitude_scanned_in_pieces_at_once(monkeypatch, dtype, threads):
    from fastmlp import _linalg

    monkeypatch.setattr(_linalg, "SCAN_VALUES_PER_THREAD", 50)
    started = []
    thread = _linalg.threading.Thread
    monkeypatch.setattr(_linalg.threading, "Thread", lambda **kw: started.append(1) or thread(**kw))
    rng = np.random.RandomState(1)
    X = rng.normal(size=(50, 7)).astype(dtype)  # 350 values: up to 7 pieces of 50
    for position in ((0, 0), (24, 3), (49, 6)):  # in the first, a middle and the last piece
        for special in (1e30, np.inf, -np.inf):
            Y = X.copy()
            Y[position] = special
            started.clear()
            assert largest_magnitude(Y, threads) == np.abs(Y).max() == largest_magnitude(Y)
            assert len(started) == threads - 1
        Y = X.copy()
        Y[position] = np.nan
        assert np.isnan(largest_magnitude(Y, threads))
    started.clear()
    assert largest_magnitude(X[:2], threads) == np.abs(X[:2]).max()  # 14 values: one thread
    assert started == []


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_squared_norm_sums_the_slice_in_float64(dtype):
    rng = np.random.RandomState(0)
    x = (rng.normal(size=1000) * 1e3).astype(dtype)
    for lo, hi in [(0, 1000), (3, 998), (17, 18), (5, 5), (0, 7)]:
        expected = np.sum((x[lo:hi] * x[lo:hi]).astype(np.float64))  # squares in x's dtype
        assert squared_norm(x, lo, hi) == pytest.approx(expected, rel=1e-13, abs=0.0)
    assert squared_norm(x, 0, 1000) == squared_norm(x.copy(), 0, 1000)  # a fixed order


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("shape", [(0,), (1,), (7,), (3, 5), (1000, 33), 12])
def test_aligned_empty_starts_on_a_cache_line(dtype, shape):
    for _ in range(5):  # (a lucky np.empty would pass once)
        a = aligned_empty(shape, dtype)
        assert a.size == 0 or a.ctypes.data % ALIGNMENT == 0  # (an empty view has no start)
        assert a.shape == np.empty(shape).shape and a.dtype == dtype
        assert a.flags.c_contiguous and a.flags.writeable
        a[...] = 1  # the whole view lies inside its buffer
        assert a.base.size * a.itemsize - a.nbytes < ALIGNMENT + a.itemsize


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fit_parameters_and_workspace_on_cache_lines(dtype):
    # the vector coefs_ and intercepts_ view, after a fit and a warm-started refit,
    # and every workspace buffer of a fit
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from fastmlp import MLPClassifier
    from fastmlp._training import make_workspace

    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(200, 7)).astype(dtype), rng.randint(0, 3, 200)
    model = MLPClassifier(hidden_layer_sizes=(9,), batch_size=16, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for warm in (False, True):
            model.set_params(warm_start=warm).fit(X, y)
            params = model._params
            assert params.ctypes.data % ALIGNMENT == 0 and params.dtype == dtype
            assert np.shares_memory(model.coefs_[0], params)
    sizes = np.array([7, 9, 3])
    work = make_workspace(sizes, 16, int(params.size), dtype, X=X)
    for name in ("X", "Y", "sw", "acts", "deltas", "grads"):
        assert getattr(work, name).ctypes.data % ALIGNMENT == 0, name
