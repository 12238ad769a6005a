"""The estimators learn real data as well as scikit-learn's."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor as SkRegressor

from fastmlp import MLPClassifier, MLPRegressor


def test_digits_accuracy():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16.0, y, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(hidden_layer_sizes=(100,), max_iter=200, random_state=0)
        model.fit(X_train, y_train)
    assert model.score(X_test, y_test) >= 0.97
    assert model.loss_curve_[-1] < 0.1 * model.loss_curve_[0]


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_regression_r2_no_worse_than_sklearn(solver):
    X, y = make_friedman1(n_samples=1000, noise=0.5, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    params = dict(hidden_layer_sizes=(32, 16), solver=solver, max_iter=200, random_state=0,
                  learning_rate_init=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPRegressor(**params).fit(X_train, y_train)
        theirs = SkRegressor(**params).fit(X_train, y_train)
    r2_ours, r2_theirs = ours.score(X_test, y_test), theirs.score(X_test, y_test)
    assert r2_ours > 0.8
    # the stochastic solvers take the same steps as scikit-learn; L-BFGS's line search
    # amplifies rounding differences over 200 iterations, so it may land elsewhere
    margin = 1e-9 if solver != "lbfgs" else 0.01
    assert r2_ours >= r2_theirs - margin


def test_hardtanh_network_learns_xor():
    """The lecture's hardtanh activation trains a non-linear problem."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(400, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    model = MLPClassifier(hidden_layer_sizes=(16,), activation="hardtanh", solver="lbfgs",
                          max_iter=500, random_state=0).fit(X, y)
    assert model.score(X, y) > 0.95
