"""scikit-learn's input and parameter checks, with short cuts for the common case.

scikit-learn's checks cost about 3 ms per fit (``validate_data``, the
parameter constraints, ``inspect.signature`` on every ``get_params``): a tenth
of a short fit.  Each short cut here accepts only what scikit-learn's check
would pass through unchanged -- a plain C-contiguous float ndarray with finite
values, valid parameter values -- and hands everything else to scikit-learn's
own check, so every error and warning keeps scikit-learn's wording.
"""

import numpy as np
from sklearn.utils._param_validation import make_constraint, validate_parameter_constraints
from sklearn.utils.validation import _check_sample_weight, validate_data

from ._linalg import FLOAT_DTYPES, all_finite, largest_magnitude


def _plain_float_matrix(X) -> bool:
    """A 2-d C-contiguous float64/float32 ndarray with at least one row and column."""
    return (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype in FLOAT_DTYPES
        and X.flags.c_contiguous
        and X.shape[0] >= 1
        and X.shape[1] >= 1
    )


def _plain_targets(y, n_samples: int, y_numeric: bool) -> bool:
    """An ndarray of n_samples integer, boolean or finite float targets (1 or more
    columns), or of strings if they need not be numbers."""
    if type(y) is not np.ndarray or y.ndim not in (1, 2) or y.shape[0] != n_samples:
        return False
    if y.ndim == 2 and y.shape[1] < 1:
        return False
    if y.dtype.kind in "iub" or (y.dtype.kind in "US" and not y_numeric):
        return True
    return y.dtype in FLOAT_DTYPES and all_finite(np.ascontiguousarray(y))


def check_X_y(estimator, X, y, reset: bool, y_numeric: bool):
    """``validate_data(estimator, X, y, ...)`` as the estimators' fit calls it.

    Returns ``(X, y, largest |X|)``; the last is None when X went through
    scikit-learn's check (sparse, converted or unusual input).
    """
    if _plain_float_matrix(X) and _plain_targets(y, X.shape[0], y_numeric) and _features_match(
        estimator, X, reset
    ):
        magnitude = largest_magnitude(X, threads=None)  # a large X: on the BLAS threads
        if np.isfinite(magnitude):
            if reset:
                # what validate_data records for input without feature names
                estimator.__dict__.pop("feature_names_in_", None)
                estimator.n_features_in_ = X.shape[1]
            return X, y, magnitude
    X, y = validate_data(
        estimator, X, y, accept_sparse=["csr", "csc"], multi_output=True, y_numeric=y_numeric,
        dtype=(np.float64, np.float32), order="C", reset=reset,
    )
    return X, y, None


def plain_predict_input(estimator, X) -> bool:
    """True if X is an array that ``validate_data(estimator, X, reset=False)`` returns
    unchanged provided its values are finite (which the caller still has to check)."""
    return _plain_float_matrix(X) and _features_match(estimator, X, reset=False)


def check_X(estimator, X):
    """``validate_data(estimator, X, reset=False)`` as predict calls it."""
    if plain_predict_input(estimator, X) and all_finite(X):
        return X
    return validate_data(
        estimator, X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32), reset=False
    )


def _features_match(estimator, X, reset: bool) -> bool:
    """True if validate_data would accept X's columns without a warning: any number
    when fitting anew, else the fitted number, fitted without feature names."""
    if reset:
        return True
    fitted = estimator.__dict__
    return X.shape[1] == fitted.get("n_features_in_") and "feature_names_in_" not in fitted


# parameter settings that passed the check, per class; cleared when this many
_MAX_VALID_SETTINGS = 256


def check_params(estimator) -> None:
    """``estimator._validate_params()``, with the constraint objects built once per
    class and each setting of the parameters checked once.

    A setting that passed is remembered (by the parameters' values and types),
    so the repeated fits of a search, a benchmark or a partial_fit loop skip the
    ~0.2 ms of constraint checks.
    """
    cls = type(estimator)
    constraints = cls.__dict__.get("_made_constraints")
    if constraints is None:
        constraints = {
            name: [make_constraint(c) for c in options]
            for name, options in cls._parameter_constraints.items()
            if options != "no_validation"
        }
        cls._made_constraints = constraints
        cls._valid_settings = {}
    params = estimator.get_params(deep=False)
    setting = _setting(params)
    if setting is not None and setting in cls._valid_settings:
        return
    for name, value in params.items():
        options = constraints.get(name)
        if options is not None and not any(c.is_satisfied_by(value) for c in options):
            # scikit-learn's own check raises its own error message
            validate_parameter_constraints(cls._parameter_constraints, params, cls.__name__)
    if setting is not None:
        if len(cls._valid_settings) >= _MAX_VALID_SETTINGS:
            cls._valid_settings.clear()
        cls._valid_settings[setting] = True


def _setting(params: dict):
    """A hashable key of the parameters' values and types (a list or tuple by its
    items'), or None if a value cannot be hashed."""
    key = tuple(
        (name, type(v), tuple((type(e), e) for e in v) if type(v) in (list, tuple) else v)
        for name, v in params.items()
    )
    try:
        hash(key)
    except TypeError:
        return None
    return key


def check_sample_weight(sample_weight, X):
    """``_check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)``;
    without weights, ones (what it returns then) without its ~0.1 ms of checks."""
    if sample_weight is None:
        return np.ones(X.shape[0], dtype=X.dtype)
    return _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
