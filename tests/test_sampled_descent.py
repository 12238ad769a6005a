"""Sampled descent (``shuffle="sample"``): the lecture's Algorithms 2 and 4.

Each step trains on a sample drawn from the whole training set ("Sample
(xᵢ, yᵢ) from D", "Sample minibatch of size s from D"), with replacement,
instead of walking through a shuffled copy of it.  An epoch is ``n_samples``
draws, so max_iter, tol, early stopping and loss_curve_ keep their meaning.
Reference: a sampled epoch is exactly an unshuffled epoch over the drawn rows,
which scikit-learn can train too.
"""

import copy
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.utils._param_validation import InvalidParameterError

from fastmlp import HingeMLPClassifier, MLPClassifier, MLPRegressor
from fastmlp._sparse import CSR, as_kernel_input, batch_buffer

from .test_sklearn_equivalence import (
    SOLVERS,
    _assert_same_weights,
    _data,
    _estimators,
    _random_weights,
)


def _drawn(seed, n, epochs):
    """The rows the sampled epochs of a fit with ``random_state=seed`` train on
    when nothing else is drawn first (a warm start, a later partial_fit)."""
    rng = np.random.RandomState(seed)
    return [rng.randint(n, size=n) for _ in range(epochs)]


def _from_weights(cls, weights, X, y, **params):
    """``cls`` holding ``weights``, ready to continue with warm_start."""
    model = cls(max_iter=1, warm_start=True, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    model.coefs_ = [c.copy() for c in weights[0]]
    model.intercepts_ = [b.copy() for b in weights[1]]
    return model


@pytest.mark.parametrize("task", ["regression", "multiclass"])
@pytest.mark.parametrize("solver", sorted(SOLVERS))
@pytest.mark.parametrize("batch_size", [1, 7, 60], ids=["stochastic", "minibatch", "batch"])
def test_a_sampled_epoch_is_an_epoch_over_the_drawn_rows(task, solver, batch_size):
    X, y = _data(task)
    ours_cls, sk_cls = _estimators(task)
    params = dict(hidden_layer_sizes=(6,), batch_size=batch_size, alpha=1e-3, **SOLVERS[solver])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weights = _random_weights(sk_cls(max_iter=1, **params).fit(X, y))
        ours = _from_weights(ours_cls, weights, X, y, shuffle="sample", **params).fit(X, y)
        rows = _drawn(0, len(y), 1)[0]
        assert np.unique(rows).size < len(y)  # drawn with replacement: some rows twice
        theirs = _from_weights(sk_cls, weights, X, y, shuffle=False, **params).fit(X[rows], y[rows])
    _assert_same_weights(ours, theirs)
    # (the curves begin with the epoch that made the estimators, before the weights were set)
    np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:], rtol=1e-10)


def test_every_epoch_draws_anew():
    X, y = _data("regression")
    params = dict(hidden_layer_sizes=(6,), solver="sgd", momentum=0.0, learning_rate_init=0.05,
                  batch_size=8, alpha=1e-3)
    epochs = 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weights = _random_weights(SkRegressor(max_iter=1, **params).fit(X, y))
        ours = _from_weights(MLPRegressor, weights, X, y, shuffle="sample", **params)
        seen = ours.t_
        ours.set_params(max_iter=epochs).fit(X, y)
        # plain SGD keeps no state between epochs: one scikit-learn fit per drawn epoch
        theirs = _from_weights(SkRegressor, weights, X, y, shuffle=False, **params)
        curve = []
        for rows in _drawn(0, len(y), epochs):
            theirs.fit(X[rows], y[rows])
            curve.append(theirs.loss_curve_[-1])
    assert ours.n_iter_ == epochs and ours.t_ - seen == epochs * len(y)
    _assert_same_weights(ours, theirs)
    np.testing.assert_allclose(ours.loss_curve_[-epochs:], curve, rtol=1e-10)


def test_sampling_is_seeded_and_differs_from_shuffling():
    X, y = _data("multiclass", n=200)
    params = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = MLPClassifier(shuffle="sample", **params).fit(X, y)
        b = MLPClassifier(shuffle="sample", **params).fit(X, y)
        shuffled = MLPClassifier(shuffle=True, **params).fit(X, y)
    _assert_same_weights(a, b, rtol=0.0)
    assert not np.allclose(a.coefs_[0], shuffled.coefs_[0])


def test_a_later_partial_fit_samples_from_a_fresh_seed():
    # as a later partial_fit reshuffles from the seed on every call, it draws its sample anew
    X, y = _data("multiclass")
    model = MLPClassifier(hidden_layer_sizes=(6,), batch_size=10, shuffle="sample", random_state=5)
    model.partial_fit(X, y, classes=[0, 1, 2])
    reference = copy.deepcopy(model).set_params(shuffle=False)
    model.partial_fit(X, y)
    rows = _drawn(5, len(y), 1)[0]
    reference.partial_fit(X[rows], y[rows])
    _assert_same_weights(model, reference, rtol=0.0)


def test_sparse_batches_may_repeat_the_fullest_row():
    # one row stores every feature, the others one each: a sampled batch that
    # draws the full row twice holds more values than the batch's fullest rows
    rng = np.random.default_rng(0)
    n, d = 40, 12
    X = np.zeros((n, d))
    X[np.arange(n), rng.integers(0, d, n)] = rng.normal(size=n)
    X[3] = rng.normal(size=d)
    y = (X.sum(axis=1) > 0).astype(int)
    params = dict(hidden_layer_sizes=(5,), batch_size=6, shuffle="sample", max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = MLPClassifier(**params).fit(X, y)
        sparse = MLPClassifier(**params).fit(sp.csr_matrix(X), y)
    _assert_same_weights(sparse, dense, rtol=1e-9)
    K = as_kernel_input(sp.csr_matrix(X), np.float64)
    assert isinstance(K, CSR)
    assert batch_buffer(K, 6, np.float64).data.size == d + 5
    assert batch_buffer(K, 6, np.float64, repeats=True).data.size == 6 * d


def test_sampled_descent_learns_digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
    for cls in (MLPClassifier, HingeMLPClassifier):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = cls(shuffle="sample", max_iter=60, random_state=0).fit(X_train, y_train)
        assert model.score(X_test, y_test) >= 0.95


def test_shuffle_accepts_booleans_and_sample_only():
    X, y = _data("multiclass")
    with pytest.raises(InvalidParameterError, match=r"'shuffle' parameter .* among \{'sample'\}"):
        MLPClassifier(shuffle="sampled").fit(X, y)
    assert set(MLPClassifier().get_params()) == set(SkClassifier().get_params())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(MLPClassifier(hidden_layer_sizes=(6,), max_iter=5, random_state=0),
                              {"shuffle": [True, "sample"]}, cv=2).fit(X, y)
    assert search.best_params_["shuffle"] in (True, "sample")
