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
from sklearn.utils.validation import validate_data

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
        magnitude = largest_magnitude(X)
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


def check_X(estimator, X):
    """``validate_data(estimator, X, reset=False)`` as predict calls it."""
    if _plain_float_matrix(X) and _features_match(estimator, X, reset=False) and all_finite(X):
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


def check_params(estimator) -> None:
    """``estimator._validate_params()``, with the constraint objects built once per class."""
    cls = type(estimator)
    constraints = cls.__dict__.get("_made_constraints")
    if constraints is None:
        constraints = {
            name: [make_constraint(c) for c in options]
            for name, options in cls._parameter_constraints.items()
            if options != "no_validation"
        }
        cls._made_constraints = constraints
    params = estimator.get_params(deep=False)
    for name, value in params.items():
        options = constraints.get(name)
        if options is not None and not any(c.is_satisfied_by(value) for c in options):
            # scikit-learn's own check raises its own error message
            validate_parameter_constraints(cls._parameter_constraints, params, cls.__name__)
