"""fastmlp._linalg.all_finite: exact NaN / infinity detection from the exponent bits."""

import numpy as np
import pytest

from fastmlp._linalg import all_finite


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
