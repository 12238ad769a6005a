"""HingeMLPClassifier: the lecture's loss over class scores.

The loss value against numpy, the training step against the kernels' gradient
(itself checked against finite differences in test_gradients.py), and the
estimator's behaviour as a scikit-learn classifier without probabilities.
"""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split

from fastmlp import HingeMLPClassifier, MLPClassifier
from fastmlp._losses import LOSSES, hinge_losses
from fastmlp._parameters import views

from .objective import Objective, make_targets


def _objective(loss, dtype=np.float64, n=40, k=3, alpha=0.05, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(dtype)
    Y = make_targets(loss, n, k, rng).astype(dtype)
    sw = rng.uniform(0.5, 2.0, n).astype(dtype)
    objective = Objective(X, Y, sw, (6,), "tanh", loss, alpha)
    params = rng.normal(scale=0.8, size=objective.n_params).astype(dtype)
    return objective, params


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("loss", ["hinge", "binary_hinge"])
def test_loss_matches_numpy(loss, dtype):
    objective, params = _objective(loss, dtype)
    margins, _ = objective.hinge_margins(params)
    assert (margins < 1).any() and (margins > 1).any()  # both sides of the hinge occur
    value, grad = objective(params)
    assert grad.dtype == dtype
    reference = objective.reference_loss(params)
    assert value == pytest.approx(reference, rel=1e-12 if dtype == np.float64 else 1e-5)


def test_multiclass_delta_moves_the_true_class_and_its_rival_only():
    out = np.array([[2.0, 1.5, -1.0],  # margin 0.5: active, rival class 1
                    [3.0, 0.0, 1.0],   # margin 2: inactive
                    [0.0, 0.7, 0.7]])  # true class 2, rival class 1 (first of the tie)
    Y = np.array([[1, 0, 0], [1, 0, 0], [0, 0, 1]], dtype=bool)
    sw = np.array([1.0, 2.0, 3.0])
    delta = np.full_like(out, 9.0)
    total = hinge_losses(out, Y, sw, delta, LOSSES["hinge"])
    assert total == pytest.approx(1.0 * 0.5 + 3.0 * 1.0)
    np.testing.assert_array_equal(delta, [[-1.0, 1.0, 0], [0, 0, 0], [0, 3.0, -3.0]])


@pytest.mark.parametrize("code", ["hinge", "binary_hinge"])
def test_nan_scores_give_nan_loss_and_deltas(code):
    out = np.array([[np.nan, 0.5, 0.2], [0.1, 2.0, 0.3]])
    Y = np.array([[0, 1, 0], [0, 1, 0]], dtype=bool)
    delta = np.zeros_like(out)
    total = hinge_losses(out, Y, np.ones(2), delta, LOSSES[code])
    assert np.isnan(total)
    assert np.isnan(delta[0]).any() and np.isfinite(delta[1]).all()


def test_training_steps_along_the_hinge_gradient():
    """One full-batch SGD epoch of the estimator is w − η·∇ of the hinge objective."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 4)), rng.integers(0, 3, 30)
    clf = HingeMLPClassifier((5,), activation="tanh", solver="sgd", momentum=0.0,
                             batch_size=30, shuffle=False, learning_rate_init=0.1, alpha=0.01,
                             max_iter=1, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        before = np.concatenate([a.ravel() for a in clf.coefs_ + clf.intercepts_])
        clf.fit(X, y)
    after = np.concatenate([a.ravel() for a in clf.coefs_ + clf.intercepts_])
    objective = Objective(X, np.eye(3)[y], np.ones(30), (5,), "tanh", "hinge", 0.01)
    loss, grad = objective(before)
    assert clf.loss_ == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(after, before - 0.1 * grad, rtol=1e-12, atol=1e-14)
    # and not the log-loss's step
    log_objective = Objective(X, np.eye(3)[y], np.ones(30), (5,), "tanh", "log_loss", 0.01)
    assert not np.allclose(after, before - 0.1 * log_objective(before)[1])


def test_learns_digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
    clf = HingeMLPClassifier(random_state=0, max_iter=300).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.96
    assert clf.out_activation_ == "identity" and clf.loss == "hinge"
    assert clf.loss_curve_[-1] < clf.loss_curve_[0] / 10


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_predict_follows_the_scores():
    X, y = make_classification(200, n_classes=3, n_informative=4, random_state=0)
    labels = np.array(["a", "b", "c"])[y]
    multi = HingeMLPClassifier(max_iter=50, random_state=0).fit(X, labels)
    scores = multi.decision_function(X)
    assert scores.shape == (200, 3)
    np.testing.assert_array_equal(multi.predict(X), multi.classes_[scores.argmax(axis=1)])

    binary = HingeMLPClassifier(max_iter=50, random_state=0).fit(X, y == 1)
    scores = binary.decision_function(X)
    assert scores.shape == (200,) and binary.n_outputs_ == 1
    np.testing.assert_array_equal(binary.predict(X), scores > 0)

    Y = np.c_[y == 0, y == 1, X[:, 0] > 0].astype(int)
    multilabel = HingeMLPClassifier(max_iter=50, random_state=0).fit(X, Y)
    scores = multilabel.decision_function(X)
    assert scores.shape == (200, 3)
    np.testing.assert_array_equal(multilabel.predict(X), (scores > 0).astype(int))


def test_has_no_probabilities():
    clf = HingeMLPClassifier(max_iter=5, random_state=0)
    assert not hasattr(clf, "predict_proba") and not hasattr(clf, "predict_log_proba")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(*make_classification(50, random_state=0))
    with pytest.raises(AttributeError) as raised:
        clf.predict_proba(np.zeros((1, 20)))
    assert "use decision_function" in str(raised.value.__cause__).lower()


def test_parameters_are_mlpclassifiers():
    ours = HingeMLPClassifier(hidden_layer_sizes=(7,), alpha=0.5)
    assert ours.get_params() == MLPClassifier(hidden_layer_sizes=(7,), alpha=0.5).get_params()
    copy = clone(ours)
    assert type(copy) is HingeMLPClassifier and copy.loss == "hinge"
    assert MLPClassifier().loss == "log_loss"


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_on_scores_and_pickle():
    X, y = make_classification(120, random_state=0)
    search = GridSearchCV(HingeMLPClassifier(max_iter=30, random_state=0),
                          {"alpha": [1e-4, 1e-1]}, scoring="roc_auc", cv=3).fit(X, y)
    assert search.best_score_ > 0.8
    model = search.best_estimator_
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.decision_function(X), model.decision_function(X))


def test_float32_trains_in_float32():
    X, y = make_classification(100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = HingeMLPClassifier(max_iter=20, random_state=0).fit(X.astype(np.float32), y)
    assert clf.coefs_[0].dtype == np.float32
    assert clf.decision_function(X.astype(np.float32)).dtype == np.float32
    coefs, _ = views(clf._params, clf._layer_sizes)
    assert coefs[0].dtype == np.float32


def test_output_loss_chooses_the_kernel_by_the_targets_type():
    """Boolean targets take the hinge's kernel, float targets the canonical losses'
    (so that a fit compiles only the kernel of its own loss)."""
    from numba import njit

    from fastmlp._losses import loss_and_output_delta, output_loss

    @njit
    def through_output_loss(out, Y, sw, delta, code):
        return output_loss(out, Y, sw, delta, code)

    rng = np.random.default_rng(0)
    out, sw = rng.normal(size=(6, 3)), rng.uniform(0.5, 2, 6)
    labels = np.eye(3)[rng.integers(0, 3, 6)]
    for Y, code, kernel in ((labels.astype(bool), LOSSES["hinge"], hinge_losses),
                            (labels, LOSSES["squared_error"], loss_and_output_delta)):
        expected_delta, delta = np.empty_like(out), np.empty_like(out)
        expected = kernel(out, Y, sw, expected_delta, code)
        assert through_output_loss(out, Y, sw, delta, code) == expected
        np.testing.assert_array_equal(delta, expected_delta)
    hinge_delta, squared_delta = np.empty_like(out), np.empty_like(out)
    through_output_loss(out, labels.astype(bool), sw, hinge_delta, LOSSES["hinge"])
    # float targets: the canonical delta sw·(out − Y), whatever the code
    through_output_loss(out, labels, sw, squared_delta, LOSSES["hinge"])
    assert not np.array_equal(hinge_delta, squared_delta)


@pytest.mark.parametrize("estimator", [MLPClassifier, HingeMLPClassifier])
def test_one_class_errors_name_the_estimator(estimator):
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match=f"^{estimator.__name__} needs samples of at least 2"):
        estimator().fit(X, np.ones(4))
    with pytest.raises(ValueError, match=f"^{estimator.__name__} needs at least 2 classes"):
        estimator().partial_fit(X, np.ones(4), classes=[1])


@pytest.mark.parametrize("target_dtype", [None, np.bool_, np.dtype(bool)])
def test_workspace_holds_the_targets_in_their_dtype(target_dtype):
    from fastmlp._training import make_workspace

    work = make_workspace(np.array([3, 4, 2]), 5, 26, np.float32, target_dtype=target_dtype)
    assert work.Y.shape == (5, 2)
    assert work.Y.dtype == (np.float32 if target_dtype is None else np.bool_)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_every_solver_and_input_path_learns():
    """L-BFGS (the full-batch objective), early stopping (its validation split of the
    boolean labels), partial_fit and sparse input with sample weights all train on
    the hinge: each scores well above chance (1/3) on a learnable problem."""
    import scipy.sparse as sp

    X, y = make_classification(300, n_classes=3, n_informative=5, random_state=0)
    lbfgs = HingeMLPClassifier(solver="lbfgs", max_iter=200, random_state=0).fit(X, y)
    assert lbfgs.score(X, y) > 0.95
    stopped = HingeMLPClassifier(early_stopping=True, max_iter=200, random_state=0).fit(X, y)
    assert stopped.best_validation_score_ > 0.6 and stopped.n_iter_ < 200
    incremental = HingeMLPClassifier(random_state=0)
    for _ in range(20):
        incremental.partial_fit(X, y, classes=[0, 1, 2])
    assert incremental.score(X, y) > 0.7
    sparse = HingeMLPClassifier(max_iter=100, random_state=0).fit(
        sp.csr_matrix(X), y, sample_weight=np.ones(300))
    dense = HingeMLPClassifier(max_iter=100, random_state=0).fit(X, y)
    assert sparse.score(X, y) > 0.9
    np.testing.assert_allclose(sparse.decision_function(X), dense.decision_function(X),
                               rtol=1e-9, atol=1e-9)
