"""Bad input: a clear error in scikit-learn's wording, and no state change.

Every case runs through fit (on a fitted model, on a fresh one and with
warm_start), partial_fit and the predict methods of both estimators; the
estimator's attributes are compared by value before and after the failing call.
Where scikit-learn's MLP raises for the same input, the exception type must be
the same; the few inputs that scikit-learn accepts but fastmlp rejects are
listed with the reason.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor

from fastmlp import MLPClassifier, MLPRegressor

from ._state import assert_same, snapshot

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

KINDS = {"classifier": (MLPClassifier, SkMLPClassifier), "regressor": (MLPRegressor, SkMLPRegressor)}
N, P = 30, 4
_rng = np.random.RandomState(0)
X = _rng.randn(N, P)
Y = {"classifier": np.arange(N) % 3, "regressor": _rng.randn(N)}


def make(kind, sklearn=False, **params):
    cls = KINDS[kind][1 if sklearn else 0]
    return cls(hidden_layer_sizes=(5,), max_iter=3, random_state=0, **params)


def fitted(kind, sklearn=False, **params):
    return make(kind, sklearn, **params).fit(X, Y[kind])


def _with(a, i, value):
    a = np.array(a, dtype=np.result_type(a, type(value)))
    a.flat[i] = value
    return a


# (id, kinds, transform (X, y) -> (X, y, sample_weight), exception, message fragment,
#  whether scikit-learn's MLP raises too: True (an exception fastmlp's is an instance of),
#  False (it accepts the input) or None (it fails later for an unrelated reason))
BOTH = ("classifier", "regressor")
DATA_CASES = [
    ("nan-X", BOTH, lambda x, y: (_with(x, 5, np.nan), y, None), ValueError, "Input X contains NaN", True),
    ("inf-X", BOTH, lambda x, y: (_with(x, 7, np.inf), y, None), ValueError, "Input X contains infinity", True),
    ("neginf-X", BOTH, lambda x, y: (_with(x, 7, -np.inf), y, None), ValueError, "Input X contains infinity", True),
    ("nan-y", BOTH, lambda x, y: (x, _with(y, 3, np.nan), None), ValueError, "Input (y )?contains NaN", True),
    ("inf-y", ("regressor",), lambda x, y: (x, _with(y, 3, np.inf), None), ValueError, "Input y contains infinity", True),
    ("nan-sample_weight", BOTH, lambda x, y: (x, y, _with(np.ones(N), 2, np.nan)), ValueError, "Input sample_weight contains NaN", True),
    ("inf-sample_weight", BOTH, lambda x, y: (x, y, _with(np.ones(N), 2, np.inf)), ValueError, "Input sample_weight contains infinity", True),
    ("empty-X", BOTH, lambda x, y: (x[:0], y[:0], None), ValueError, "Found array with 0 sample", True),
    ("no-features", BOTH, lambda x, y: (x[:, :0], y, None), ValueError, "0 feature", True),
    ("1d-X", BOTH, lambda x, y: (x[:, 0], y, None), ValueError, "Expected 2D array, got 1D array", True),
    ("3d-X", BOTH, lambda x, y: (x.reshape(N, 2, 2), y, None), ValueError, "Found array with dim 3", True),
    ("string-X", BOTH, lambda x, y: (np.full(x.shape, "a"), y, None), ValueError, "could not convert string to float", True),
    ("object-X-with-None", BOTH, lambda x, y: (_with(x.astype(object), 1, None), y, None), ValueError, "Input X contains NaN", True),
    ("complex-X", BOTH, lambda x, y: (x + 1j, y, None), ValueError, "Complex data not supported", True),
    ("complex-y", ("regressor",), lambda x, y: (x, y + 1j, None), ValueError, "Complex data not supported", True),
    # scikit-learn fails later, inside its loss (UFuncTypeError), not in validation
    ("string-y", ("regressor",), lambda x, y: (x, np.full(N, "a"), None), ValueError, "could not convert string to float", None),
    ("ragged-X", BOTH, lambda x, y: ([[1.0, 2.0]] * (N - 1) + [[1.0]], y, None), ValueError, "inhomogeneous", True),
    ("X-y-length", BOTH, lambda x, y: (x, y[:-1], None), ValueError, "inconsistent numbers of samples", True),
    ("sample_weight-length", BOTH, lambda x, y: (x, y, np.ones(N - 1)), ValueError, r"sample_weight.shape == \(29,\), expected \(30,\)", True),
    ("sample_weight-2d", BOTH, lambda x, y: (x, y, np.ones((N, 2))), ValueError, "Sample weights must be 1D", True),
    ("continuous-y", ("classifier",), lambda x, y: (x, np.linspace(0, 1, N), None), ValueError, "Unknown label type", True),
    ("continuous-y-2d", ("classifier",), lambda x, y: (x, np.linspace(0, 1, 2 * N).reshape(N, 2), None), ValueError, "Unknown label type|Multioutput target data is not supported", True),
    # scikit-learn trains on negative weights (an unbounded objective); fastmlp refuses them
    ("negative-sample_weight", BOTH, lambda x, y: (x, y, -np.ones(N)), ValueError, "Negative values in data passed to `sample_weight`", False),
    # scikit-learn fits a degenerate one-class model that always predicts that class
    # (with warm_start the error names the change of classes instead)
    ("single-class", ("classifier",), lambda x, y: (x, np.zeros(N), None), ValueError, "at least 2 classes|warm_start can only be used where `y` has the same classes", False),
]
DATA_PARAMS = [
    pytest.param(kind, transform, exc, match, sk, id=f"{kind}-{name}")
    for name, kinds, transform, exc, match, sk in DATA_CASES
    for kind in kinds
]


def assert_same_exception_type(ours, call_sklearn):
    """scikit-learn raises for the same call, and an ``except`` clause for its exception
    type also catches fastmlp's."""
    with pytest.raises(Exception) as theirs, warnings.catch_warnings():
        # scikit-learn's partial_fit casts a y holding NaN to int before it checks it
        warnings.filterwarnings("ignore", "invalid value encountered in cast", RuntimeWarning)
        call_sklearn()
    builtin = next(c for c in type(theirs.value).__mro__ if c.__module__ == "builtins")
    assert isinstance(ours, builtin), (type(ours), type(theirs.value))


def _call(method, est, x, y, sw):
    if method == "partial_fit" and isinstance(est, (MLPClassifier, SkMLPClassifier)) and not hasattr(est, "classes_"):
        return est.partial_fit(x, y, sample_weight=sw, classes=np.unique(Y["classifier"]))
    return getattr(est, method)(x, y, sample_weight=sw)


@pytest.mark.parametrize("kind, transform, exc, match, sklearn_raises", DATA_PARAMS)
@pytest.mark.parametrize("method, start", [
    ("fit", "fitted"), ("fit", "fresh"), ("fit", "warm_start"), ("partial_fit", "fitted"),
    ("partial_fit", "fresh"),
])
def test_bad_data_raises_and_keeps_state(kind, transform, exc, match, sklearn_raises, method, start):
    x, y, sw = transform(X, Y[kind])
    all_zero = np.asarray(y).dtype.kind in "biuf" and np.array_equal(y, np.zeros(N))
    if method == "partial_fit" and all_zero:
        pytest.skip("one class in a partial_fit batch is valid: classes are given")
    if start == "fresh":
        est = make(kind, solver="sgd")
    else:
        est = fitted(kind, solver="sgd", warm_start=start == "warm_start")
    before = snapshot(est)
    predictions = est.predict(X) if start != "fresh" else None
    with pytest.raises(exc, match=match) as info, warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # the error alone, no NumPy warning
        _call(method, est, x, y, sw)
    assert_same(snapshot(est), before)
    if start == "fresh":
        with pytest.raises(NotFittedError):
            est.predict(X)
    else:
        np.testing.assert_array_equal(est.predict(X), predictions)

    sk = make(kind, sklearn=True, solver="sgd")
    if sklearn_raises:
        assert_same_exception_type(info.value, lambda: _call(method, sk, x, y, sw))
    elif sklearn_raises is False:  # documents where fastmlp is stricter; fails if scikit-learn starts raising
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _call(method, sk, x, y, sw)


PREDICT_CASES = [
    ("nan", lambda x: _with(x, 5, np.nan), ValueError, "Input X contains NaN"),
    ("inf", lambda x: _with(x, 5, np.inf), ValueError, "Input X contains infinity"),
    ("empty", lambda x: x[:0], ValueError, "Found array with 0 sample"),
    ("1d", lambda x: x[0], ValueError, "Expected 2D array, got 1D array"),
    ("3d", lambda x: x.reshape(N, 2, 2), ValueError, "Found array with dim 3"),
    ("string", lambda x: np.full(x.shape, "a"), ValueError, "could not convert string to float"),
    ("complex", lambda x: x + 1j, ValueError, "Complex data not supported"),
    ("fewer-features", lambda x: x[:, :3], ValueError, "X has 3 features, but .* is expecting 4 features"),
    ("more-features", lambda x: np.hstack([x, x]), ValueError, "X has 8 features, but .* is expecting 4 features"),
]
PREDICT_METHODS = [("classifier", "predict"), ("classifier", "predict_proba"),
                   ("classifier", "predict_log_proba"), ("classifier", "score"),
                   ("regressor", "predict"), ("regressor", "score")]


@pytest.mark.parametrize("name, transform, exc, match", PREDICT_CASES, ids=[c[0] for c in PREDICT_CASES])
@pytest.mark.parametrize("kind, method", PREDICT_METHODS, ids=["-".join(m) for m in PREDICT_METHODS])
def test_bad_predict_input(kind, method, name, transform, exc, match):
    est = fitted(kind)
    before = snapshot(est)
    x = transform(X)
    args = (x, Y[kind]) if method == "score" else (x,)
    if method == "score" and name == "empty":
        args = (x, Y[kind][:0])
    with pytest.raises(exc, match=match) as info:
        getattr(est, method)(*args)
    assert_same(snapshot(est), before)
    assert_same_exception_type(info.value, lambda: getattr(fitted(kind, sklearn=True), method)(*args))


@pytest.mark.parametrize("kind, method", PREDICT_METHODS, ids=["-".join(m) for m in PREDICT_METHODS])
def test_predict_before_fit(kind, method):
    args = (X, Y[kind]) if method == "score" else (X,)
    with pytest.raises(NotFittedError, match="This .* instance is not fitted yet"):
        getattr(make(kind), method)(*args)


# (parameter, bad value); every one must fail in _fit_context before anything changes
BAD_PARAMS = [
    ("hidden_layer_sizes", 0), ("hidden_layer_sizes", -1), ("hidden_layer_sizes", (5, 0)),
    ("hidden_layer_sizes", (5, -2)), ("hidden_layer_sizes", 2.5), ("hidden_layer_sizes", (5, 2.0)),
    ("hidden_layer_sizes", (5, "3")), ("hidden_layer_sizes", "a"), ("hidden_layer_sizes", (True,)),
    ("hidden_layer_sizes", None),
    ("activation", "foo"), ("activation", "softmax"), ("solver", "foo"), ("learning_rate", "foo"),
    ("alpha", -1.0), ("alpha", "a"), ("batch_size", 0), ("batch_size", -5), ("batch_size", 2.5),
    ("batch_size", "big"), ("learning_rate_init", 0.0), ("learning_rate_init", -0.1),
    ("power_t", -1.0), ("max_iter", 0), ("max_iter", -1), ("max_iter", 2.5), ("shuffle", "yes"),
    ("random_state", "seed"), ("tol", -1e-4), ("verbose", "loud"), ("warm_start", "yes"),
    ("momentum", -0.1), ("momentum", 1.5), ("nesterovs_momentum", "yes"),
    ("early_stopping", "yes"), ("validation_fraction", -0.1), ("validation_fraction", 1.0),
    ("beta_1", -0.1), ("beta_1", 1.0), ("beta_2", 1.0), ("beta_2", 1.5), ("epsilon", 0.0),
    ("epsilon", -1e-8), ("n_iter_no_change", 0), ("n_iter_no_change", 1.5), ("max_fun", 0),
]
PARAM_CASES = [pytest.param(kind, p, v, id=f"{kind}-{p}={v!r}") for kind in BOTH for p, v in BAD_PARAMS]
PARAM_CASES.append(pytest.param("regressor", "loss", "foo", id="regressor-loss='foo'"))
PARAM_CASES.append(pytest.param("regressor", "loss", "log_loss", id="regressor-loss='log_loss'"))


@pytest.mark.parametrize("kind, param, value", PARAM_CASES)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_bad_hyper_parameter(kind, param, value, method):
    """Also for partial_fit on a fitted model, where scikit-learn skips validation."""
    est = fitted(kind, solver="sgd")
    predictions = est.predict(X)
    est.set_params(**{param: value})
    before = snapshot(est)
    if method == "partial_fit" and param == "solver":
        # partial_fit is hidden (AttributeError) unless the solver is stochastic
        with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as info:
            _call(method, est, X, Y[kind], None)
    else:
        with pytest.raises(ValueError, match=param) as info:
            _call(method, est, X, Y[kind], None)
    assert_same(snapshot(est), before)
    est.set_params(**{param: make(kind).get_params()[param]})
    np.testing.assert_array_equal(est.predict(X), predictions)

    if method == "partial_fit" and param == "solver" and kind == "regressor":
        return  # scikit-learn's MLPRegressor.partial_fit misses its solver check (see below)
    # scikit-learn validates partial_fit's parameters only on an unfitted model
    sk = make(kind, sklearn=True, solver="sgd").set_params(**{param: value})
    assert_same_exception_type(info.value, lambda: _call(method, sk, X, Y[kind], None))


@pytest.mark.parametrize("value, sk_type", [(2.5, TypeError), ((5, 2.0), TypeError), ((5, 0), ValueError), (0, ValueError)])
def test_layer_size_errors_have_sklearn_type(value, sk_type):
    """scikit-learn raises TypeError for non-integer, ValueError for zero sizes; fastmlp raises
    InvalidParameterError, which is both, with a clear message."""
    with pytest.raises(sk_type):
        make("regressor", sklearn=True).set_params(hidden_layer_sizes=value).fit(X, Y["regressor"])
    with pytest.raises(sk_type, match="hidden_layer_sizes"):
        make("regressor").set_params(hidden_layer_sizes=value).fit(X, Y["regressor"])


def test_partial_fit_classifier_specific_errors():
    y = Y["classifier"]
    with pytest.raises(ValueError, match="classes must be passed on the first call to partial_fit"):
        make("classifier").partial_fit(X, y)
    with pytest.raises(ValueError, match="classes must be passed on the first call to partial_fit"):
        make("classifier", sklearn=True).partial_fit(X, y)

    est = make("classifier").partial_fit(X, y, classes=[0, 1, 2])
    before = snapshot(est)
    for sk in (False, True):
        other = make("classifier", sklearn=sk).partial_fit(X, y, classes=[0, 1, 2])
        with pytest.raises(ValueError, match="`y` has classes not in `self.classes_`"):
            other.partial_fit(X, np.where(y == 2, 7, y))
        with pytest.raises(ValueError, match="is not the same as on last call to partial_fit"):
            other.partial_fit(X, y, classes=[0, 1, 2, 3])
    with pytest.raises(ValueError, match="`y` has classes not in `self.classes_`"):
        est.partial_fit(X, np.where(y == 2, 7, y))
    assert_same(snapshot(est), before)
    with pytest.raises(ValueError, match="is not the same as on last call to partial_fit"):
        est.partial_fit(X, y, classes=[0, 1, 2, 3])
    assert_same(snapshot(est), before)
    with pytest.raises(ValueError, match="X has 3 features, but MLPClassifier is expecting 4"):
        est.partial_fit(X[:, :3], y)
    assert_same(snapshot(est), before)


@pytest.mark.parametrize("kind", BOTH)
def test_partial_fit_not_available_for_lbfgs(kind):
    # scikit-learn's MLPRegressor passes ``est._check_solver`` uncalled to available_if,
    # so only its classifier hides partial_fit for L-BFGS
    for sk in (False, True) if kind == "classifier" else (False,):
        est = fitted(kind, sklearn=sk, solver="lbfgs")
        with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as info:
            est.partial_fit(X, Y[kind])
        assert "partial_fit is only available for stochastic" in str(info.value.__cause__)


@pytest.mark.parametrize("kind", BOTH)
def test_partial_fit_with_early_stopping(kind):
    est = fitted(kind, solver="sgd")
    est.set_params(early_stopping=True)
    before = snapshot(est)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        _call("partial_fit", est, X, Y[kind], None)
    assert_same(snapshot(est), before)


def test_warm_start_with_other_classes_keeps_state():
    est = fitted("classifier", warm_start=True)
    before = snapshot(est)
    with pytest.raises(ValueError, match="warm_start can only be used where `y` has the same classes"):
        est.fit(X, np.arange(N) % 2)
    assert_same(snapshot(est), before)
    with pytest.raises(ValueError, match="warm_start can only be used where `y` has the same classes"):
        fitted("classifier", sklearn=True, warm_start=True).fit(X, np.arange(N) % 2)


@pytest.mark.parametrize("kind", BOTH)
def test_warm_start_with_other_architecture_keeps_state(kind):
    est = fitted(kind, warm_start=True)
    est.set_params(hidden_layer_sizes=(6,))
    before = snapshot(est)
    with pytest.raises(ValueError, match="warm_start / partial_fit need coefs_ of shapes"):
        est.fit(X, Y[kind])
    assert_same(snapshot(est), before)
    with pytest.raises(ValueError, match="X has 3 features"):
        est.fit(X[:, :3], Y[kind])
    assert_same(snapshot(est), before)


def test_poisson_negative_y_keeps_state():
    est = make("regressor", loss="poisson").fit(X, np.abs(Y["regressor"]))
    before = snapshot(est)
    with pytest.raises(ValueError, match="negative which is not allowed for Poisson"):
        est.fit(X, -np.abs(Y["regressor"]))
    assert_same(snapshot(est), before)
    # (scikit-learn's MLPRegressor accepts negative y with loss='poisson')


def test_continuous_y_on_fitted_classifier_beats_sklearn():
    """scikit-learn's MLP replaces its label binarizer before rejecting continuous y."""
    y_bad = np.linspace(0, 1, N)
    est = fitted("classifier")
    before = snapshot(est)
    with pytest.raises(ValueError, match="Unknown label type"):
        est.fit(X, y_bad)
    assert_same(snapshot(est), before)
    assert list(est.predict(X[:5])) == list(fitted("classifier").predict(X[:5]))


def test_failed_call_keeps_shared_weight_buffer():
    """After a rolled-back fit, coefs_ still alias the flat vector used by predict."""
    est = fitted("regressor")
    with pytest.raises(ValueError):
        est.fit(_with(X, 0, np.nan), Y["regressor"])
    est.coefs_[0][:] = 0.0  # predict must see in-place edits, as before the failed call
    reference = make("regressor").fit(X, Y["regressor"])
    reference.coefs_[0][:] = 0.0
    np.testing.assert_array_equal(est.predict(X), reference.predict(X))


def test_no_nan_without_warnings_in_good_fit():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = fitted("classifier")
    assert all(np.isfinite(c).all() for c in est.coefs_ + est.intercepts_)


@pytest.mark.parametrize("kind", BOTH)
def test_minibatch_of_zero_weight(kind):
    """A minibatch whose weights sum to zero: a clear ValueError that is also the
    ZeroDivisionError scikit-learn raises; the fitted model is kept."""
    sw = np.r_[np.zeros(10), np.ones(N - 10)]
    params = dict(solver="sgd", batch_size=5, shuffle=False)
    est = fitted(kind, **params)
    before = snapshot(est)
    with pytest.raises(ValueError, match="sample weights of a minibatch sum to zero") as info:
        est.fit(X, Y[kind], sample_weight=sw)
    assert isinstance(info.value, ZeroDivisionError)
    assert_same(snapshot(est), before)
    assert_same_exception_type(info.value, lambda: make(kind, sklearn=True, **params).fit(
        X, Y[kind], sample_weight=sw))


def test_sampled_minibatch_of_zero_weight_advises_what_helps():
    # shuffle="sample" draws every minibatch anew: shuffling is no remedy there
    sw = np.r_[np.zeros(N - 1), 1.0]
    est = make("regressor", solver="sgd", batch_size=1, shuffle="sample")
    with pytest.raises(ValueError, match="sum to zero") as info:
        est.fit(X, Y["regressor"], sample_weight=sw)
    assert "Use a larger batch_size, or drop the samples of zero weight." in str(info.value)
    assert "shuffle" not in str(info.value)


@pytest.mark.parametrize("value, match", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_value_in_a_large_X(monkeypatch, value, match):
    # a large X is scanned in pieces on several threads (fastmlp._linalg); a bad
    # value in the last piece is found all the same
    from fastmlp import _linalg

    monkeypatch.setattr(_linalg, "SCAN_VALUES_PER_THREAD", 1000)
    monkeypatch.setattr(_linalg, "current_counts", lambda: [2])
    started = []
    thread = _linalg.threading.Thread
    monkeypatch.setattr(_linalg.threading, "Thread", lambda **kw: started.append(1) or thread(**kw))
    big = np.tile(X, (100, 1))  # 12,000 values: two pieces
    with pytest.raises(ValueError, match=f"Input X contains {match}"):
        make("classifier").fit(_with(big, big.size - 1, value), np.arange(big.shape[0]) % 3)
    assert started == [1]
