"""The compiled kernels reproduce scikit-learn's training step for step.

From identical initial weights (the same ``random_state`` draws the same
Glorot initialisation in both packages) and ``shuffle=False``, three epochs of
SGD (plain and momentum) and Adam must leave the same weights as
``sklearn.neural_network`` up to rounding: 1e-10 in float64, ~1e-4 relative in
float32.  The shapes are chosen so that both branches of ``fastmlp._linalg``
(compiled loops below ``BLAS_MIN_FLOPS``, BLAS above) are exercised; a direct
test of the three products covers the same two branches against NumPy.
"""

import warnings

import numpy as np
import pytest
from numba import njit
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

from fastmlp import MLPClassifier, MLPRegressor
from fastmlp._blas import no_kernels
from fastmlp._exp import fast_exp
from fastmlp._linalg import BLAS_MIN_FLOPS, matmul, matmul_nt, matmul_tn

SOLVERS = {
    "sgd": dict(solver="sgd", momentum=0.0, learning_rate_init=0.005),
    "momentum": dict(solver="sgd", momentum=0.9, learning_rate_init=0.002),
    "nesterov_off": dict(solver="sgd", momentum=0.9, nesterovs_momentum=False,
                         learning_rate_init=0.002),
    "adam": dict(solver="adam", learning_rate_init=0.003),
}


def _data(task, n, d, dtype, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    w = rng.normal(size=d)
    z = X.astype(np.float64) @ w
    if task == "regression":
        return X, np.tanh(z / np.sqrt(d)) + 0.1 * rng.normal(size=n)
    if task == "binary":
        return X, (z + rng.normal(size=n) > 0).astype(int)
    return X, np.digitize(z + rng.normal(size=n), np.quantile(z, [0.25, 0.5, 0.75]))


def _fit_both(task, n, d, hidden, activation, solver, batch_size, dtype, epochs=3,
              alpha=1e-4):
    X, y = _data(task, n, d, dtype)
    params = dict(hidden_layer_sizes=hidden, activation=activation, batch_size=batch_size,
                  max_iter=epochs, shuffle=False, random_state=0, alpha=alpha, tol=0.0,
                  **SOLVERS[solver])
    ours, theirs = (MLPRegressor, SkRegressor) if task == "regression" else (MLPClassifier,
                                                                             SkClassifier)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = ours(**params).fit(X, y)
        b = theirs(**params).fit(X, y)
    assert a.n_iter_ == b.n_iter_ == epochs
    return a, b


def _assert_same_weights(a, b, rtol, atol):
    for mine, ref in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert mine.dtype == ref.dtype
        np.testing.assert_allclose(mine, ref, rtol=rtol, atol=atol)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=max(rtol, 1e-12), atol=atol)


# small network: every product of a batch of <= 7 rows runs as a compiled loop;
# full-batch products (n = 160 rows) exceed BLAS_MIN_FLOPS and go to BLAS.
SMALL = dict(n=160, d=12, hidden=(24, 17))


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("task", ["regression", "binary", "multiclass"])
@pytest.mark.parametrize("solver", list(SOLVERS))
@pytest.mark.parametrize("batch_size", [1, 7, 160])
def test_three_epochs_match_sklearn_float64(activation, task, solver, batch_size):
    a, b = _fit_both(task, activation=activation, solver=solver, batch_size=batch_size,
                     dtype=np.float64, **SMALL)
    _assert_same_weights(a, b, rtol=0, atol=1e-10)


def test_shapes_hit_both_product_branches():
    n, d, (h1, h2) = SMALL["n"], SMALL["d"], SMALL["hidden"]
    assert 7 * d * h1 < BLAS_MIN_FLOPS and 7 * h1 * h2 < BLAS_MIN_FLOPS
    assert n * d * h1 >= BLAS_MIN_FLOPS and n * h1 * h2 >= BLAS_MIN_FLOPS


@pytest.mark.parametrize("task", ["regression", "multiclass"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("batch_size", [1, 32])
def test_wide_network_matches_sklearn_float64(task, solver, batch_size):
    # 64-wide layers: the shapes of the benchmark workloads (W1/W2/W5 style)
    a, b = _fit_both(task, n=96, d=64, hidden=(64, 32), activation="relu", solver=solver,
                     batch_size=batch_size, dtype=np.float64)
    _assert_same_weights(a, b, rtol=0, atol=1e-10)


@pytest.mark.parametrize("activation", ["logistic", "relu"])
@pytest.mark.parametrize("task", ["regression", "binary", "multiclass"])
@pytest.mark.parametrize("solver", ["momentum", "adam"])
@pytest.mark.parametrize("batch_size", [1, 7, 160])
def test_three_epochs_match_sklearn_float32(activation, task, solver, batch_size):
    a, b = _fit_both(task, activation=activation, solver=solver, batch_size=batch_size,
                     dtype=np.float32, **SMALL)
    _assert_same_weights(a, b, rtol=1e-4, atol=1e-4)


NO_KERNELS = no_kernels(1)  # fastmlp's own loops or BLAS


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("m,k,n", [(1, 20, 32), (1, 32, 1), (5, 20, 3), (7, 24, 40), (32, 64, 64), (33, 65, 10),
                                   (200, 40, 17), (128, 100, 256)])
def test_products_match_numpy(dtype, m, k, n):
    rng = np.random.RandomState(1)
    A = rng.normal(size=(m, k)).astype(dtype)
    B = rng.normal(size=(k, n)).astype(dtype)
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-5)
    C = np.full((m, n), np.nan, dtype=dtype)
    matmul(A, B, C, NO_KERNELS, 0)
    np.testing.assert_allclose(C, A @ B, **tol)
    G = np.full((k, n), np.nan, dtype=dtype)
    D = rng.normal(size=(m, n)).astype(dtype)
    matmul_tn(A, D, G, NO_KERNELS, 0)
    np.testing.assert_allclose(G, A.T @ D, **tol)
    P = np.full((m, k), np.nan, dtype=dtype)
    matmul_nt(D, B, P, NO_KERNELS, 0)
    np.testing.assert_allclose(P, D @ B.T, **tol)


@pytest.mark.parametrize("solver", ["momentum", "adam"])
def test_large_network_chunked_update_matches_sklearn(solver):
    # many optimizer chunks (CHUNK parameters each), coefficients and intercepts
    # split inside one chunk
    from fastmlp._optimizers import CHUNK

    a, b = _fit_both("multiclass", n=48, d=300, hidden=(512,), activation="relu",
                     solver=solver, batch_size=16, dtype=np.float64)
    assert a._params.size >= 50 * CHUNK
    _assert_same_weights(a, b, rtol=0, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("n, n_coef", [(1, 1), (13, 10), (705, 672), (4810, 4736), (9000, 8190)])
def test_optimizer_step_returns_the_squared_norm_before_the_update(dtype, solver, n, n_coef):
    # the update sums the coefficients' squares on its way (the L2 term of the
    # batch loss), over chunks and the loops' vectorised bodies and tails
    from fastmlp._omp import no_team
    from fastmlp._optimizers import make_optimizer, optimizer_step

    options = {k: v for k, v in SOLVERS[solver].items() if k not in ("solver", "learning_rate_init")}
    opt = make_optimizer(SOLVERS[solver]["solver"], n, dtype, learning_rate_init=0.01, **options)
    rng = np.random.RandomState(n)
    params = rng.normal(size=n).astype(dtype)
    for _ in range(2):
        before = params.copy()
        squares = optimizer_step(params, rng.normal(size=n).astype(dtype), opt, n_coef, 1e-4,
                                 3.0, no_team())
        coefs = before[:n_coef]
        assert squares == pytest.approx(np.sum((coefs * coefs).astype(np.float64)), rel=1e-13)
        assert not np.array_equal(params, before)


def test_adam_step_size_is_scikit_learns_bit_for_bit():
    # scikit-learn: lr · sqrt(1 − β₂**t) / (1 − β₁**t) with Python floats, whose
    # ** is C's pow; numba's ** with an integer exponent rounds differently
    from sklearn.neural_network._stochastic_optimizers import AdamOptimizer

    from fastmlp._optimizers import ADAM, make_optimizer, step_size

    opt = make_optimizer("adam", 1, np.float64, learning_rate_init=1e-3, beta_1=0.9, beta_2=0.999)
    reference = AdamOptimizer([np.zeros(1)], learning_rate_init=1e-3, beta_1=0.9, beta_2=0.999)
    for t in [*range(1, 3000), *range(3000, 10**6, 9973)]:
        reference.t = t - 1
        reference._get_updates([np.zeros(1)])  # sets t and learning_rate as in a fit
        assert step_size(ADAM, opt.hyper, t) == reference.learning_rate


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "hardtanh", "relu"])
def test_multiply_derivative_also_sums_the_columns(dtype, activation):
    # backprop's δ ← δ ⊙ f'(z) and the bias gradient Σᵢ δᵢ come from one pass
    from fastmlp._activations import HIDDEN_ACTIVATIONS, column_sums, multiply_derivative

    rng = np.random.RandomState(0)
    shape = (37, 19)
    A = {  # outputs a = f(z) as the forward pass stores them
        "identity": rng.normal(size=shape),
        "logistic": rng.uniform(0, 1, size=shape),
        "tanh": rng.uniform(-1, 1, size=shape),
        "hardtanh": np.clip(2 * rng.normal(size=shape), -1, 1),
        "relu": np.maximum(rng.normal(size=shape), 0),
    }[activation].astype(dtype)
    D = rng.normal(size=A.shape).astype(dtype)
    f_prime = {"identity": np.ones_like(A), "logistic": A * (1 - A), "tanh": 1 - A * A,
               "hardtanh": ((A > -1) & (A < 1)).astype(dtype), "relu": (A > 0).astype(dtype)}[activation]
    expected = D * f_prime
    sums = np.full(A.shape[1], np.nan, dtype=dtype)
    multiply_derivative(D, A, HIDDEN_ACTIVATIONS[activation], sums)
    np.testing.assert_allclose(D, expected, rtol=1e-6 if dtype == np.float32 else 1e-15)
    row_by_row = np.zeros(A.shape[1], dtype=dtype)
    for row in D:
        row_by_row += row
    np.testing.assert_array_equal(sums, row_by_row)  # the stored δ, in row order
    again = np.full_like(sums, np.nan)
    column_sums(D, again)
    np.testing.assert_array_equal(again, row_by_row)


@njit  # one row at a time, as fastmlp computed softmax before its rows were interleaved
def _softmax_row_by_row(Z, b):
    for i in range(Z.shape[0]):
        top = Z[i, 0] + b[0]
        for j in range(Z.shape[1]):
            Z[i, j] += b[j]
            top = max(top, Z[i, j])
        for j in range(Z.shape[1]):
            Z[i, j] = fast_exp(Z[i, j] - top)
        total = 0.0
        for j in range(Z.shape[1]):
            total += Z[i, j]
        scale = 1.0 / total
        for j in range(Z.shape[1]):
            Z[i, j] *= scale


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("rows", [1, 3, 4, 5, 8, 32, 130])
@pytest.mark.parametrize("classes", [2, 3, 10, 17])
def test_softmax_equals_one_row_at_a_time(dtype, rows, classes):
    # four rows side by side and the 8-lane exponential change nothing, bit for bit;
    # rows far from zero, with a huge entry, with NaN or ±inf included; and scipy's softmax
    from scipy.special import softmax

    from fastmlp._activations import OUTPUT_ACTIVATIONS, add_bias_output

    rng = np.random.RandomState(rows * 100 + classes)
    Z = (rng.normal(size=(rows, classes)) * rng.choice([0.1, 5.0, 300.0], size=(rows, 1))).astype(dtype)
    b = rng.normal(size=classes).astype(dtype)
    special = {0: 1e4, 1: np.nan, 2: np.inf, 3: -np.inf}
    for i, value in special.items():
        if i + 1 < rows:  # (the last row stays finite)
            Z[i, (i * 7) % classes] = value
    want = Z.copy()
    _softmax_row_by_row(want, b)
    got = Z.copy()
    add_bias_output(got, b, OUTPUT_ACTIVATIONS["softmax"])
    np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))
    defined = ~(np.isnan(Z) | (Z == np.inf)).any(axis=1)  # (−inf: a probability of 0)
    np.testing.assert_allclose(got[defined], softmax((Z[defined] + b).astype(np.float64), axis=1),
                               # float32: z + b and z − max rounded to 2⁻²⁴ of |z| ≤ ~1,000
                               rtol=1e-4 if dtype == np.float32 else 1e-13, atol=np.finfo(dtype).tiny)
    assert np.isnan(got[~defined]).all()  # a row with NaN or +inf is NaN throughout


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "hardtanh", "relu"])
@pytest.mark.parametrize("bad", [None, np.nan, np.inf, -np.inf])
def test_checked_bias_activation_also_tells_whether_every_value_was_finite(dtype, activation, bad):
    # the checked form (shared predictions' check of X) computes the same values
    # bit for bit and returns False exactly when a value it was given was not finite
    from fastmlp._activations import (
        HIDDEN_ACTIVATIONS,
        add_bias_activate,
        add_bias_activate_checked,
    )

    code = HIDDEN_ACTIVATIONS[activation]
    rng = np.random.RandomState(1)
    b = rng.normal(size=19).astype(dtype)
    for position in ((0, 0), (17, 11), (36, 18)):
        Z = (3 * rng.normal(size=(37, 19))).astype(dtype)
        Z[5, 3] = np.finfo(dtype).max  # finite however large (overflows with the bias)
        if bad is not None:
            Z[position] = bad
        want = Z.copy()
        add_bias_activate(want, b, code)
        got = Z.copy()
        assert add_bias_activate_checked(got, b, code) is (bad is None)
        np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("hidden", [(), (6,), (40, 7)])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_checked_forward_pass_notices_every_non_finite_input(dtype, hidden, bad):
    # forward(..., check_finite=True) is False whenever X holds NaN or ±inf,
    # even where the value meets zero weights (inf · 0 is NaN, and nothing added
    # to NaN or ±inf is finite), True for finite X; the output the same wherever it goes
    from fastmlp._activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
    from fastmlp._network import Network, block, coef, forward, workspace_size

    for n_features in (5, 70):  # products in fastmlp's loops and in BLAS's gemm
        sizes = np.array([n_features, *hidden, 3])
        net = Network(sizes, HIDDEN_ACTIVATIONS["relu"], OUTPUT_ACTIVATIONS["softmax"], 0)
        rng = np.random.RandomState(n_features)
        params = rng.normal(size=int((sizes[:-1] * sizes[1:]).sum() + sizes[1:].sum())).astype(dtype)
        W = coef(params, sizes, 0)
        W[1] = 0  # feature 1 meets zero weights only
        W[:, 0] = 0  # the first unit sees no feature
        m = 64
        kernels = no_kernels(sizes.size - 1)
        X = rng.normal(size=(m, n_features)).astype(dtype)
        acts = np.empty(workspace_size(sizes, m), dtype=dtype)
        out = np.empty((m, 3), dtype=dtype)
        assert forward(X, params, net, acts, kernels, out, True)
        in_acts = block(acts, sizes, sizes.size - 1, m)
        forward(X, params, net, acts, kernels, in_acts)
        np.testing.assert_array_equal(out, in_acts)
        for position in ((0, 0), (10, 1), (m - 1, n_features - 1)):
            Xbad = X.copy()
            Xbad[position] = bad
            with np.errstate(all="ignore"):
                assert not forward(Xbad, params, net, acts, kernels, out, True), position
                assert forward(Xbad, params, net, acts, kernels, out)  # unchecked
