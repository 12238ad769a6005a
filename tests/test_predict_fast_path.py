"""predict / predict_proba: the plain-ndarray shortcut behaves like validate_data."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

from fastmlp import MLPClassifier, MLPRegressor


def _pair(ours, theirs, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        kw = dict(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
        return ours(**kw).fit(X, y), theirs(**kw).fit(X, y)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predictions_match_sklearn(n_classes, dtype):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 5)).astype(dtype)
    y = np.array(["a", "b", "c"])[rng.randint(0, n_classes, 80)]
    a, b = _pair(MLPClassifier, SkClassifier, X, y)
    for rows in (X[:1], X, np.asfortranarray(X), X.astype(np.float16), X.tolist()):
        np.testing.assert_array_equal(a.predict(rows), b.predict(rows))
        np.testing.assert_allclose(a.predict_proba(rows), b.predict_proba(rows),
                                   rtol=1e-4 if dtype == np.float32 else 1e-12)
    r, s = _pair(MLPRegressor, SkRegressor, X, rng.normal(size=80))
    np.testing.assert_allclose(r.predict(X[:1]), s.predict(X[:1]), rtol=1e-5)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input_raises_sklearns_error(bad):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 3)), rng.randint(0, 2, 40)
    a, b = _pair(MLPClassifier, SkClassifier, X, y)
    Xbad = X.copy()
    Xbad[3, 1] = bad
    for method in ("predict", "predict_proba"):
        with pytest.raises(ValueError) as theirs:
            getattr(b, method)(Xbad)
        with pytest.raises(ValueError, match=str(theirs.value).split("\n")[0][:30]):
            getattr(a, method)(Xbad)


def test_large_finite_values_are_not_rejected():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 3)), rng.randint(0, 2, 40)
    a, _ = _pair(MLPClassifier, SkClassifier, X, y)
    with np.errstate(all="ignore"):
        assert a.predict(np.full((2, 3), 1e300)).shape == (2,)


def test_wrong_shape_and_unfitted_errors():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 3)), rng.randint(0, 2, 40)
    a, _ = _pair(MLPClassifier, SkClassifier, X, y)
    with pytest.raises(ValueError, match="features"):
        a.predict(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="0 sample"):
        a.predict(np.zeros((0, 3)))
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(X)


def test_feature_names_still_checked():
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    y = rng.randint(0, 2, 40)
    a, _ = _pair(MLPClassifier, SkClassifier, X, y)
    with pytest.warns(UserWarning, match="feature names"):
        a.predict(X.to_numpy())
