"""numba's kernel cache: writable even from a read-only install, never stale."""

import os

import pytest
from numba.core import config

from fastmlp import _cache


@pytest.fixture(autouse=True)
def _keep_numba_cache_dir():
    """ensure_writable_numba_cache sets NUMBA_CACHE_DIR itself, which monkeypatch does
    not undo; left set, it would send later tests' subprocesses to another cache."""
    saved = os.environ.get("NUMBA_CACHE_DIR")
    yield
    if saved is None:
        os.environ.pop("NUMBA_CACHE_DIR", None)
    else:
        os.environ["NUMBA_CACHE_DIR"] = saved


def test_read_only_install_falls_back_to_temporary_cache(monkeypatch):
    monkeypatch.setattr(config, "CACHE_DIR", "")
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(_cache, "_writable", lambda directory: False)
    _cache.ensure_writable_numba_cache()
    assert config.CACHE_DIR == os.environ["NUMBA_CACHE_DIR"]
    assert config.CACHE_DIR.startswith(_cache.tempfile.gettempdir())


def test_writable_install_leaves_numba_alone(monkeypatch):
    monkeypatch.setattr(config, "CACHE_DIR", "")
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(_cache, "_writable", lambda directory: True)
    _cache.ensure_writable_numba_cache()
    assert config.CACHE_DIR == "" and "NUMBA_CACHE_DIR" not in os.environ


def test_writable_probe(tmp_path):
    assert _cache._writable(str(tmp_path / "sub"))


def test_kernels_from_other_sources_are_discarded(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "CACHE_DIR", str(tmp_path))
    path = _cache.kernel_cache_path()
    assert path.startswith(str(tmp_path))
    ours = ["_training.train_epoch-45.py311.nbi", "_training.train_epoch-45.py311.0.nbc",
            "_exp.fast_exp-57.py311.nbi"]
    others = ["elsewhere.kernel-3.py311.nbi", "_training.cpython-311.pyc"]
    for name in ours + others:
        (tmp_path / path / name).write_text("old")
    stamp = os.path.join(path, _cache.FINGERPRINT_FILE)
    with open(stamp, "w") as f:
        f.write("fingerprint of other sources")

    _cache.discard_stale_kernels()
    assert sorted(os.listdir(path)) == sorted(others + [_cache.FINGERPRINT_FILE])
    with open(stamp) as f:
        assert f.read() == _cache.sources_fingerprint()

    # same sources: the cache is kept
    for name in ours:
        (tmp_path / path / name).write_text("current")
    _cache.discard_stale_kernels()
    assert set(ours) <= set(os.listdir(path))


def test_an_unexpected_numba_leaves_the_cache_alone(monkeypatch):
    import numba.core.caching

    monkeypatch.delattr(numba.core.caching.CacheImpl, "_locator_classes")
    assert _cache.kernel_cache_path() is None
    _cache.discard_stale_kernels()  # no error: the fingerprint check is skipped


def test_fingerprint_follows_every_source_file(monkeypatch, tmp_path):
    for name, text in (("_a.py", "x = 1"), ("_b.py", "y = 2")):
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(_cache, "_PACKAGE", str(tmp_path))
    before = _cache.sources_fingerprint()
    (tmp_path / "_b.py").write_text("y = 3")
    assert _cache.sources_fingerprint() != before


def test_importing_the_estimators_stamps_the_cache():
    import fastmlp

    fastmlp.MLPClassifier  # noqa: B018 (loads fastmlp._base, which prepares the cache)
    with open(os.path.join(_cache.kernel_cache_path(), _cache.FINGERPRINT_FILE)) as f:
        assert f.read() == _cache.sources_fingerprint()


_SPARSE_FIT = """
import sys, warnings
import numpy as np, scipy.sparse as sp
warnings.simplefilter("ignore")
sys.path.insert(0, {root!r})
from fastmlp import MLPRegressor
X = sp.csr_matrix(np.array([[6.0], [468.9]]))
MLPRegressor(hidden_layer_sizes=(3,), solver="sgd", max_iter=2, random_state=0).fit(X, [1.0, 2.0])
print("fitted")
"""


def test_cached_parallel_kernels_run_in_a_new_process():
    """Kernels loaded from the disk cache run in a fresh process (a parallel kernel
    called from a cached one once crashed here: numba's thread pool was never started)."""
    import subprocess
    import sys
    from pathlib import Path

    script = _SPARSE_FIT.format(root=str(Path(__file__).resolve().parent.parent))
    for _ in range(2):  # the second process loads every kernel from the cache
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-2000:]
        assert "fitted" in result.stdout


def _fastmlp_kernels():
    """Every numba dispatcher defined in fastmlp's modules."""
    import importlib
    import pkgutil

    from numba.core.registry import CPUDispatcher

    import fastmlp

    fastmlp.MLPClassifier  # noqa: B018 -- loads the kernel modules (and the cache's checks) first
    kernels = {}
    for info in pkgutil.iter_modules(fastmlp.__path__):
        if info.name == "__main__":
            continue
        module = importlib.import_module(f"fastmlp.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, CPUDispatcher) and value.py_func.__module__ == module.__name__:
                kernels[f"{module.__name__}.{name}"] = value
    return kernels


def test_every_kernel_is_compiled_with_fastmlp_options():
    """Each kernel is cached on disk, divides as NumPy does and has no C wrapper
    (fastmlp._jit): a kernel declared with plain njit would compile on every
    first fit, or add a wrapper's compilation to it."""
    from numba.core.caching import FunctionCache

    kernels = _fastmlp_kernels()
    assert len(kernels) > 40  # the search found them
    for name, kernel in kernels.items():
        assert isinstance(kernel._cache, FunctionCache), name
        assert kernel.targetoptions.get("error_model") == "numpy", name
        assert kernel.targetoptions.get("no_cfunc_wrapper") is True, name
