"""fastmlp._exp: fast_exp against the C library's exp (within 1 ulp everywhere; NumPy's own exp
is 2 ulp from it in places in NumPy 1.24) and numpy's special values, fast_tanh against the
C library's tanh (within 4 ulp; NumPy's own tanh is 3 ulp from it), fast_logistic against
1 / (1 + e^(−x)) in long double (within 2 ulp), and the 8-lane forms (exp_inplace, tanh_inplace,
logistic_inplace) against the scalar kernels bit for bit."""

import math

import numpy as np
import pytest
from numba import njit

from fastmlp._exp import (
    LANES,
    exp_inplace,
    fast_exp,
    fast_logistic,
    fast_tanh,
    logistic_inplace,
    tanh_inplace,
)


@njit  # not cached: numba would not notice an edit of fastmlp/_exp.py
def _exp_all(x, out):
    for i in range(x.size):
        out[i] = fast_exp(x[i])
    return out


@njit
def _tanh_all(x, out):
    for i in range(x.size):
        out[i] = fast_tanh(x[i])
    return out


@njit
def _logistic_all(x, out):
    for i in range(x.size):
        out[i] = fast_logistic(x[i])
    return out


# the 8-lane forms are intrinsics: called from compiled code
@njit
def _exp_inplace(values):
    exp_inplace(values)


@njit
def _tanh_inplace(values):
    tanh_inplace(values)


@njit
def _logistic_inplace(values):
    logistic_inplace(values)


# each 8-lane form with its scalar kernel
IN_PLACE = {"exp": (_exp_inplace, _exp_all), "tanh": (_tanh_inplace, _tanh_all),
            "logistic": (_logistic_inplace, _logistic_all)}


def ulps(got, want):
    return np.abs(got - want) / np.spacing(np.abs(want))


_math_exp = np.vectorize(math.exp, otypes=[np.float64])


@pytest.mark.parametrize("lo, hi", [(-1e-3, 1e-3), (-1, 1), (-40, 40), (-700, 700),
                                    (-745.1, -708), (700, 709.78)])
def test_within_one_ulp_of_the_c_library(lo, hi):
    x = np.random.RandomState(0).uniform(lo, hi, 200_000)
    got = _exp_all(x, np.empty_like(x))
    assert ulps(got, _math_exp(x)).max() <= 1.0


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


SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 709.78, 709.79, 710.0, 1e300, -745.1, -745.2,
           -1e300, 5e-324, -5e-324, -708.4, -708.3, 88.72, 88.73, -103.97, -87.34]


@pytest.mark.parametrize("function", IN_PLACE)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("size", [0, 1, LANES - 1, LANES, LANES + 1, 3 * LANES + 5, 10_007])
def test_inplace_equals_the_scalar_kernel_bit_for_bit(function, dtype, size):
    # the vector lanes and the scalar tail: the same operations as the scalar kernel
    in_place, scalar = IN_PLACE[function]
    rng = np.random.RandomState(size)
    x = np.where(rng.uniform(size=size) < 0.5, rng.uniform(-800, 800, size), rng.normal(0, 5, size))
    head = min(size, len(SPECIAL))
    x[:head] = SPECIAL[:head]  # special values in the first lanes (all of a short array)
    if size > len(SPECIAL):
        x[-5:] = SPECIAL[-5:]  # and in the scalar tail
    with np.errstate(over="ignore"):
        x = x.astype(dtype)  # (±1e300 become ±inf in float32)
    want = scalar(x, np.empty_like(x))
    got = x.copy()
    with np.errstate(over="ignore"):
        in_place(got)
    assert got.dtype == dtype
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan)  # NaN stays NaN (its sign may differ)
    np.testing.assert_array_equal(got[~nan].view(np.uint8), want[~nan].view(np.uint8))


@pytest.mark.parametrize("function", IN_PLACE)
def test_inplace_writes_only_its_array(function):
    in_place, scalar = IN_PLACE[function]
    buffer = np.full(40, 2.0)
    in_place(buffer[3:20])  # a view: lanes start off the buffer's alignment, the tail ends inside
    np.testing.assert_array_equal(buffer[:3], 2.0)
    np.testing.assert_array_equal(buffer[20:], 2.0)
    np.testing.assert_array_equal(buffer[3:20], scalar(np.full(17, 2.0), np.empty(17)))


_math_tanh = np.vectorize(math.tanh, otypes=[np.float64])


@pytest.mark.parametrize("lo, hi", [(-1e-3, 1e-3), (-0.4, 0.4), (-1, 1), (-3, 3), (-25, 25)])
def test_tanh_within_four_ulp_of_the_c_library(lo, hi):
    x = np.random.RandomState(2).uniform(lo, hi, 200_000)
    got = _tanh_all(x, np.empty_like(x))
    assert ulps(got, _math_tanh(x)).max() <= 4.0


def test_tanh_over_all_magnitudes():
    # from the smallest subnormal up: no cancellation near 0 (tanh x = x there)
    x = np.logspace(-323.5, 1.5, 100_000)
    x = np.concatenate([x, -x])
    got = _tanh_all(x, np.empty_like(x))
    assert ulps(got, _math_tanh(x)).max() <= 4.0


def test_tanh_special_values_as_numpy():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 22.0, -22.0, 19.0, 1e300, -1e300,
                  5e-324, -5e-324, 2.2250738585072014e-308, np.log(2.0) / 2, -np.log(2.0) / 2])
    got = _tanh_all(x, np.empty_like(x))
    np.testing.assert_array_equal(got, np.tanh(x))
    np.testing.assert_array_equal(np.signbit(got), np.signbit(np.tanh(x)))  # tanh(−0) = −0


def test_tanh_float32_input_computed_in_float64():
    x = np.random.RandomState(3).uniform(-10, 10, 100_000).astype(np.float32)
    got = _tanh_all(x, np.empty_like(x))
    assert ulps(got, np.tanh(x.astype(np.float64)).astype(np.float32)).max() <= 1.0


def test_logistic_within_two_ulp_over_its_range():
    # σ(x) = 1 / (1 + e^(−x)) in long double as the reference; e^(−|x|) ≤ 1, so no overflow;
    # for x < 0, e / (1 + e) rounds e^x (≤ 1 ulp) and the quotient: ≤ 2 ulp
    x = np.concatenate([np.random.RandomState(4).uniform(-745, 40, 200_000),
                        [0.0, -0.0, 1e-300, -1e-300, 36.0, 37.0, -709.0, -744.0]])
    got = _logistic_all(x, np.empty_like(x))
    want = (1 / (1 + np.exp(-x.astype(np.longdouble)))).astype(np.float64)
    assert ulps(got, want).max() <= 2.0
    np.testing.assert_array_equal(_logistic_all(np.array([np.inf, -np.inf, 800.0, -800.0]),
                                                np.empty(4)), [1.0, 0.0, 1.0, 0.0])
