"""Adam's vector update (fastmlp._adam_lanes) gives scikit-learn's formula's results bit for bit,
half of its vectors computed without the divider."""

import numpy as np
import pytest

from fastmlp._adam_lanes import LANES, NEWTON, SMALLEST, STEP
from fastmlp._fpu import HAS_MXCSR, subnormals_flushed
from fastmlp._optimizers import ADAM, _update

BETA_1, BETA_2 = 0.9, 0.999


def constants(dtype, lr, eps, scale=1.0, alpha=0.0):
    """The update's constants as fastmlp._optimizers builds them."""
    values = (scale, alpha, lr, BETA_1, 1 - BETA_1, BETA_2, 1 - BETA_2, eps, np.finfo(dtype).tiny)
    return tuple(dtype(value) for value in values)


def reference(w, grads, m, v, c):
    """The update in NumPy, operation by operation as scikit-learn's Adam (with
    fastmlp's flush of subnormal results); returns new w, m, v and Σ w² (the squares in
    the dtype, summed in float64)."""
    scale, alpha, lr, b1, b1c, b2, b2c, eps, tiny = c

    def flush(x):
        return np.where(np.abs(x) >= tiny, x, x - x)

    g = (grads + alpha * w) * scale
    m = flush(b1 * m + b1c * g)
    v = flush(b2 * v + b2c * (g * g))
    return flush(w - lr * m / (np.sqrt(v) + eps)), m, v, float(np.sum((w * w).astype(np.float64)))


def same(a, b):
    return (a == b) | (np.isnan(a) & np.isnan(b))


def assert_update_matches_reference(w, grads, m, v, c):
    with subnormals_flushed(), np.errstate(all="ignore"):  # the training kernels' mode
        expected = reference(w, grads, m, v, c)
        params, s1, s2 = w.copy(), m.copy(), v.copy()
        squares = _update(params, grads.copy(), s1, s2, ADAM, c)
    for got, want, name in zip((params, s1, s2), expected, ("weights", "m", "v")):
        wrong = np.flatnonzero(~same(got, want))
        assert wrong.size == 0, f"{name} differ at {wrong[:5]}: {got[wrong[:5]]} vs {want[wrong[:5]]}"
    if np.isfinite(expected[3]):
        assert squares == pytest.approx(expected[3], rel=1e-12)


def wide_random_state(rng, n, dtype):
    """Weights, gradients and moments over (almost) the dtype's whole range, with
    zeros, infinities and NaNs."""
    big = 150 if dtype == np.float64 else 15
    spread = 10.0 ** rng.uniform(-big, big, size=n)
    w = np.where(rng.random(n) < 0.3, 0.0, rng.normal(size=n) * 10.0 ** rng.uniform(-5, 1, size=n))
    grads = rng.normal(size=n) * spread
    m = rng.normal(size=n) * spread
    v = rng.normal(size=n) ** 2 * 10.0 ** rng.uniform(-2 * big - 7, 2 * big + 7, size=n)
    for values, share in ((v, 0.02), (grads, 0.02), (m, 0.01)):
        values[rng.random(n) < share] = 0.0
    v[rng.random(n) < 0.001] = np.inf
    grads[rng.random(n) < 0.001] = np.nan
    return [x.astype(dtype) for x in (w, grads, m, v)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(4))
def test_update_equals_the_formula_bit_for_bit(dtype, seed):
    rng = np.random.default_rng(seed)
    n = 50_000 + 7 * seed + 3  # not a multiple of STEP: the last parameters go one by one
    lr = 10.0 ** rng.uniform(-6, 0)
    eps = [1e-8, 1e-300, 1e-3, 1e-12][seed] if dtype == np.float64 else [1e-8, 1e-30, 1e-3, 1e-6][seed]
    assert_update_matches_reference(*wide_random_state(rng, n, dtype),
                                    constants(dtype, lr, eps, scale=1 / 32, alpha=1e-4))


@pytest.mark.parametrize("lane", [0, LANES - 1, LANES, STEP - 1])
@pytest.mark.parametrize("case", ["v below SMALLEST", "step below SMALLEST", "quotient overflows",
                                  "v infinite", "gradient NaN", "step infinite", "all zero"])
def test_the_cases_past_the_divider_cannot_take_come_out_right(case, lane):
    """Each reason for the second vector to go through the divider, in either vector."""
    rng = np.random.default_rng(lane)
    w, grads = rng.normal(size=2 * STEP), rng.normal(size=2 * STEP) * 1e-3
    m, v = rng.normal(size=2 * STEP) * 1e-3, rng.random(2 * STEP) * 1e-6
    eps = 1e-8
    i = STEP + lane  # the second call's vectors; the first call stays regular
    if case == "v below SMALLEST":
        grads[i], v[i] = 0.0, SMALLEST / 3
    elif case == "step below SMALLEST":
        grads[i], m[i] = 0.0, SMALLEST / 5
    elif case == "quotient overflows":
        grads[i], m[i], v[i], eps = 0.0, 1e300, 0.0, 1e-200
    elif case == "v infinite":
        v[i] = np.inf
    elif case == "gradient NaN":
        grads[i] = np.nan
    elif case == "step infinite":
        grads[i], m[i] = 0.0, np.inf
    else:
        grads[i], m[i], v[i] = 0.0, 0.0, 0.0
    assert_update_matches_reference(w, grads, m, v, constants(np.float64, 1e-3, eps))


@pytest.mark.parametrize("tiny_values", ["v", "step", "epsilon"])
def test_tiny_values_come_out_right(tiny_values):
    """Where flush-to-zero would drop the corrections (v or the step below SMALLEST):
    thousands of such values, of which, uncorrected, some would round the wrong way;
    and a tiny ε, which the path past the divider handles (its residuals stay normal)."""
    rng = np.random.default_rng(8)
    n = 64 * STEP
    tiny = np.finfo(np.float64).tiny
    w, grads = rng.normal(size=n), np.zeros(n)
    m, v = rng.normal(size=n) * 1e-3, rng.random(n) * 1e-6
    eps = 1e-8
    if tiny_values == "v":
        v = 10.0 ** rng.uniform(np.log10(2 * tiny), np.log10(SMALLEST), size=n)
        eps = 1e-300
    elif tiny_values == "step":
        m = 10.0 ** rng.uniform(np.log10(2 * tiny) + 3, np.log10(SMALLEST) + 3, size=n)
        w = np.zeros(n)  # so that the step is the result
    else:
        v[:] = 0.0
        eps = 10.0 ** rng.uniform(-307, -300)
    assert_update_matches_reference(w, grads, m, v, constants(np.float64, 1e-3, eps))


@pytest.mark.skipif(not NEWTON, reason="this CPU has no AVX-512: every vector goes through the divider")
def test_the_vectors_past_the_divider_are_in_use_here():
    # on an AVX-512 machine (CI's) the tests above check the path past the divider
    assert NEWTON


@pytest.mark.skipif(not HAS_MXCSR, reason="flush-to-zero mode is x86-64 only")
def test_subnormal_results_are_flushed_as_before():
    """Moments that decay below the smallest normal number end at zero."""
    n = 4 * STEP
    w = np.full(n, 1e-3)
    grads = np.zeros(n)
    m = np.full(n, 1.05 * np.finfo(np.float64).tiny)  # × β₁ = 0.9: subnormal
    v = np.full(n, 1.0005 * np.finfo(np.float64).tiny)  # × β₂ = 0.999: subnormal
    c = constants(np.float64, 1e-3, 1e-8)
    with subnormals_flushed():
        _update(w, grads, m, v, ADAM, c)
    assert (m == 0.0).all() and (v == 0.0).all()
    assert (w == 1e-3).all()
