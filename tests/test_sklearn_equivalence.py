"""Training equals scikit-learn's from identical weights.

Both estimators start from the same weights (assigned to ``coefs_`` and
``intercepts_`` and continued with ``warm_start``) and train three epochs; the
weights must agree to 1e-10 in float64, for every solver, activation and task,
and for batch, minibatch and stochastic gradient descent.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

from fastmlp import MLPClassifier, MLPRegressor

SOLVERS = {
    "sgd": dict(solver="sgd", momentum=0.0, learning_rate_init=0.05),
    "sgd-momentum": dict(solver="sgd", momentum=0.9, learning_rate_init=0.02),
    "sgd-classic-momentum": dict(
        solver="sgd", momentum=0.9, nesterovs_momentum=False, learning_rate_init=0.02
    ),
    "adam": dict(solver="adam", learning_rate_init=0.01),
}
TASKS = ["regression", "binary", "multiclass"]


def _data(task, n=60, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    score = X @ rng.normal(size=d)
    if task == "regression":
        return X, np.tanh(score) + 0.1 * rng.normal(size=n)
    if task == "binary":
        return X, (score > 0).astype(int)
    return X, np.digitize(score, np.quantile(score, [0.33, 0.66]))


def _train_from(cls, weights, X, y, epochs=3, **params):
    """Initialise ``cls``, overwrite its weights, then train ``epochs`` epochs."""
    model = cls(max_iter=1, warm_start=True, shuffle=False, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        coefs, intercepts = weights
        model.coefs_ = [c.copy() for c in coefs]
        model.intercepts_ = [b.copy() for b in intercepts]
        model.set_params(max_iter=epochs)
        model.fit(X, y)
    return model


def _random_weights(model, seed=1):
    rng = np.random.default_rng(seed)
    coefs = [rng.normal(scale=0.4, size=c.shape) for c in model.coefs_]
    intercepts = [rng.normal(scale=0.2, size=b.shape) for b in model.intercepts_]
    return coefs, intercepts


def _assert_same_weights(ours, theirs, rtol=1e-10):
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


def _estimators(task):
    return (MLPRegressor, SkRegressor) if task == "regression" else (MLPClassifier, SkClassifier)


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("solver", sorted(SOLVERS))
def test_three_epochs_equal_sklearn(task, activation, solver):
    X, y = _data(task)
    ours_cls, sk_cls = _estimators(task)
    params = dict(hidden_layer_sizes=(6, 4), activation=activation, batch_size=16, alpha=1e-3,
                  **SOLVERS[solver])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weights = _random_weights(sk_cls(max_iter=1, **params).fit(X, y))
    ours = _train_from(ours_cls, weights, X, y, **params)
    theirs = _train_from(sk_cls, weights, X, y, **params)
    assert ours.n_iter_ == theirs.n_iter_ == 3
    _assert_same_weights(ours, theirs)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("batch_size", [1, 7, 60], ids=["stochastic", "minibatch", "batch"])
@pytest.mark.parametrize("shuffle", [False, True])
def test_gradient_descent_variants_equal_sklearn(batch_size, shuffle):
    """The lecture's batch / stochastic / minibatch descent, shuffled or not."""
    X, y = _data("multiclass")
    params = dict(hidden_layer_sizes=(8,), solver="sgd", momentum=0.0, learning_rate_init=0.05,
                  batch_size=batch_size, shuffle=shuffle, max_iter=4, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPClassifier(**params).fit(X, y)
        theirs = SkClassifier(**params).fit(X, y)
    _assert_same_weights(ours, theirs)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)
    assert ours.loss_curve_[-1] < ours.loss_curve_[0]


@pytest.mark.parametrize("task", TASKS)
def test_float32_training_stays_float32_and_close_to_sklearn(task):
    X, y = _data(task)
    X = X.astype(np.float32)
    ours_cls, sk_cls = _estimators(task)
    params = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=0, learning_rate_init=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = ours_cls(**params).fit(X, y)
        theirs = sk_cls(**params).fit(X, y)
    assert all(c.dtype == np.float32 for c in ours.coefs_ + ours.intercepts_)
    _assert_same_weights(ours, theirs, rtol=1e-4)
