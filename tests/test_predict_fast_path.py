"""predict / predict_proba: the plain-ndarray shortcut behaves like validate_data."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
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


def _outcome(call):
    """(result or exception type + message, warnings as (category, message)) of ``call``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = ("value", call())
        except Exception as exc:  # noqa: BLE001 - the exception is what is compared
            result = ("raises", type(exc).__name__, str(exc))
    return result, sorted((w.category.__name__, str(w.message)) for w in caught)


def _assert_same_behaviour(ours, theirs, X, methods=("predict", "predict_proba"), rtol=1e-12):
    for method in methods:
        mine, mine_warnings = _outcome(lambda: getattr(ours, method)(X))
        ref, ref_warnings = _outcome(lambda: getattr(theirs, method)(X))
        assert mine_warnings == [(c, m.replace(type(theirs).__name__, type(ours).__name__))
                                 for c, m in ref_warnings], method
        assert mine[0] == ref[0], (method, mine, ref)
        if mine[0] == "raises":
            assert mine[1:] == ref[1:], method
        elif np.asarray(ref[1]).dtype.kind == "f":
            np.testing.assert_allclose(mine[1], ref[1], rtol=rtol, err_msg=method)
        else:
            np.testing.assert_array_equal(mine[1], ref[1], err_msg=method)


def _unusual_inputs(X):
    """Inputs that must not take the shortcut, or must take it and agree (name, X)."""
    big_endian = X.astype(X.dtype.newbyteorder(">"))
    strided = np.repeat(X, 2, axis=0)[::2]
    yield "C order", X
    yield "one row", X[:1]
    yield "one row, 1-d", X[0]
    yield "F order", np.asfortranarray(X)
    yield "row-strided view", strided
    yield "column-strided view", np.repeat(X, 2, axis=1)[:, ::2]
    yield "read-only", np.frombuffer(X.tobytes(), dtype=X.dtype).reshape(X.shape)
    yield "big-endian", big_endian
    yield "float32", X.astype(np.float32)
    yield "float64", X.astype(np.float64)
    yield "int", np.round(X * 3).astype(np.int64)
    yield "bool", X > 0
    yield "object", X.astype(object)
    yield "list", X.tolist()
    yield "csr", sp.csr_matrix(X)
    yield "csc", sp.csc_matrix(X)
    yield "DataFrame", pd.DataFrame(X)
    yield "DataFrame with names", pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    yield "3-d", X[None]
    yield "too many features", np.hstack([X, X[:, :1]])
    yield "too few features", X[:, :-1]
    yield "no rows", X[:0]
    yield "NaN", np.where(np.arange(X.size).reshape(X.shape) == 7, np.nan, X)
    yield "inf", np.where(np.arange(X.size).reshape(X.shape) == 7, np.inf, X)
    yield "-inf in float32", np.where(np.arange(X.size).reshape(X.shape) == 7, -np.inf, X).astype(
        np.float32)
    yield "huge but finite", np.full_like(X, 1e200)


@pytest.mark.parametrize("model_dtype", [np.float64, np.float32])
@pytest.mark.parametrize("with_names", [False, True])
def test_every_input_kind_behaves_like_sklearn(model_dtype, with_names):
    rng = np.random.RandomState(1)
    X = rng.normal(size=(60, 4)).astype(model_dtype)
    y = rng.randint(0, 3, 60)
    X_fit = pd.DataFrame(X, columns=[f"f{i}" for i in range(4)]) if with_names else X
    a, b = _pair(MLPClassifier, SkClassifier, X_fit, y)
    r, s = _pair(MLPRegressor, SkRegressor, X_fit, rng.normal(size=60))
    # float32 training rounds differently from scikit-learn's, so float32 models agree less
    rtol = 1e-12 if model_dtype == np.float64 else 1e-4
    with np.errstate(all="ignore"):
        for name, rows in _unusual_inputs(X):
            _assert_same_behaviour(a, b, rows, rtol=rtol)
            _assert_same_behaviour(r, s, rows, methods=("predict",), rtol=rtol)


def test_plain_arrays_skip_validate_data_and_others_do_not(monkeypatch):
    """The shortcut is taken exactly for C-ordered float64/float32 2-d ndarrays with
    the fitted number of features and finite values, on a model fitted without
    feature names; every other input goes through validate_data."""
    import fastmlp._validation as validation

    rng = np.random.RandomState(2)
    X = rng.normal(size=(30, 3))
    a, _ = _pair(MLPClassifier, SkClassifier, X, rng.randint(0, 2, 30))
    calls = []

    def recording_validate_data(*args, **kwargs):
        calls.append(1)
        return validate_data(*args, **kwargs)

    from sklearn.utils.validation import validate_data

    monkeypatch.setattr(validation, "validate_data", recording_validate_data)
    # (huge finite values are finite: the exponent-bit test takes the shortcut for them)
    shortcut = {"C order", "one row", "read-only", "float32", "float64", "huge but finite"}
    for name, rows in _unusual_inputs(X):
        calls.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                a.predict_proba(rows)
            except (ValueError, TypeError):
                pass
        assert (not calls) == (name in shortcut), name
    del a.n_features_in_  # e.g. a model assembled by hand: no shortcut
    calls.clear()
    a.predict(X)
    assert calls


@pytest.mark.parametrize("ours, theirs", [(MLPClassifier, SkClassifier), (MLPRegressor, SkRegressor)])
def test_unfitted_error_is_sklearns(ours, theirs):
    X = np.zeros((2, 3))
    _assert_same_behaviour(ours(), theirs(), X, methods=("predict",))
    if ours is MLPClassifier:
        _assert_same_behaviour(ours(), theirs(), X, methods=("predict_proba", "predict_log_proba"))
