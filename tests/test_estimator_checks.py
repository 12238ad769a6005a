"""scikit-learn's own estimator checks, run on every estimator."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from fastmlp import HingeMLPClassifier, MLPClassifier, MLPRegressor


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks([MLPClassifier(), MLPRegressor(), HingeMLPClassifier()])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
