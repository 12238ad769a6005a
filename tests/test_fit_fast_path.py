"""fit / partial_fit: the input and parameter shortcuts behave like scikit-learn's checks."""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn.neural_network as skn
from sklearn.base import clone

import fastmlp
import fastmlp._validation as validation
from fastmlp import MLPClassifier, MLPRegressor

from .test_parity_api import _normalise
from .test_predict_fast_path import _unusual_inputs

# fits of two epochs: max_iter stops them, on purpose
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
KW = dict(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
rng = np.random.RandomState(3)
X = rng.normal(size=(24, 3))
LABELS = rng.randint(0, 3, 24)
TARGET = rng.normal(size=24)


def _targets():
    """Target arrays that must not take the shortcut, or must take it and agree (name, y)."""
    yield "int64", LABELS
    yield "int8", LABELS.astype(np.int8)
    yield "uint16", LABELS.astype(np.uint16)
    yield "uint64", LABELS.astype(np.uint64)
    yield "bool", LABELS > 0
    yield "float labels", LABELS.astype(float)
    yield "float32", TARGET.astype(np.float32)
    yield "float64", TARGET
    yield "strings", np.array(["a", "b", "c"])[LABELS]
    yield "bytes", np.array([b"a", b"b", b"c"])[LABELS]
    yield "object", LABELS.astype(object)
    yield "list", LABELS.tolist()
    yield "Series", pd.Series(LABELS)
    yield "column", LABELS.reshape(-1, 1)
    yield "two columns", np.stack([LABELS > 0, LABELS > 1], axis=1).astype(int)
    yield "two float columns, F order", np.asfortranarray(np.stack([TARGET, -TARGET], axis=1))
    yield "no columns", np.zeros((24, 0))
    yield "3-d", LABELS.reshape(-1, 1, 1)
    yield "too short", LABELS[:-1]
    yield "NaN", np.where(np.arange(24) == 5, np.nan, TARGET)
    yield "inf", np.where(np.arange(24) == 5, np.inf, TARGET)
    yield "complex", TARGET.astype(complex)
    yield "float16", TARGET.astype(np.float16)


def _outcome(call):
    """What a call did: its exception or the fitted state, and its warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est = call()
            result = ("fitted", est.n_features_in_, hasattr(est, "feature_names_in_"),
                      [c.tobytes() for c in est.coefs_], [c.dtype for c in est.coefs_])
        except Exception as exc:  # noqa: BLE001 - the exception is what is compared
            result = ("raises", type(exc).__name__, str(exc))
    return result, sorted((w.category.__name__, str(w.message)) for w in caught)


def _with_and_without_shortcut(monkeypatch, call):
    fast = _outcome(call)
    with monkeypatch.context() as m:
        m.setattr(validation, "_plain_float_matrix", lambda X: False)
        slow = _outcome(call)
    return fast, slow


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_every_X_behaves_like_validate_data(monkeypatch, Est):
    y = LABELS if Est is MLPClassifier else TARGET
    with np.errstate(all="ignore"):
        for name, rows in _unusual_inputs(X):
            target = y[: np.shape(rows)[0]] if np.ndim(rows) else y
            fast, slow = _with_and_without_shortcut(monkeypatch, lambda: Est(**KW).fit(rows, target))
            assert fast == slow, name


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_every_y_behaves_like_validate_data(monkeypatch, Est):
    for name, target in _targets():
        fast, slow = _with_and_without_shortcut(monkeypatch, lambda: Est(**KW).fit(X, target))
        assert fast == slow, name


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_refits_check_features_like_validate_data(monkeypatch, Est):
    """partial_fit and warm_start keep the fitted features (reset=False)."""
    y = LABELS if Est is MLPClassifier else TARGET
    named = pd.DataFrame(X, columns=["a", "b", "c"])
    calls = {
        "partial_fit, same features": lambda: Est(**KW).fit(X, y).partial_fit(X, y),
        "partial_fit, other features": lambda: Est(**KW).fit(X, y).partial_fit(X[:, :2], y),
        "partial_fit after names": lambda: Est(**KW).fit(named, y).partial_fit(X, y),
        "warm start, same features": lambda: Est(warm_start=True, **KW).fit(X, y).fit(X, y),
        "warm start after names": lambda: Est(warm_start=True, **KW).fit(named, y).fit(X, y),
        "refit after names": lambda: Est(**KW).fit(named, y).fit(X, y),
    }
    for name, call in calls.items():
        fast, slow = _with_and_without_shortcut(monkeypatch, call)
        assert fast == slow, name
    assert not hasattr(Est(**KW).fit(named, y).fit(X, y), "feature_names_in_")


def test_shortcut_taken_exactly_for_plain_input(monkeypatch):
    calls = []

    def recording_validate_data(*args, **kwargs):
        calls.append(1)
        return validate_data(*args, **kwargs)

    from sklearn.utils.validation import validate_data

    monkeypatch.setattr(validation, "validate_data", recording_validate_data)
    cases = {
        "plain": (X, LABELS, True),
        "float32": (X.astype(np.float32), LABELS, True),
        "strings": (X, np.array(["a", "b", "c"])[LABELS], True),  # labels are checked apart
        "F order": (np.asfortranarray(X), LABELS, False),
        "int X": (np.round(X).astype(int), LABELS, False),
        "NaN": (np.where(X > 1, np.nan, X), LABELS, False),
        "list y": (X, LABELS.tolist(), False),
    }
    for name, (rows, target, shortcut) in cases.items():
        calls.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                MLPClassifier(**KW).fit(rows, target)
            except ValueError:
                pass
        assert (not calls) == shortcut, name


@pytest.mark.parametrize("name", sorted(MLPClassifier._parameter_constraints))
def test_each_bad_parameter_raises_sklearns_error(name):
    bad = {"hidden_layer_sizes": "wide", "shuffle": "yes", "verbose": "loud",
           "random_state": "seed", "n_iter_no_change": -1.5}.get(name, -7)
    errors = []
    for Est in (skn.MLPClassifier, MLPClassifier):
        with pytest.raises(ValueError) as err:
            Est(**{name: bad}).fit(X, LABELS)
        errors.append((type(err.value).__name__, _normalise(str(err.value))))
    if name == "activation":  # fastmlp's one addition to the options
        assert "'hardtanh'" in errors[1][1]
        errors[1] = (errors[1][0], errors[1][1].replace("\"'hardtanh'\", ", ""))
    if name == "shuffle":  # and to the accepted values (sampled descent)
        addition = " or a str among [\"'sample'\"]"  # (after _normalise)
        assert addition in errors[1][1]
        errors[1] = (errors[1][0], errors[1][1].replace(addition, ""))
    assert errors[1] == errors[0]


def test_parameter_names_read_per_class():
    """The signature is read once per class: a subclass's own parameters are its own."""

    class Wider(MLPRegressor):
        def __init__(self, width=8, **kwargs):
            super().__init__(hidden_layer_sizes=(width,), **kwargs)
            self.width = width

    assert "width" not in MLPRegressor().get_params()
    assert Wider(width=3).get_params()["width"] == 3
    assert clone(Wider(width=5)).width == 5
    assert sorted(MLPRegressor().get_params()) == sorted(skn.MLPRegressor().get_params())
    assert fastmlp.MLPClassifier._get_param_names() == skn.MLPClassifier._get_param_names()


def test_checked_parameter_settings_are_checked_again_when_changed():
    """A setting that passed is remembered by its values and their types: an equal
    value of another type, or another value, is checked again (fit and partial_fit)."""
    from sklearn.utils._param_validation import InvalidParameterError

    est = MLPClassifier(**KW).fit(X, LABELS)
    est.set_params(max_iter=2.0)  # == 2, but the constraint asks for an int
    with pytest.raises(InvalidParameterError, match="'max_iter' parameter"):
        est.fit(X, LABELS)
    est.set_params(max_iter=2, alpha=-1.0)
    with pytest.raises(InvalidParameterError, match="'alpha' parameter"):
        est.partial_fit(X, LABELS)
    est.set_params(alpha=1e-4, tol=np.float64(1e-4)).fit(X, LABELS)  # valid again
    est.set_params(tol=np.float64(np.nan))
    with pytest.raises(InvalidParameterError, match="'tol' parameter"):
        est.fit(X, LABELS)


def test_checked_parameter_settings_are_bounded(monkeypatch):
    monkeypatch.setattr(validation, "_MAX_VALID_SETTINGS", 3)
    for alpha in np.linspace(0.1, 1, 7):
        MLPRegressor(alpha=alpha, **KW).fit(X, TARGET)
    assert 1 <= len(MLPRegressor._valid_settings) <= 3


@pytest.mark.parametrize("sample_weight", [None, np.ones(24), np.arange(24.0)])
def test_sample_weights_as_check_sample_weight(sample_weight):
    from sklearn.utils.validation import _check_sample_weight

    for dtype in (np.float64, np.float32):
        rows = X.astype(dtype)
        ours = validation.check_sample_weight(sample_weight, rows)
        theirs = _check_sample_weight(sample_weight, rows, dtype=dtype, ensure_non_negative=True)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.filterwarnings("ignore:Got `batch_size`:UserWarning")  # the 4-row call: clipped
@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_partial_fit_with_kept_buffers_equals_fresh_buffers(Est):
    """partial_fit keeps its buffers for the next call of the same shape; a copy of the
    estimator (which has none) takes the same steps bit for bit."""
    import copy

    y = LABELS if Est is MLPClassifier else TARGET
    extra = {"classes": np.unique(LABELS)} if Est is MLPClassifier else {}
    kept = Est(hidden_layer_sizes=(5,), batch_size=5, random_state=0)
    fresh = Est(hidden_layer_sizes=(5,), batch_size=5, random_state=0)
    for start, stop in [(0, 12), (12, 24), (0, 12), (3, 7), (0, 24), (12, 24)]:
        kept.partial_fit(X[start:stop], y[start:stop], **extra)
        fresh = copy.deepcopy(fresh).partial_fit(X[start:stop], y[start:stop], **extra)
        extra = {}
    for a, b in zip(kept.coefs_ + kept.intercepts_, fresh.coefs_ + fresh.intercepts_):
        np.testing.assert_array_equal(a, b)
