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
