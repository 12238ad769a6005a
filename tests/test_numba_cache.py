"""numba gets a writable cache directory even from a read-only install."""

import os

from numba.core import config

from fastmlp import _cache


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
