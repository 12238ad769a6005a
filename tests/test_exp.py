"""fastmlp._exp.fast_exp against numpy's exp: within 1 ulp everywhere, same special values."""

import numpy as np
import pytest
from numba import njit

from fastmlp._exp import fast_exp


@njit  # not cached: numba would not notice an edit of fastmlp/_exp.py
def _exp_all(x, out):
    for i in range(x.size):
        out[i] = fast_exp(x[i])
    return out


def ulps(got, want):
    return np.abs(got - want) / np.spacing(np.abs(want))


@pytest.mark.parametrize("lo, hi", [(-1e-3, 1e-3), (-1, 1), (-40, 40), (-700, 700),
                                    (-745.1, -708), (700, 709.78)])
def test_within_one_ulp_of_numpy(lo, hi):
    x = np.random.RandomState(0).uniform(lo, hi, 200_000)
    got = _exp_all(x, np.empty_like(x))
    assert ulps(got, np.exp(x)).max() <= 1.0


def test_special_values_as_numpy():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 709.78, 709.79, 710.0, 1e300,
                  -745.1, -745.2, -1e300, 5e-324, -5e-324, np.log(2.0), -np.log(2.0)])
    with np.errstate(over="ignore"):
        want = np.exp(x)
    got = _exp_all(x, np.empty_like(x))
    np.testing.assert_array_equal(got, want)


def test_float32_input_computed_in_float64():
    # float32 inputs are computed in float64 and rounded once, so they match the float64
    # result rounded to float32 (numpy's own float32 exp is itself up to 2 ulp from that)
    x = np.random.RandomState(1).uniform(-87, 88, 100_000).astype(np.float32)
    got = _exp_all(x, np.empty_like(x))
    assert ulps(got, np.exp(x.astype(np.float64)).astype(np.float32)).max() <= 1.0
