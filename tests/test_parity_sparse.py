"""Sparse (CSR / CSC) input: same results as dense input, without densifying."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.neural_network as skn
from sklearn.exceptions import ConvergenceWarning

import fastmlp
from fastmlp import MLPClassifier, MLPRegressor
from fastmlp._sparse import CSR, as_kernel_input, batch_buffer

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _sparse_data(n=90, d=25, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.rand(n, d)
    X[X < 0.75] = 0.0
    X[3] = 0.0  # an empty row
    y = (X[:, :5].sum(1) > X[:, :5].sum(1).mean()).astype(int) + (X[:, 5] > 0.8)
    return X, y


def _max_diff(a, b):
    return max(np.abs(u - v).max() for u, v in zip(a, b))


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_sparse_fit_equals_dense_fit(fmt, solver):
    X, y = _sparse_data()
    kw = dict(hidden_layer_sizes=(6,), solver=solver, max_iter=15, random_state=0, batch_size=16)
    dense = MLPClassifier(**kw).fit(X, y)
    sparse = MLPClassifier(**kw).fit(sp.csr_matrix(X).asformat(fmt), y)
    assert _max_diff(dense.coefs_, sparse.coefs_) < 1e-10
    assert _max_diff(dense.intercepts_, sparse.intercepts_) < 1e-10
    assert sparse.loss_ == pytest.approx(dense.loss_, abs=1e-10)
    Xs = sp.csr_matrix(X).asformat(fmt)
    np.testing.assert_allclose(sparse.predict_proba(Xs), dense.predict_proba(X), atol=1e-12)
    np.testing.assert_array_equal(sparse.predict(Xs), dense.predict(X))


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_float32_gives_float32(fmt):
    X, y = _sparse_data()
    X32 = X.astype(np.float32)
    kw = dict(hidden_layer_sizes=(6,), max_iter=10, random_state=0)
    dense = MLPRegressor(**kw).fit(X32, y)
    sparse = MLPRegressor(**kw).fit(sp.csr_matrix(X32).asformat(fmt), y)
    assert sparse.coefs_[0].dtype == np.float32
    pred = sparse.predict(sp.csr_matrix(X32).asformat(fmt))
    assert pred.dtype == np.float32
    assert _max_diff(dense.coefs_, sparse.coefs_) < 1e-5
    np.testing.assert_allclose(pred, dense.predict(X32), rtol=1e-5, atol=1e-5)


def test_sparse_matches_sklearn_on_sparse():
    X, y = _sparse_data()
    Xs = sp.csr_matrix(X)
    kw = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=1, learning_rate_init=0.01)
    ours = MLPClassifier(**kw).fit(Xs, y)
    ref = skn.MLPClassifier(**kw).fit(Xs, y)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(ours.predict_proba(Xs), ref.predict_proba(Xs), atol=1e-10)


def test_sparse_with_sample_weight_early_stopping_and_partial_fit():
    X, y = _sparse_data(n=120)
    Xs = sp.csr_matrix(X)
    sw = np.random.RandomState(3).rand(X.shape[0])
    kw = dict(hidden_layer_sizes=(5,), max_iter=12, random_state=0, early_stopping=True,
              n_iter_no_change=50)
    dense = MLPClassifier(**kw).fit(X, y, sample_weight=sw)
    sparse = MLPClassifier(**kw).fit(Xs, y, sample_weight=sw)
    np.testing.assert_allclose(sparse.validation_scores_, dense.validation_scores_)
    assert _max_diff(dense.coefs_, sparse.coefs_) < 1e-10

    dense = MLPRegressor(hidden_layer_sizes=(5,), random_state=0)
    sparse = MLPRegressor(hidden_layer_sizes=(5,), random_state=0)
    for chunk in np.array_split(np.arange(X.shape[0]), 3):
        dense.partial_fit(X[chunk], y[chunk], sample_weight=sw[chunk])
        sparse.partial_fit(Xs[chunk], y[chunk], sample_weight=sw[chunk])
    assert _max_diff(dense.coefs_, sparse.coefs_) < 1e-10


def test_sparse_predict_in_chunks(monkeypatch):
    X, y = _sparse_data()
    Xs = sp.csr_matrix(X)
    reg = MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(Xs, y)
    whole = reg.predict(Xs)
    monkeypatch.setattr(fastmlp._base, "_PREDICT_CHUNK", 7)
    np.testing.assert_allclose(reg.predict(Xs), whole, atol=1e-12)
    np.testing.assert_allclose(reg.predict(X), whole, atol=1e-12)


def test_sparse_int64_indices_and_unsorted_duplicates():
    X, y = _sparse_data()
    Xs = sp.csr_matrix(X)
    # int64 index arrays, reversed column order and every value split in two entries
    data, indices, indptr = [], [], [0]
    for i in range(X.shape[0]):
        row = Xs[i]
        for j, v in zip(row.indices[::-1], row.data[::-1]):
            data += [v / 2, v / 2]
            indices += [j, j]
        indptr.append(len(data))
    dup = sp.csr_matrix(
        (np.array(data), np.array(indices, dtype=np.int64), np.array(indptr, dtype=np.int64)),
        shape=X.shape,
    )
    dup.indices = dup.indices.astype(np.int64)
    dup.indptr = dup.indptr.astype(np.int64)
    assert not dup.has_canonical_format
    assert not dup.has_canonical_format
    kw = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    ref = MLPClassifier(**kw).fit(X, y)
    ours = MLPClassifier(**kw).fit(dup, y)
    assert _max_diff(ref.coefs_, ours.coefs_) < 1e-10


def test_kernel_input_does_not_densify():
    X, _ = _sparse_data(n=50, d=40)
    Xs = sp.csc_matrix(X)
    k = as_kernel_input(Xs, np.float64)
    assert isinstance(k, CSR)
    assert k.data.size == Xs.nnz
    assert tuple(k.shape) == X.shape
    buf = batch_buffer(k, 10, np.float64)
    assert buf.data.size == np.sort(np.diff(k.indptr))[-10:].sum() < 10 * X.shape[1]


def test_sparse_tags_match_sklearn():
    for ours, ref in [(MLPClassifier(), skn.MLPClassifier()), (MLPRegressor(), skn.MLPRegressor())]:
        assert ours.__sklearn_tags__().input_tags.sparse is True
        assert ours.__sklearn_tags__().input_tags == ref.__sklearn_tags__().input_tags


def test_unsupported_sparse_format_is_converted_like_sklearn():
    X, y = _sparse_data()
    kw = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPClassifier(**kw).fit(sp.coo_matrix(X), y)
        ref = skn.MLPClassifier(**kw).fit(sp.coo_matrix(X), y)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-10)


_CACHE_PROBE = """
import numpy as np, scipy.sparse as sp, warnings
warnings.simplefilter("ignore")
from fastmlp import MLPClassifier
from fastmlp._training import train_epoch
from fastmlp._network import predict_batch
X = sp.random(40, 12, density=0.3, format="csr", random_state=0)
y = np.arange(40) % 2
MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0).fit(X, y).predict(X)
stats = [train_epoch.stats, predict_batch.stats]
print(sum(sum(s.cache_hits.values()) for s in stats),
      sum(sum(s.cache_misses.values()) for s in stats))
"""


def test_sparse_kernels_are_cached_across_processes():
    """The overload-dispatched kernels load from numba's cache in a new process."""
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    runs = [
        subprocess.run([sys.executable, "-c", _CACHE_PROBE], env=env, capture_output=True,
                       text=True, check=True).stdout.split()
        for _ in range(2)
    ]
    hits, misses = map(int, runs[1])
    assert hits >= 2 and misses == 0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_csr_kernels_match_scipy(dtype):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from fastmlp._sparse import csr_gather, csr_matmul, csr_matmul_tn

    @settings(max_examples=25, deadline=None)
    @given(st.integers(1, 12), st.integers(1, 9), st.integers(1, 5), st.floats(0.0, 1.0),
           st.integers(0, 2**31 - 1))
    def check(n, d, h, density, seed):
        rng = np.random.RandomState(seed)
        Xs = sp.random(n, d, density=density, format="csr", random_state=rng, dtype=dtype)
        K = as_kernel_input(Xs, dtype)
        W = rng.randn(d, h).astype(dtype)
        D = rng.randn(n, h).astype(dtype)
        Z = np.full((n, h), np.nan, dtype=dtype)
        G = np.full((d, h), np.nan, dtype=dtype)
        csr_matmul(K, W, Z)
        csr_matmul_tn(K, D, G)
        tol = 1e-12 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(Z, Xs @ W, rtol=tol, atol=tol)
        np.testing.assert_allclose(G, Xs.T @ D, rtol=tol, atol=tol)
        order = rng.permutation(n).astype(np.int64)
        m = rng.randint(1, n + 1)
        start = rng.randint(0, n - m + 1)
        batch = csr_gather(K, order, start, m, batch_buffer(K, m, dtype))
        dense = sp.csr_matrix((batch.data[: batch.indptr[m]], batch.indices[: batch.indptr[m]],
                               batch.indptr), shape=(m, d)).toarray()
        np.testing.assert_array_equal(dense, Xs.toarray()[order[start : start + m]])

    check()


def test_input_operations_call_the_dense_or_csr_kernel():
    """input_product, input_gradient and row_block compile into a call of the dense
    kernel for an array and of the CSR loop for a CSR (fastmlp._jit.direct_call), with
    the same results; any other input is refused when compiled."""
    from numba import njit
    from numba.core.errors import TypingError

    from fastmlp._blas import no_kernels
    from fastmlp._sparse import input_gradient, input_product, row_block

    @njit
    def use(X, W, Z, G, kernels):
        input_product(X, W, Z, kernels, 0)
        input_gradient(X, Z, G, kernels, 0)
        return row_block(X, 2, 5)

    X, _ = _sparse_data(n=12, d=7)
    W = np.random.RandomState(1).normal(size=(7, 4))
    kernels = no_kernels(1)
    for data in (X, as_kernel_input(sp.csr_matrix(X), np.float64)):
        Z, G = np.empty((12, 4)), np.empty((7, 4))
        block = use(data, W, Z, G, kernels)
        np.testing.assert_allclose(Z, X @ W, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(G, X.T @ (X @ W), rtol=1e-13, atol=1e-13)
        if isinstance(block, CSR):
            lo, hi = block.indptr[0], block.indptr[-1]  # (offsets into the whole X's arrays)
            block = sp.csr_matrix((block.data[lo:hi], block.indices[lo:hi], block.indptr - lo),
                                  shape=block.shape).toarray()
        np.testing.assert_array_equal(block, X[2:5])
    with pytest.raises(TypingError):
        use(X.tolist(), W, np.empty((12, 4)), np.empty((7, 4)), kernels)
