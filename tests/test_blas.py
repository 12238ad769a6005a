"""fastmlp._blas: the kernels' matrix products through MKL or scipy's BLAS, chosen per process."""

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import fastmlp
from fastmlp import _blas
from fastmlp._linalg import BLAS_MIN_FLOPS, matmul, matmul_nt, matmul_tn

ROOT = str(Path(__file__).resolve().parent.parent)


def _mkl_installed():
    try:
        metadata.distribution("mkl")
    except metadata.PackageNotFoundError:
        return False
    return sys.platform == "linux"


PRODUCTS = {  # function, reference, operand shapes, transpositions
    "nn": (matmul, lambda A, B: A @ B, lambda m, k, n: ((m, k), (k, n)), (False, False)),
    "tn": (matmul_tn, lambda A, B: A.T @ B, lambda m, k, n: ((k, m), (k, n)), (True, False)),
    "nt": (matmul_nt, lambda A, B: A @ B.T, lambda m, k, n: ((m, k), (n, k)), (False, True)),
}
NO_KERNELS = _blas.no_kernels(1)
OPS = {"nn": _blas.NN, "tn": _blas.TN, "nt": _blas.NT}
MKL = _blas.BACKEND == "mkl"


def _kernels(kind, shape, dtype, made_for=None):
    """A one-layer table with MKL's generated code for this product (zeros without MKL)."""
    m, k, n = shape
    made = _blas.compiled_gemm(*(made_for or (m, n, k, *PRODUCTS[kind][3], dtype)))
    assert (made[_blas._FUNCTION] != 0) == MKL
    kernels = NO_KERNELS.copy()
    kernels[0, OPS[kind]] = made
    return kernels
# (m, k, n): BLAS-sized ones of every aspect, a single row / column / term, and one below
# BLAS_MIN_FLOPS that runs as a compiled loop
SHAPES = [(37, 50, 29), (256, 78, 51), (1, 300, 40), (300, 40, 1), (64, 1, 100), (3, 4, 5)]


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", sorted(PRODUCTS))
@pytest.mark.parametrize("shape", SHAPES)
def test_products_equal_numpy(kind, shape, dtype, compiled):
    product, reference, operand_shapes, _ = PRODUCTS[kind]
    rng = np.random.RandomState(0)
    A, B = (rng.normal(size=s).astype(dtype) for s in operand_shapes(*shape))
    C = np.full((shape[0], shape[2]), np.nan, dtype=dtype)  # every entry must be written
    product(A, B, C, _kernels(kind, shape, dtype) if compiled else NO_KERNELS, 0)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(C, reference(A, B), rtol=rtol, atol=rtol * shape[1])
    assert (np.prod(shape) >= BLAS_MIN_FLOPS) == (shape != (3, 4, 5))


def test_results_do_not_depend_on_alignment_or_repetition():
    # large enough for two BLAS threads; the operands sit at different offsets of a buffer
    rng = np.random.RandomState(1)
    A0, B0 = rng.normal(size=(256, 300)), rng.normal(size=(300, 200))
    results = []
    with threadpool_limits(2):
        for offset in (0, 1, 3, 8):
            buffer = np.empty(A0.size + B0.size + 60_000 + offset)[offset:]
            A = buffer[:A0.size].reshape(A0.shape)
            B = buffer[A0.size:A0.size + B0.size].reshape(B0.shape)
            C = buffer[A0.size + B0.size:A0.size + B0.size + 256 * 200].reshape(256, 200)
            A[...], B[...] = A0, B0
            for _ in range(2):
                matmul(A, B, C, NO_KERNELS, 0)
                results.append(C.copy())
    for C in results[1:]:
        np.testing.assert_array_equal(C, results[0])


@pytest.mark.parametrize("kind", sorted(PRODUCTS))
def test_compiled_products_do_not_depend_on_alignment(kind):
    shape = (32, 64, 48)  # a minibatch product
    product, _, operand_shapes, _ = PRODUCTS[kind]
    kernels = _kernels(kind, shape, np.float64)
    rng = np.random.RandomState(2)
    A0, B0 = (rng.normal(size=s) for s in operand_shapes(*shape))
    results = []
    for offset in (0, 1, 3, 8):
        buffer = np.empty(A0.size + B0.size + 32 * 48 + offset)[offset:]
        A = buffer[:A0.size].reshape(A0.shape)
        B = buffer[A0.size:A0.size + B0.size].reshape(B0.shape)
        C = buffer[A0.size + B0.size:].reshape(32, 48)
        A[...], B[...] = A0, B0
        product(A, B, C, kernels, 0)
        results.append(C.copy())
    for C in results[1:]:
        np.testing.assert_array_equal(C, results[0])


def test_compiled_product_runs_only_for_its_own_shape():
    """A kernel made for another m, n, k, transposition or dtype is not called
    (calling it would read and write out of bounds); the product is still right."""
    rng = np.random.RandomState(3)
    A, B = rng.normal(size=(20, 30)), rng.normal(size=(30, 40))
    others = [(21, 40, 30, False, False, np.float64), (20, 41, 30, False, False, np.float64),
              (20, 40, 31, False, False, np.float64), (20, 40, 30, True, False, np.float64),
              (20, 40, 30, False, True, np.float64), (20, 40, 30, False, False, np.float32)]
    for made_for in others:
        C = np.full((20, 40), np.nan)
        matmul(A, B, C, _kernels("nn", (20, 30, 40), None, made_for), 0)
        np.testing.assert_allclose(C, A @ B, rtol=1e-12, err_msg=str(made_for))
    assert _blas.compiled_gemm(0, 4, 4, False, False, np.float64)[_blas._FUNCTION] == 0


def test_compiled_kernels_are_made_once_per_shape():
    a = _blas.compiled_gemm(17, 19, 23, False, True, np.float32)
    assert _blas.compiled_gemm(17, 19, 23, False, True, np.float32) is a
    assert list(a[:6]) == ([17, 19, 23, 0, 1, 4] if MKL else [0] * 6)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch_size", [1, 32])
def test_fit_with_compiled_products_equals_fit_without(monkeypatch, dtype, batch_size):
    """MKL's generated products in a one-thread fit (the last, shorter batch and the
    single-output forward product run without) train the network of the plain path."""
    from sklearn.datasets import make_classification

    from fastmlp import MLPClassifier, _network

    X, y = make_classification(n_samples=203, n_features=20, n_informative=8, n_classes=3,
                               random_state=0)
    X = X.astype(dtype)

    def fit():
        return MLPClassifier(hidden_layer_sizes=(24, 9), max_iter=3, batch_size=batch_size,
                             random_state=0).fit(X, y)

    kernels = _network.compiled_products(np.array([20, 24, 9, 3]), batch_size, dtype)
    # three layers, three products each, no delta for the input layer
    assert np.count_nonzero(kernels[:, :, _blas._FUNCTION]) == (8 if MKL else 0)
    with_kernels = fit()
    monkeypatch.setattr(_network, "compiled_gemm", lambda *args: NO_KERNELS[0, 0])
    without = fit()
    rtol = 1e-10 if dtype == np.float64 else 1e-4
    for a, b in zip(with_kernels.coefs_ + with_kernels.intercepts_,
                    without.coefs_ + without.intercepts_):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


def test_one_thread_for_kernels_is_one_thread_for_this_thread_only():
    import threading

    from fastmlp._threads import current_counts, one_thread_for_kernels

    with threadpool_limits(2, user_api="blas"):
        before = current_counts()
        seen = []
        with one_thread_for_kernels():
            if MKL:  # MKL's setting for the calling thread; the others keep theirs
                mkl = _blas._mkl_library()
                seen.append(mkl.MKL_Get_Max_Threads())
                other = threading.Thread(target=lambda: seen.append(mkl.MKL_Get_Max_Threads()))
                other.start()
                other.join()
                assert seen == [1, 2]
            else:
                assert current_counts() == [1] * len(before)
        assert current_counts() == before
        if MKL:
            assert mkl.MKL_Get_Max_Threads() == 2


def test_backend_is_reported():
    assert fastmlp.blas_backend() == _blas.BACKEND
    assert _blas.BACKEND in ("mkl", "scipy")


def test_unknown_choice_is_an_error():
    with pytest.raises(ValueError, match="FASTMLP_BLAS must be one of"):
        _blas._select("openblas")


def test_asking_for_missing_mkl_is_an_error(monkeypatch):
    monkeypatch.setattr(_blas, "_mkl_library", lambda: None)
    with pytest.raises(ImportError, match=r"pip install fastmlp\[mkl\]"):
        _blas._select("mkl")
    assert _blas._select("auto")[0] == "scipy"


_FIT = """
import json, sys
sys.path.insert(0, {root!r})
import numpy as np
import fastmlp
from fastmlp import MLPClassifier, MLPRegressor
from sklearn.datasets import make_classification, make_regression
out = {{"backend": fastmlp.blas_backend()}}
X, y = make_classification(n_samples=600, n_features=30, n_informative=10, n_classes=3,
                           random_state=0)
for dtype in ("float64", "float32"):
    est = MLPClassifier(hidden_layer_sizes=(64, 32), max_iter=5, random_state=0)
    est.fit(X.astype(dtype), y)
    out["clf-" + dtype] = [w.tolist() for w in est.coefs_ + est.intercepts_]
X, y = make_regression(n_samples=400, n_features=20, random_state=0)
est = MLPRegressor(hidden_layer_sizes=(50,), solver="lbfgs", max_iter=20, random_state=0)
out["lbfgs"] = [w.tolist() for w in est.fit(X, y / 100).coefs_]
print(json.dumps(out))
"""


def _fit_with(choice):
    env = {k: v for k, v in os.environ.items() if k != "FASTMLP_BLAS"}
    if choice is not None:
        env["FASTMLP_BLAS"] = choice
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", _FIT.format(root=ROOT)],
                            capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


@pytest.mark.skipif(not _mkl_installed(), reason="needs the mkl package (pip install fastmlp[mkl])")
def test_both_backends_train_the_same_network():
    mkl, scipy = _fit_with(None), _fit_with("scipy")
    assert (mkl["backend"], scipy["backend"]) == ("mkl", "scipy")
    for key, rtol in (("clf-float64", 1e-9), ("clf-float32", 2e-3), ("lbfgs", 1e-7)):
        for a, b in zip(mkl[key], scipy[key]):
            np.testing.assert_allclose(np.array(a), np.array(b), rtol=rtol, atol=rtol * 1e-2,
                                       err_msg=key)


def _run_script(path, template: str) -> list:
    """Run ``template`` (formatted with the repository's root) as a script of its own;
    the words it printed."""
    path.write_text(template.format(root=ROOT))
    result = subprocess.run([sys.executable, "-W", "ignore", str(path)], capture_output=True,
                            text=True, cwd=ROOT, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.split()


_FORK = """
import multiprocessing, sys
sys.path.insert(0, {root!r})
import numpy as np
from fastmlp import MLPClassifier
X = np.random.RandomState(0).randn(600, 400)
y = (X[:, 0] > 0).astype(int)

def fit(_=None):
    # 256 x 400 x 512 multiply-adds: large enough for every BLAS thread
    est = MLPClassifier(hidden_layer_sizes=(512,), batch_size=256, max_iter=2, random_state=0)
    return float(est.fit(X, y).loss_)

if __name__ == "__main__":
    parent = fit()
    with multiprocessing.get_context("fork").Pool(1) as pool:
        child = pool.apply(fit)
    print(parent, child)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="fork() start method: Linux")
def test_fit_in_a_forked_child_after_a_threaded_fit(tmp_path):
    # Intel's OpenMP runtime hung in a forked child that used MKL's threads
    parent, child = map(float, _run_script(tmp_path / "fork_fit.py", _FORK))
    assert child == pytest.approx(parent, rel=1e-12)


_FORK_AFTER_LIMITS = """
import multiprocessing, sys
sys.path.insert(0, {root!r})
import numpy as np
from threadpoolctl import threadpool_limits
from fastmlp import MLPClassifier
from fastmlp._omp import openmp_threads
X = np.random.RandomState(0).randn(1200, 400)
y = (X[:, 0] > 0).astype(int)
est = MLPClassifier(hidden_layer_sizes=(512,), batch_size=256, max_iter=2, random_state=0).fit(X, y)
with threadpool_limits(1):  # leaves MKL a thread-local setting of the parent's count
    serial = est.predict_proba(X)

def child(_=None):
    # 1,200 rows: shared by MKL's threads in the parent; a fit that uses them too
    refit = MLPClassifier(hidden_layer_sizes=(512,), batch_size=256, max_iter=2, random_state=0)
    return openmp_threads(), est.predict_proba(X).tolist(), float(refit.fit(X, y).loss_)

if __name__ == "__main__":
    shared = est.predict_proba(X)  # a team ran in the parent
    with multiprocessing.get_context("fork").Pool(1) as pool:
        threads, proba, loss = pool.apply_async(child).get(timeout=120)
    np.testing.assert_allclose(np.array(proba), serial, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(shared, serial, rtol=1e-12, atol=1e-15)
    print(threads, loss, float(est.loss_))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="fork() start method: Linux")
def test_forked_child_after_threadpool_limits_predicts_and_fits(tmp_path):
    # threadpoolctl restores MKL's thread count as a thread-local setting, which had
    # overridden the child's one thread: its shared predict_proba waited forever
    threads, child_loss, parent_loss = _run_script(tmp_path / "fork_after_limits.py", _FORK_AFTER_LIMITS)
    assert threads == "1"  # no team in a forked child
    assert float(child_loss) == pytest.approx(float(parent_loss), rel=1e-12)


def test_empty_table_in_compiled_code_is_all_zeros():
    """empty_table (predict_batch's kernel table) zeroes its memory: here memory just
    freed after being filled with ones, which the allocator hands out again."""
    from numba import njit

    @njit
    def table_after_junk(n_layers):
        junk = np.empty((n_layers, 3, _blas.KERNEL_FIELDS), dtype=np.int64)
        flat = junk.ravel()
        for i in range(flat.size):
            flat[i] = 1
        checksum = flat.sum()  # junk's last use: numba frees it here
        return _blas.empty_table(n_layers), checksum

    for n_layers in (1, 3, 40):
        table, checksum = table_after_junk(n_layers)
        assert checksum == n_layers * 3 * _blas.KERNEL_FIELDS
        np.testing.assert_array_equal(table, _blas.no_kernels(n_layers))
