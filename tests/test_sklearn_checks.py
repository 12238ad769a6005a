"""scikit-learn's estimator checks (the API contract of every estimator)."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from fastmlp import MLPClassifier, MLPRegressor


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks([MLPClassifier(max_iter=50), MLPRegressor(max_iter=50)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
