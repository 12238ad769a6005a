"""API parity with scikit-learn: partial_fit, warm_start, verbose output,
persistence, meta-estimators, tags, pandas feature names and error messages."""

import pickle
import re
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import sklearn.neural_network as skn
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import fastmlp

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X, y = make_classification(n_samples=80, n_features=5, n_informative=3, n_classes=3,
                           random_state=0)
yf = X[:, 0] + 0.5 * X[:, 1]
ESTIMATORS = ["MLPClassifier", "MLPRegressor"]


def pair(name, **params):
    params.setdefault("random_state", 0)
    params.setdefault("hidden_layer_sizes", (6,))
    return getattr(skn, name)(**params), getattr(fastmlp, name)(**params)


def target(name):
    return y if name == "MLPClassifier" else yf


def assert_same_weights(ref, ours, tol=1e-10):
    assert ours.n_iter_ == ref.n_iter_ and ours.t_ == ref.t_
    for a, b in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


# -------------------------------------------------------------- partial_fit
def test_partial_fit_requires_classes_on_first_call():
    for mod in (skn, fastmlp):
        with pytest.raises(ValueError, match="classes must be passed on the first call"):
            mod.MLPClassifier().partial_fit(X, y)


def test_partial_fit_unseen_classes_error_like_sklearn():
    messages = []
    for mod in (skn, fastmlp):
        clf = mod.MLPClassifier(random_state=0).partial_fit(X, y, classes=[0, 1, 2])
        with pytest.raises(ValueError) as err:
            clf.partial_fit(X, y + 5)
        messages.append(str(err.value))
    assert messages[0] == messages[1]
    assert "`y` has classes not in `self.classes_`" in messages[1]


def test_partial_fit_with_mismatched_classes_argument_like_sklearn():
    for mod in (skn, fastmlp):
        clf = mod.MLPClassifier(random_state=0).partial_fit(X, y, classes=[0, 1, 2])
        with pytest.raises(ValueError, match="is not the same as on last call"):
            clf.partial_fit(X, y, classes=[0, 1])


def test_partial_fit_absent_for_lbfgs():
    assert not hasattr(fastmlp.MLPClassifier(solver="lbfgs"), "partial_fit")
    assert not hasattr(skn.MLPClassifier(solver="lbfgs"), "partial_fit")
    # scikit-learn's MLPRegressor exposes partial_fit for lbfgs and then runs a full L-BFGS
    # fit; ours treats both estimators alike (see docs/parity.md)
    assert not hasattr(fastmlp.MLPRegressor(solver="lbfgs"), "partial_fit")
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as err:
        fastmlp.MLPRegressor(solver="lbfgs").partial_fit(X, yf)
    assert "only available for stochastic optimizers" in str(err.value.__cause__)
    assert hasattr(fastmlp.MLPRegressor(solver="sgd"), "partial_fit")


def test_partial_fit_rejects_early_stopping():
    for mod in (skn, fastmlp):
        with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
            mod.MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])


@pytest.mark.parametrize("name", ESTIMATORS)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_sequence_matches_sklearn(name, solver):
    ref, ours = pair(name, solver=solver, learning_rate_init=0.01)
    t = target(name)
    sw = np.random.RandomState(1).rand(X.shape[0])
    for chunk in np.array_split(np.arange(X.shape[0]), 4):
        extra = {"classes": np.unique(y)} if name == "MLPClassifier" else {}
        for est in (ref, ours):
            est.partial_fit(X[chunk], t[chunk], sample_weight=sw[chunk], **extra)
    assert_same_weights(ref, ours)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("name", ESTIMATORS)
@pytest.mark.parametrize("random_state", [0, np.int64(3)])
def test_partial_fit_of_several_batches_per_call_matches_sklearn(name, random_state):
    """Each call reseeds and shuffles; calls of equal length draw the same order
    (fastmlp draws it once) and reuse the previous call's buffers."""
    ref, ours = pair(name, batch_size=7, random_state=random_state)
    t = target(name)
    extra = {"classes": np.unique(y)} if name == "MLPClassifier" else {}
    for chunk in np.split(np.arange(X.shape[0]), [20, 40, 60, 67]):  # 20, 20, 20, 7, 13 rows
        for est in (ref, ours):
            est.partial_fit(X[chunk], t[chunk], **extra)
    assert_same_weights(ref, ours)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-10)


def test_partial_fit_classes_not_all_in_first_batch():
    ref, ours = pair("MLPClassifier")
    first = y != 2
    for est in (ref, ours):
        est.partial_fit(X[first], y[first], classes=[0, 1, 2]).partial_fit(X, y)
    np.testing.assert_array_equal(ours.classes_, [0, 1, 2])
    assert_same_weights(ref, ours)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_fit_after_partial_fit_starts_afresh(name):
    ref, ours = pair(name, max_iter=5)
    extra = {"classes": np.unique(y)} if name == "MLPClassifier" else {}
    for est in (ref, ours):
        est.partial_fit(X, target(name), **extra).fit(X, target(name))
    assert ours.n_iter_ == 5
    assert_same_weights(ref, ours)
    assert ours.loss_curve_ == pytest.approx(ref.loss_curve_, rel=1e-10)


# --------------------------------------------------------------- warm_start
@pytest.mark.parametrize("name", ESTIMATORS)
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_warm_start_continues_like_sklearn(name, solver):
    ref, ours = pair(name, warm_start=True, max_iter=4, solver=solver)
    for est in (ref, ours):
        est.fit(X, target(name)).fit(X, target(name))
    if solver == "lbfgs":
        assert ours.n_iter_ == ref.n_iter_
        for a, b in zip(ours.coefs_, ref.coefs_):
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-8)
    else:
        assert len(ours.loss_curve_) == 8
        np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-10)
        assert_same_weights(ref, ours)


def test_warm_start_uses_user_assigned_coefs():
    ref, ours = pair("MLPClassifier", warm_start=True, max_iter=3)
    for est in (ref, ours):
        est.fit(X, y)
        est.coefs_ = [np.full_like(c, 0.01) for c in est.coefs_]  # replaced arrays
        est.intercepts_[0][:] = 0.5  # edited in place
        est.fit(X, y)
    assert_same_weights(ref, ours)


def test_warm_start_with_other_classes_error_like_sklearn():
    for mod in (skn, fastmlp):
        clf = mod.MLPClassifier(warm_start=True, max_iter=2, random_state=0).fit(X, y)
        with pytest.raises(ValueError, match="warm_start can only be used where `y` has the same"):
            clf.fit(X[y < 2], y[y < 2])


# ------------------------------------------------------------------- verbose
def _printed(est, capsys, *args, **kwargs):
    capsys.readouterr()
    est.fit(*args, **kwargs)
    return capsys.readouterr().out


@pytest.mark.parametrize(
    "params",
    [
        dict(max_iter=4),
        dict(max_iter=50, early_stopping=True, n_iter_no_change=2),
        dict(max_iter=50, n_iter_no_change=1, tol=0.5),
        dict(max_iter=60, solver="sgd", learning_rate="adaptive", n_iter_no_change=1, tol=0.5),
    ],
)
def test_verbose_output_identical_to_sklearn(capsys, params):
    ref, ours = pair("MLPClassifier", verbose=True, **params)
    expected = _printed(ref, capsys, X, y)
    got = _printed(ours, capsys, X, y)
    assert re.match(r"Iteration 1, loss = \d+\.\d{8}\n", got)
    assert got == expected


# ------------------------------------------------------------- persistence
@pytest.mark.parametrize("name", ESTIMATORS)
def test_pickle_and_joblib_round_trips(name, tmp_path):
    est = getattr(fastmlp, name)(hidden_layer_sizes=(6,), random_state=0, max_iter=5)
    est.fit(X, target(name))
    predict = est.predict_proba if name == "MLPClassifier" else est.predict
    expected = predict(X)
    clone_ = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(
        (clone_.predict_proba if name == "MLPClassifier" else clone_.predict)(X), expected
    )
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    # the reloaded model trains on exactly like the original
    est.partial_fit(X, target(name))
    loaded.partial_fit(X, target(name))
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    again = pickle.loads(pickle.dumps(loaded))
    np.testing.assert_array_equal(again.predict(X), loaded.predict(X))


def test_pickle_after_partial_fit():
    clf = fastmlp.MLPClassifier(random_state=0, hidden_layer_sizes=(6,))
    clf.partial_fit(X, y, classes=[0, 1, 2])
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    for est in (clf, restored):
        est.partial_fit(X, y)
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


# ------------------------------------------------------- meta-estimators
@pytest.mark.parametrize("name", ESTIMATORS)
def test_get_params_and_clone_like_sklearn(name):
    ref, ours = pair(name, alpha=0.3, max_iter=7)
    assert ours.get_params() == ref.get_params()
    cloned = clone(ours.fit(X, target(name)))
    assert cloned.get_params() == ours.get_params() and not hasattr(cloned, "coefs_")
    ours.set_params(alpha=1.0, hidden_layer_sizes=(3, 2))
    assert ours.alpha == 1.0 and ours.hidden_layer_sizes == (3, 2)
    assert repr(ours).startswith(name)


def test_pipeline_grid_search_and_cross_val_like_sklearn():
    scores = []
    for mod in (skn, fastmlp):
        pipe = make_pipeline(StandardScaler(), mod.MLPClassifier(random_state=0, max_iter=20))
        grid = GridSearchCV(pipe, {"mlpclassifier__hidden_layer_sizes": [(3,), (6,)],
                                   "mlpclassifier__alpha": [1e-4, 1e-1]}, cv=3)
        grid.fit(X, y)
        scores.append((grid.best_params_, grid.cv_results_["mean_test_score"],
                       cross_val_score(pipe, X, y, cv=3)))
    assert scores[0][0] == scores[1][0]
    np.testing.assert_allclose(scores[1][1], scores[0][1])
    np.testing.assert_allclose(scores[1][2], scores[0][2])


# -------------------------------------------------------------------- tags
@pytest.mark.parametrize("name", ESTIMATORS)
def test_sklearn_tags_equal_sklearns(name):
    ref, ours = pair(name)
    assert ours.__sklearn_tags__() == ref.__sklearn_tags__()
    assert ours.__sklearn_tags__().input_tags.sparse


# ------------------------------------------------------------------ pandas
def test_pandas_feature_names_and_warnings_like_sklearn():
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    outcomes = []
    for mod in (skn, fastmlp):
        clf = mod.MLPClassifier(random_state=0, max_iter=5).fit(df, pd.Series(y))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            clf.predict(X)
            clf.predict(df)  # no warning
        outcomes.append((list(clf.feature_names_in_), [str(w.message) for w in caught]))
    assert outcomes[1] == outcomes[0]
    names, messages = outcomes[1]
    assert names == list(df.columns)
    assert len(messages) == 1 and "X does not have valid feature names" in messages[0]


def test_pandas_other_names_raise_like_sklearn():
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    for mod in (skn, fastmlp):
        clf = mod.MLPRegressor(random_state=0, max_iter=5).fit(df, yf)
        with pytest.raises(ValueError, match="The feature names should match those that were"):
            clf.predict(df.rename(columns={"f0": "g"}))
        fitted_plain = mod.MLPRegressor(random_state=0, max_iter=5).fit(X, yf)
        with pytest.warns(UserWarning, match="X has feature names, but MLPRegressor was fitted"):
            fitted_plain.predict(df)
        assert not hasattr(fitted_plain, "feature_names_in_")


# --------------------------------------------------------- failures, errors
def _normalise(message):
    """Messages with set literals in hash order made comparable."""
    return re.sub(r"\{[^{}]*\}", lambda m: str(sorted(m.group(0)[1:-1].split(", "))), message)


def test_errors_match_sklearn():
    cases = [
        lambda m: m.MLPClassifier().predict(X),  # not fitted
        lambda m: m.MLPClassifier(max_iter=2, random_state=0).fit(X, y).predict(X[:, :3]),
        lambda m: m.MLPClassifier(hidden_layer_sizes=(0,)).fit(X, y),
        lambda m: m.MLPClassifier(solver="bogus").fit(X, y),
        lambda m: m.MLPClassifier().fit(np.where(X > 1, np.nan, X), y),
    ]
    for case in cases:
        errors = []
        for mod in (skn, fastmlp):
            with pytest.raises(Exception) as err:
                case(mod)
            errors.append((type(err.value), _normalise(str(err.value))))
        assert issubclass(errors[1][0], errors[0][0])  # InvalidParameterError is a ValueError
        assert errors[1][1] == errors[0][1]


def test_failed_fit_leaves_fitted_model_unchanged():
    """scikit-learn sets classes_ before checking sample_weight and is left broken;
    ours leaves the previous model intact (see docs/parity.md)."""
    clf = fastmlp.MLPClassifier(random_state=0, max_iter=5).fit(X, y)
    before = clf.predict_proba(X)
    state = dict(clf.__dict__)
    with pytest.raises(ValueError):
        clf.fit(X, y > 0, sample_weight=np.ones(3))
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert clf.__dict__.keys() == state.keys()
    # scikit-learn's model is broken by the same call
    ref = skn.MLPClassifier(random_state=0, max_iter=5).fit(X, y)
    with pytest.raises(ValueError):
        ref.fit(X, y > 0, sample_weight=np.ones(3))
    assert list(ref.classes_) == [False, True]


def test_convergence_warning_in_partial_fit_is_not_raised_like_sklearn():
    for mod in (skn, fastmlp):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            mod.MLPRegressor(max_iter=1, random_state=0).partial_fit(X, yf)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # from scikit-learn's NaN epochs
def test_divergence_leaves_a_usable_model():
    """scikit-learn stores NaN weights and raises; ours raises with the same message and
    leaves the estimator as it was (the last finite weights ride on the exception)."""
    Xbig = X * 1e3
    params = dict(solver="sgd", max_iter=50, random_state=0, hidden_layer_sizes=(6,))
    reg = fastmlp.MLPRegressor(**params).fit(X, yf)
    before = [a.copy() for a in reg.coefs_ + reg.intercepts_]
    reg.set_params(learning_rate_init=10.0)
    with pytest.raises(fastmlp.DivergenceError, match="Solver produced non-finite parameter "
                       "weights. The input data may contain large values") as err:
        reg.fit(Xbig, yf)
    assert "Training diverged" in str(err.value)
    assert isinstance(err.value, ValueError)
    for a, b in zip(reg.coefs_ + reg.intercepts_, before):
        np.testing.assert_array_equal(a, b)
    assert all(np.isfinite(c).all() for c in err.value.coefs_ + err.value.intercepts_)
    assert np.isfinite(reg.predict(Xbig)).all()
    ref = skn.MLPRegressor(**params, learning_rate_init=10.0)
    with pytest.raises(ValueError, match="Solver produced non-finite parameter weights"):
        ref.fit(Xbig, yf)


def test_stricter_input_checks_than_sklearn():
    """Documented in docs/parity.md: scikit-learn accepts these silently."""
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        fastmlp.MLPClassifier().fit(X, y, sample_weight=-np.ones(X.shape[0]))
    with pytest.raises(ValueError, match="y are negative which is not allowed for Poisson"):
        fastmlp.MLPRegressor(loss="poisson").fit(X, yf)


def _warnings_of(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return sorted((w.category.__name__, str(w.message)) for w in caught)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.MLPClassifier(batch_size=1000, max_iter=2, random_state=0).fit(X, y),
        lambda m: m.MLPClassifier(max_iter=2, random_state=0).fit(X, y.reshape(-1, 1)),
        lambda m: m.MLPRegressor(max_iter=2, random_state=0).fit(X, yf.reshape(-1, 1)),
        lambda m: m.MLPRegressor(solver="lbfgs", max_iter=2, random_state=0).fit(X, yf),
        lambda m: m.MLPClassifier(random_state=0, max_iter=2, n_iter_no_change=np.inf).fit(X, y),
        lambda m: m.MLPClassifier(random_state=0)
        .partial_fit(X, np.c_[y == 0, y == 1].astype(int), classes=[0, 1])
        .partial_fit(X, np.c_[y == 0, y == 2]),
    ],
)
def test_warnings_identical_to_sklearns(call):
    expected = _warnings_of(lambda: call(skn))
    assert _warnings_of(lambda: call(fastmlp)) == expected


def test_single_class_is_rejected_unlike_sklearn():
    """Documented deviation (docs/parity.md): scikit-learn fits a constant model."""
    ref, ours = pair("MLPClassifier", max_iter=5)
    ref.fit(X, np.full(X.shape[0], 7))
    with pytest.raises(ValueError, match="at least 2 classes in the data, but the data "
                       "contains only one class: "):
        ours.fit(X, np.full(X.shape[0], 7))
    assert not hasattr(ours, "classes_")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # from scikit-learn's NaN epochs
def test_divergence_with_early_stopping_keeps_best_weights():
    """Like scikit-learn: no error, a NaN validation score, the best weights kept.
    Unlike it, training stops at the diverged epoch instead of running on NaN."""
    from sklearn.datasets import load_iris

    Xi, yi = load_iris(return_X_y=True)
    params = dict(hidden_layer_sizes=100, activation="identity", solver="sgd",
                  learning_rate_init=1, max_iter=20, early_stopping=True, random_state=0)
    ref = skn.MLPRegressor(**params).fit(Xi, yi)
    with pytest.warns(ConvergenceWarning, match="Training diverged"):
        ours = fastmlp.MLPRegressor(**params).fit(Xi, yi)
    assert np.isnan(ours.validation_scores_[-1]) and np.isnan(ref.validation_scores_[-1])
    assert ours.n_iter_ <= ref.n_iter_
    k = ours.n_iter_ - 1  # epochs before the divergence agree with scikit-learn's
    np.testing.assert_allclose(ours.validation_scores_[:k], ref.validation_scores_[:k])
    assert ours.best_validation_score_ == pytest.approx(ref.best_validation_score_)
    for a, b in zip(ours.coefs_, ref.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
    assert np.isfinite(ours.predict(Xi)).all()


def test_sklearn_private_loss_grad_hook_matches_sklearn():
    """scikit-learn's own gradient test calls ``_loss_grad_lbfgs``; keep it working."""
    from sklearn.preprocessing import LabelBinarizer

    Y = LabelBinarizer().fit_transform(y)
    values = []
    for est in pair("MLPClassifier", solver="lbfgs", max_iter=2, alpha=0.1):
        est.fit(X, y)
        theta = np.hstack([a.ravel() for a in est.coefs_ + est.intercepts_]) * 1.5
        units = [X.shape[1], 6, Y.shape[1]]
        acts = [X] + [np.empty((X.shape[0], u)) for u in units[1:]]
        deltas = [np.empty((X.shape[0], u)) for u in units[1:]]
        coef_grads = [np.empty((a, b)) for a, b in zip(units[:-1], units[1:])]
        intercept_grads = [np.empty(u) for u in units[1:]]
        values.append(est._loss_grad_lbfgs(theta, X, Y, None, acts, deltas, coef_grads,
                                           intercept_grads))
        np.testing.assert_array_equal(est.coefs_[0].ravel(), theta[: est.coefs_[0].size])
    assert values[1][0] == pytest.approx(values[0][0], rel=1e-12)
    np.testing.assert_allclose(values[1][1], values[0][1], rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------- label encoding
@pytest.mark.parametrize("labels", [
    np.array([0, 1]), np.arange(5), np.array([3, 7, 11]), np.array([-2, 0, 5, 9], dtype=np.int8),
    np.array([False, True]), np.array([1, 2, 4], dtype=np.uint16),
])
def test_integer_labels_encode_as_labelbinarizer(labels):
    """The fast lookup for integer labels gives LabelBinarizer's indicator, and a fit on
    integer labels equals the fit on the same labels as floats (the generic path)."""
    from sklearn.preprocessing import LabelBinarizer

    from fastmlp._classifier import _fitted_binarizer, _indicator

    fitted, shortcut = LabelBinarizer().fit(labels), _fitted_binarizer(np.unique(labels))
    assert sorted(vars(fitted)) == sorted(vars(shortcut))
    for name, value in vars(fitted).items():
        np.testing.assert_array_equal(getattr(shortcut, name), value)

    rng = np.random.RandomState(0)
    y = labels[rng.randint(0, len(labels), 80)]
    y[: len(labels)] = labels  # every class present
    for fitted_on in (y, labels, np.unique(np.concatenate([labels, labels + 1]))):
        binarizer = LabelBinarizer().fit(fitted_on)
        np.testing.assert_array_equal(_indicator(binarizer, y), binarizer.transform(y).astype(bool))

    X = rng.normal(size=(80, 4))
    as_int = fastmlp.MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(X, y)
    as_float = fastmlp.MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(
        X, y.astype(float))
    for a, b in zip(as_int.coefs_, as_float.coefs_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(as_int.classes_, labels)
    np.testing.assert_array_equal(as_int.predict(X), as_float.predict(X))
