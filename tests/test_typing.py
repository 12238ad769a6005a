"""The public API's annotations resolve, and type checkers are told to read them.

The estimators' modules postpone their annotations (they name aliases that
only type checkers import, see fastmlp/_typing.py), so a misspelt name would
surface only in a user's type checker; here each one is evaluated.
"""

import typing
from pathlib import Path

import numpy as np
import pytest

import fastmlp
from fastmlp import _typing

PUBLIC_METHODS = [
    (fastmlp.MLPClassifier, ["fit", "partial_fit", "predict", "predict_proba", "predict_log_proba"]),
    (fastmlp.MLPRegressor, ["fit", "partial_fit", "predict"]),
    (fastmlp.HingeMLPClassifier, ["fit", "partial_fit", "predict", "decision_function"]),
]


@pytest.mark.parametrize("cls, names", PUBLIC_METHODS, ids=lambda v: getattr(v, "__name__", ""))
def test_public_methods_annotations_resolve(cls, names):
    for name in names:
        method = getattr(cls, name)
        method = getattr(method, "__wrapped__", method)  # scikit-learn's _fit_context
        hints = typing.get_type_hints(method, localns=vars(_typing))
        assert hints["X"] == _typing.MatrixLike, (cls.__name__, name)
        assert "return" in hints, (cls.__name__, name)
        if name.startswith("predict") or name == "decision_function":
            assert hints["return"] is np.ndarray


def test_the_package_says_it_is_typed():
    assert (Path(fastmlp.__file__).parent / "py.typed").is_file()
