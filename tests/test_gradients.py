"""Backpropagation against central finite differences and against scikit-learn.

For every hidden activation × loss × 1–3 hidden layers, with and without the
L2 term, the gradient the kernels compute must equal the finite-difference
gradient of the objective they report (relative error < 1e-6 in float64), and
scikit-learn's ``_backprop`` from the same weights.
"""

import itertools

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

from fastmlp._activations import HIDDEN_ACTIVATIONS
from fastmlp._parameters import views

from .objective import OUTPUT_OF_LOSS, Objective, make_targets

ACTIVATIONS = sorted(HIDDEN_ACTIVATIONS)
# squared error is checked with one output: scikit-learn reports it averaged over
# the outputs but back-propagates the sum (see test_squared_error_multioutput_scale)
LOSS_OUTPUTS = {"squared_error": 1, "log_loss": 3, "binary_log_loss": 2, "poisson": 2,
                "hinge": 3, "binary_hinge": 2}
SKLEARN_LOSSES = ["binary_log_loss", "log_loss", "poisson", "squared_error"]  # (no hinge there)
HIDDEN = [(5,), (4, 3), (4, 3, 5)]
ALPHAS = [0.0, 0.05]


def _problem(activation, loss, hidden, alpha, dtype=np.float64, n=12, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    Y = make_targets(loss, n, LOSS_OUTPUTS[loss], rng).astype(dtype)
    sw = rng.uniform(0.5, 2.0, n).astype(dtype)
    objective = Objective(X, Y, sw, hidden, activation, loss, alpha)
    params = rng.normal(scale=0.6, size=objective.n_params).astype(dtype)
    return objective, params


def _finite_difference(objective, params, h=1e-6):
    grad = np.empty_like(params)
    for i in range(params.size):
        step = np.zeros_like(params)
        step[i] = h
        grad[i] = (objective(params + step)[0] - objective(params - step)[0]) / (2 * h)
    return grad


@pytest.mark.parametrize(
    "activation, loss, hidden, alpha",
    list(itertools.product(ACTIVATIONS, sorted(LOSS_OUTPUTS), HIDDEN, ALPHAS)),
)
def test_gradient_matches_finite_differences(activation, loss, hidden, alpha):
    objective, params = _problem(activation, loss, hidden, alpha)
    value, grad = objective(params)
    assert np.isfinite(value)
    if "hinge" in loss:  # the hinge is active for some samples, and no sample sits at a kink
        assert objective.hinge_gap(params) > 1e-4
    numeric = _finite_difference(objective, params)
    error = np.linalg.norm(grad - numeric) / np.linalg.norm(numeric)
    assert error < 1e-6, error


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("loss", sorted(LOSS_OUTPUTS))
def test_float32_gradient_matches_float64(activation, loss):
    objective64, params64 = _problem(activation, loss, (4, 3), 0.05)
    objective32, params32 = _problem(activation, loss, (4, 3), 0.05, dtype=np.float32)
    value64, grad64 = objective64(params64)
    value32, grad32 = objective32(params32)
    assert grad32.dtype == np.float32
    assert value32 == pytest.approx(value64, rel=1e-5)
    np.testing.assert_allclose(grad32, grad64, rtol=1e-4, atol=1e-5 * np.abs(grad64).max())


def test_squared_error_multioutput_scale():
    """scikit-learn's reported squared error is the mean over outputs, its gradient the sum."""
    objective, params = _problem("tanh", "squared_error", (4,), 0.0)
    rng = np.random.default_rng(1)
    Y = rng.normal(size=(objective.X.shape[0], 3))
    multi = Objective(objective.X, Y, objective.sw, (4,), "tanh", "squared_error", 0.0)
    params = rng.normal(scale=0.5, size=multi.n_params)
    _, grad = multi(params)
    numeric = _finite_difference(multi, params)
    np.testing.assert_allclose(grad, 3 * numeric, rtol=1e-6, atol=1e-9)


def _sklearn_backprop(estimator, X, Y, sw, sizes, params):
    """Loss and packed gradient from scikit-learn's own backprop at ``params``."""
    coefs, intercepts = views(params.copy(), sizes)
    estimator.coefs_, estimator.intercepts_ = coefs, intercepts
    estimator.n_layers_ = len(sizes)
    activations = [X] + [None] * (len(sizes) - 1)
    deltas = [None] * (len(sizes) - 1)
    coef_grads = [np.empty((a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    intercept_grads = [np.empty(b) for b in sizes[1:]]
    loss, coef_grads, intercept_grads = estimator._backprop(
        X, Y, sw, activations, deltas, coef_grads, intercept_grads
    )
    return loss, np.concatenate([g.ravel() for g in coef_grads + intercept_grads])


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("loss", SKLEARN_LOSSES)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradient_matches_sklearn(activation, loss, hidden):
    objective, params = _problem(activation, loss, hidden, alpha=0.05)
    if loss in ("squared_error", "poisson"):
        estimator = SkRegressor(activation=activation, alpha=0.05, loss=loss)
    else:
        estimator = SkClassifier(activation=activation, alpha=0.05)
        estimator.loss = "log_loss"
    estimator.out_activation_ = OUTPUT_OF_LOSS[loss]
    sk_loss, sk_grad = _sklearn_backprop(
        estimator, objective.X, objective.Y, objective.sw, objective.sizes, params
    )
    loss_value, grad = objective(params)
    assert loss_value == pytest.approx(sk_loss, rel=1e-12)
    np.testing.assert_allclose(grad, sk_grad, rtol=1e-10, atol=1e-13)
