"""numba gets a writable cache directory even from a read-only install."""

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
