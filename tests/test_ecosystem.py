"""scikit-learn's meta-estimators and tools around fastmlp give scikit-learn's results.

A user changes one import; the code around the estimator -- calibration,
ensembles, searches, inspection, multi-output wrappers, metadata routing --
must keep working and, since fastmlp fits the same weights to rounding error,
give the same numbers.  Each case runs once with scikit-learn's MLP and once
with fastmlp's and compares what it returns.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
import sklearn.neural_network as sknn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_iris, make_regression
from sklearn.ensemble import (
    AdaBoostClassifier,
    BaggingClassifier,
    BaggingRegressor,
    StackingClassifier,
    VotingClassifier,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.feature_selection import SequentialFeatureSelector
from sklearn.inspection import partial_dependence, permutation_importance
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    RandomizedSearchCV,
    cross_val_predict,
    cross_validate,
    learning_curve,
)
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.multioutput import MultiOutputRegressor, RegressorChain
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import SelfTrainingClassifier

import fastmlp

X, y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)
Xr, yr = make_regression(160, 5, noise=0.1, random_state=0)
yr = yr / yr.std()
Y2 = np.c_[yr, np.tanh(yr)]
SETTINGS = dict(hidden_layer_sizes=(8,), max_iter=60, random_state=0)


def _partly_labelled():
    labels = y.copy()
    labels[::3] = -1
    return labels


def _weighted_search(C, R):
    weights = np.where(y == 0, 3.0, 1.0)
    with sklearn.config_context(enable_metadata_routing=True):
        model = C(**SETTINGS).set_fit_request(sample_weight=True).set_score_request(sample_weight=True)
        search = GridSearchCV(model, {"alpha": [1e-4, 1.0]}, cv=3).fit(X, y, sample_weight=weights)
    return search.cv_results_["mean_test_score"]


# name -> f(MLPClassifier, MLPRegressor) returning numbers to compare
CASES = {
    "CalibratedClassifierCV": lambda C, R: CalibratedClassifierCV(C(**SETTINGS)).fit(X, y).predict_proba(X),
    "VotingClassifier soft": lambda C, R: VotingClassifier(
        [("a", C(**SETTINGS)), ("b", C(**SETTINGS, alpha=1.0))], voting="soft").fit(X, y).predict_proba(X),
    "StackingClassifier": lambda C, R: StackingClassifier([("a", C(**SETTINGS))]).fit(X, y).predict_proba(X),
    "BaggingClassifier": lambda C, R: BaggingClassifier(
        C(**SETTINGS), n_estimators=3, random_state=0).fit(X, y).predict_proba(X),
    "BaggingRegressor": lambda C, R: BaggingRegressor(
        R(**SETTINGS), n_estimators=3, random_state=0).fit(Xr, yr).predict(Xr),
    # AdaBoost passes sample weights to fit
    "AdaBoostClassifier": lambda C, R: AdaBoostClassifier(
        C(**SETTINGS), n_estimators=3, random_state=0).fit(X, y).predict_proba(X),
    "permutation_importance": lambda C, R: permutation_importance(
        C(**SETTINGS).fit(X, y), X, y, random_state=0).importances_mean,
    "partial_dependence": lambda C, R: partial_dependence(
        C(**SETTINGS).fit(X, y), X, [0], grid_resolution=10)["average"],
    "HalvingGridSearchCV": lambda C, R: HalvingGridSearchCV(
        C(**SETTINGS), {"alpha": [1e-4, 1.0]}, random_state=0).fit(X, y).cv_results_["mean_test_score"],
    "RandomizedSearchCV": lambda C, R: RandomizedSearchCV(
        C(**SETTINGS), {"alpha": [1e-4, 1.0]}, n_iter=2, random_state=0).fit(X, y).cv_results_["mean_test_score"],
    "cross_validate log-loss": lambda C, R: cross_validate(
        C(**SETTINGS), X, y, scoring="neg_log_loss")["test_score"],
    "learning_curve": lambda C, R: learning_curve(C(**SETTINGS), X, y, train_sizes=[0.5, 1.0], cv=3)[2],
    "cross_val_predict proba": lambda C, R: cross_val_predict(C(**SETTINGS), X, y, method="predict_proba"),
    "TransformedTargetRegressor": lambda C, R: TransformedTargetRegressor(
        R(**SETTINGS), func=np.arcsinh, inverse_func=np.sinh).fit(Xr, yr).predict(Xr),
    "MultiOutputRegressor": lambda C, R: MultiOutputRegressor(R(**SETTINGS)).fit(Xr, Y2).predict(Xr),
    "RegressorChain": lambda C, R: RegressorChain(R(**SETTINGS)).fit(Xr, Y2).predict(Xr),
    "OneVsRestClassifier": lambda C, R: OneVsRestClassifier(C(**SETTINGS)).fit(X, y).predict_proba(X),
    "OneVsOneClassifier": lambda C, R: OneVsOneClassifier(C(**SETTINGS)).fit(X, y).decision_function(X),
    "SelfTrainingClassifier": lambda C, R: SelfTrainingClassifier(
        C(**SETTINGS)).fit(X, _partly_labelled()).predict_proba(X),
    "SequentialFeatureSelector": lambda C, R: SequentialFeatureSelector(
        C(**SETTINGS), n_features_to_select=2, cv=2).fit(X, y).get_support(),
    "metadata routing: sample_weight": _weighted_search,
    "pandas pipeline, set_output": lambda C, R: make_pipeline(StandardScaler(), C(**SETTINGS)).set_output(
        transform="pandas").fit(pd.DataFrame(X, columns=list("abcd")), y).predict_proba(
        pd.DataFrame(X, columns=list("abcd"))),
}


def _run(case, module):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return np.asarray(CASES[case](module.MLPClassifier, module.MLPRegressor), dtype=float)


@pytest.mark.parametrize("case", list(CASES))
def test_same_result_as_with_scikit_learns_mlp(case):
    expected = _run(case, sknn)
    got = _run(case, fastmlp)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-9)


def test_the_weighted_search_depends_on_the_weights():
    # the routing case above would pass if neither library saw the weights
    weighted = _run("metadata routing: sample_weight", fastmlp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = GridSearchCV(fastmlp.MLPClassifier(**SETTINGS), {"alpha": [1e-4, 1.0]}, cv=3).fit(X, y)
    assert not np.allclose(weighted, plain.cv_results_["mean_test_score"])
