"""Training parity with scikit-learn: same random_state, same results.

Every test fits scikit-learn's estimator and ours with identical parameters and
compares what scikit-learn actually produces (initial weights, shuffles and
validation splits come from the same random stream, so they agree closely).
"""

import warnings

import numpy as np
import pytest
import sklearn.neural_network as skn
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning

import fastmlp

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

Xc, yc = make_classification(n_samples=120, n_features=8, n_informative=5, n_classes=3,
                             random_state=0)
Xr, yr = make_regression(n_samples=120, n_features=8, n_targets=2, noise=1.0, random_state=0)
yr = yr / 100.0
SW = np.random.RandomState(0).randint(0, 4, size=120).astype(float)


def fit_both(name, X, y, fit_params=None, **params):
    """Fit scikit-learn's and our estimator ``name`` alike; return (ref, ours)."""
    params.setdefault("random_state", 1)
    params.setdefault("hidden_layer_sizes", (10,))
    ref = getattr(skn, name)(**params).fit(X, y, **(fit_params or {}))
    ours = getattr(fastmlp, name)(**params).fit(X, y, **(fit_params or {}))
    return ref, ours


def assert_same_model(ref, ours, rtol=1e-9, atol=1e-9):
    assert ours.n_iter_ == ref.n_iter_
    assert ours.t_ == ref.t_
    assert ours.loss_ == pytest.approx(ref.loss_, rel=rtol, abs=atol)
    for a, b in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# ------------------------------------------------------------------- L-BFGS
@pytest.mark.parametrize("name,X,y", [("MLPClassifier", Xc, yc), ("MLPRegressor", Xr, yr)])
def test_lbfgs_matches_sklearn(name, X, y):
    ref, ours = fit_both(name, X, y, solver="lbfgs", max_iter=40, alpha=1e-3)
    assert_same_model(ref, ours, rtol=1e-7, atol=1e-8)
    assert not hasattr(ours, "loss_curve_") and not hasattr(ref, "loss_curve_")


def test_lbfgs_max_iter_and_max_fun_warn_like_sklearn():
    for params in (dict(max_iter=3), dict(max_fun=4)):
        messages = []
        for mod in (skn, fastmlp):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                est = mod.MLPClassifier(solver="lbfgs", random_state=0, **params).fit(Xc, yc)
            messages.append([str(w.message) for w in caught if w.category is ConvergenceWarning])
            assert est.n_iter_ <= params.get("max_iter", 10**6)
        assert messages[0] and messages[0] == messages[1]


def test_lbfgs_tol_stops_like_sklearn():
    ref, ours = fit_both("MLPRegressor", Xr, yr, solver="lbfgs", tol=1e-2, max_iter=500)
    assert ours.n_iter_ == ref.n_iter_ < 500


def test_lbfgs_with_sample_weight_matches_sklearn():
    ref, ours = fit_both("MLPClassifier", Xc, yc, {"sample_weight": SW}, solver="lbfgs",
                         max_iter=20)
    assert_same_model(ref, ours, rtol=1e-7, atol=1e-8)


# --------------------------------------------------------- learning rates
@pytest.mark.parametrize("schedule", ["constant", "invscaling", "adaptive"])
@pytest.mark.parametrize("nesterov", [True, False])
def test_sgd_learning_rate_schedules_match_sklearn(schedule, nesterov):
    ref, ours = fit_both(
        "MLPClassifier", Xc, yc, solver="sgd", learning_rate=schedule, power_t=0.3,
        learning_rate_init=0.05, max_iter=60, n_iter_no_change=2, tol=1e-2, batch_size=32,
        nesterovs_momentum=nesterov,
    )
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-10)
    assert ours.best_loss_ == pytest.approx(ref.best_loss_, rel=1e-10)
    assert_same_model(ref, ours)
    assert ours._optimizer.hyper[0] == pytest.approx(ref._optimizer.learning_rate, rel=1e-12)


def test_adaptive_learning_rate_is_divided_by_five():
    ref, ours = fit_both(
        "MLPClassifier", Xc, yc, solver="sgd", learning_rate="adaptive", max_iter=80,
        n_iter_no_change=1, tol=0.5, learning_rate_init=0.1,
    )
    assert ref._optimizer.learning_rate < 0.1
    assert ours._optimizer.hyper[0] == pytest.approx(ref._optimizer.learning_rate, rel=1e-12)
    assert ours.n_iter_ == ref.n_iter_


# ---------------------------------------------------------- stopping rules
@pytest.mark.parametrize("n_iter_no_change,tol", [(3, 1e-3), (1, 1e-2), (5, 0.0)])
def test_n_iter_no_change_stops_at_sklearns_epoch(n_iter_no_change, tol):
    ref, ours = fit_both("MLPRegressor", Xr, yr, max_iter=300, learning_rate_init=0.01,
                         n_iter_no_change=n_iter_no_change, tol=tol)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-9)
    assert ours.best_loss_ == pytest.approx(ref.best_loss_, rel=1e-9)


def test_max_iter_convergence_warning_like_sklearn():
    for mod in (skn, fastmlp):
        with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
            mod.MLPClassifier(max_iter=3, random_state=0).fit(Xc, yc)


# ---------------------------------------------------------- early stopping
@pytest.mark.parametrize("name,X,y", [("MLPClassifier", Xc, yc), ("MLPRegressor", Xr, yr)])
def test_early_stopping_matches_sklearn(name, X, y):
    ref, ours = fit_both(name, X, y, early_stopping=True, validation_fraction=0.2,
                         n_iter_no_change=3, max_iter=200, learning_rate_init=0.05)
    assert ours.best_loss_ is None and ref.best_loss_ is None
    np.testing.assert_allclose(ours.validation_scores_, ref.validation_scores_, rtol=1e-9)
    assert ours.best_validation_score_ == pytest.approx(ref.best_validation_score_, rel=1e-9)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-9)
    # stopped after the best epoch; the best weights are restored, not the last ones
    assert ours.n_iter_ < 200
    assert int(np.argmax(ours.validation_scores_)) < ours.n_iter_ - 1
    assert_same_model(ref, ours)


def test_early_stopping_split_is_stratified_like_sklearn():
    y = np.r_[np.zeros(90), np.ones(10)].astype(int)
    X = np.random.RandomState(0).randn(100, 4)
    ref, ours = fit_both("MLPClassifier", X, y, early_stopping=True, validation_fraction=0.2,
                         max_iter=5)
    np.testing.assert_allclose(ours.validation_scores_, ref.validation_scores_)
    assert ours.n_iter_ == ref.n_iter_


def test_early_stopping_with_sample_weight_and_multilabel_match_sklearn():
    ref, ours = fit_both("MLPClassifier", Xc, yc, {"sample_weight": SW}, early_stopping=True,
                         max_iter=30)
    np.testing.assert_allclose(ours.validation_scores_, ref.validation_scores_)
    assert_same_model(ref, ours)
    Y = np.c_[yc == 0, yc == 1, Xc[:, 0] > 0].astype(int)
    ref, ours = fit_both("MLPClassifier", Xc, Y, early_stopping=True, max_iter=30)
    np.testing.assert_allclose(ours.validation_scores_, ref.validation_scores_)
    assert_same_model(ref, ours)


def test_validation_set_too_small_error():
    for mod in (skn, fastmlp):
        with pytest.raises(ValueError, match="The validation set is too small"):
            mod.MLPClassifier(early_stopping=True, validation_fraction=0.01).fit(Xc[:50], yc[:50])


# ----------------------------------------------------------- sample weight
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("name,X,y", [("MLPClassifier", Xc, yc), ("MLPRegressor", Xr, yr)])
def test_sample_weight_matches_sklearn(solver, name, X, y):
    ref, ours = fit_both(name, X, y, {"sample_weight": SW}, solver=solver, max_iter=15,
                         batch_size=25, alpha=0.01)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-10)
    assert_same_model(ref, ours)


def test_unit_sample_weight_equals_no_weight():
    a = fastmlp.MLPRegressor(random_state=0, max_iter=10).fit(Xr, yr)
    b = fastmlp.MLPRegressor(random_state=0, max_iter=10).fit(Xr, yr, sample_weight=np.ones(120))
    assert a.loss_curve_ == b.loss_curve_


# ------------------------------------------------------- targets and losses
def test_poisson_matches_sklearn():
    y = np.random.RandomState(0).poisson(np.exp(Xr[:, 0] / 3))
    for solver in ("adam", "lbfgs"):
        ref, ours = fit_both("MLPRegressor", Xr, y, loss="poisson", solver=solver, max_iter=20)
        assert ours.out_activation_ == ref.out_activation_ == "exp"
        assert_same_model(ref, ours, rtol=1e-7, atol=1e-9)
        assert (ours.predict(Xr) > 0).all()
        np.testing.assert_allclose(ours.predict(Xr), ref.predict(Xr), rtol=1e-7)


def test_multilabel_matches_sklearn():
    Y = np.c_[yc == 0, yc == 1, Xc[:, 0] > 0].astype(int)
    ref, ours = fit_both("MLPClassifier", Xc, Y, max_iter=20)
    assert ours.out_activation_ == ref.out_activation_ == "logistic"
    assert_same_model(ref, ours)
    pred = ours.predict(Xc)
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1}
    np.testing.assert_array_equal(pred, ref.predict(Xc))
    assert ours.predict_proba(Xc).shape == Y.shape
    np.testing.assert_allclose(ours.predict_proba(Xc), ref.predict_proba(Xc), atol=1e-10)
    assert ours.score(Xc, Y) == ref.score(Xc, Y)


def test_multioutput_regression_matches_sklearn():
    ref, ours = fit_both("MLPRegressor", Xr, yr, max_iter=20)
    assert ours.n_outputs_ == 2 and ours.predict(Xr).shape == (120, 2)
    assert_same_model(ref, ours)
    np.testing.assert_allclose(ours.predict(Xr), ref.predict(Xr), atol=1e-10)


@pytest.mark.parametrize("labels", [np.array(["b", "a", "c"]), np.array([5, -1, 7])])
def test_binary_and_multiclass_labels_match_sklearn(labels):
    for y in (labels[yc], labels[(yc > 0).astype(int)]):
        ref, ours = fit_both("MLPClassifier", Xc, y, max_iter=10)
        assert ours.out_activation_ == ref.out_activation_
        np.testing.assert_array_equal(ours.classes_, ref.classes_)
        np.testing.assert_array_equal(ours.predict(Xc), ref.predict(Xc))
        np.testing.assert_allclose(ours.predict_proba(Xc), ref.predict_proba(Xc), atol=1e-10)
        np.testing.assert_allclose(ours.predict_log_proba(Xc), ref.predict_log_proba(Xc),
                                   atol=1e-9)


# ------------------------------------------------------------------ dtypes
@pytest.mark.parametrize("name,X,y", [("MLPClassifier", Xc, yc), ("MLPRegressor", Xr, yr)])
def test_float32_in_float32_out(name, X, y):
    X32 = X.astype(np.float32)
    ref, ours = fit_both(name, X32, y, max_iter=10)
    for a in ours.coefs_ + ours.intercepts_:
        assert a.dtype == np.float32
    out = ours.predict_proba(X32) if name == "MLPClassifier" else ours.predict(X32)
    ref_out = ref.predict_proba(X32) if name == "MLPClassifier" else ref.predict(X32)
    assert out.dtype == ref_out.dtype == np.float32
    np.testing.assert_allclose(out, ref_out, rtol=1e-4, atol=1e-5)
    # float64 input on a float32 model is computed in float64, as scikit-learn does
    assert ours.predict(X).dtype == ref.predict(X).dtype


@pytest.mark.parametrize("X", [(Xc * 3).astype(int), Xc > 0, (Xc * 3).astype(np.int8)])
def test_int_and_bool_inputs_match_sklearn(X):
    ref, ours = fit_both("MLPClassifier", X, yc, max_iter=10)
    assert ours.coefs_[0].dtype == ref.coefs_[0].dtype == np.float64
    assert_same_model(ref, ours)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_lbfgs_float32_keeps_float32():
    """scikit-learn's L-BFGS returns float64 weights for float32 X; ours stay float32
    (docs/parity.md) and reach the same loss to float32 precision."""
    X32 = Xc.astype(np.float32)
    ref, ours = fit_both("MLPClassifier", X32, yc, solver="lbfgs", max_iter=15)
    assert ref.coefs_[0].dtype == np.float64
    assert all(a.dtype == np.float32 for a in ours.coefs_ + ours.intercepts_)
    assert ours.predict_proba(X32).dtype == np.float32
    assert ours.loss_ == pytest.approx(ref.loss_, rel=1e-4)
