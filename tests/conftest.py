"""Shared fixtures for the tests."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# CI runs hypothesis with a fixed seed sequence, so a run is reproducible
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True)
import os  # noqa: E402

if os.environ.get("CI"):
    settings.load_profile("ci")

# Some test modules import kernel modules directly; numba would load their kernels from
# a cache compiled from other sources.  Discard such kernels first, as importing the
# estimators does (fastmlp._cache).
from fastmlp._cache import prepare_kernel_cache  # noqa: E402

prepare_kernel_cache()


@pytest.fixture(autouse=True)
def _environment_restored():
    """Undo what a test leaves in ``os.environ``: dask.distributed's LocalCluster with
    worker processes sets OMP_NUM_THREADS, MKL_NUM_THREADS, OPENBLAS_NUM_THREADS (=1),
    PYTHONHASHSEED and more in the parent's environment for good, which every
    subprocess a later test starts would inherit."""
    saved = dict(os.environ)
    yield
    if os.environ != saved:
        os.environ.clear()
        os.environ.update(saved)
