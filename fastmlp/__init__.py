"""fastmlp: scikit-learn's multi-layer perceptrons, trained by numba-compiled kernels.

``from fastmlp import MLPClassifier, MLPRegressor`` replaces the estimators of
``sklearn.neural_network`` with the same parameters, attributes and results;
``HingeMLPClassifier`` trains on class scores with the hinge loss instead.

``import fastmlp`` alone is cheap: the estimators (and with them scikit-learn
and numba, which take about a second to import) are loaded on first access
(PEP 562 module ``__getattr__``).
"""

from importlib import import_module
from typing import TYPE_CHECKING

from ._config import config_context, get_config, set_config

if TYPE_CHECKING:  # what type checkers see; at run time __getattr__ imports on first access
    from ._blas import blas_backend
    from ._classifier import MLPClassifier
    from ._errors import DivergenceError, ZeroWeightBatchError
    from ._hinge import HingeMLPClassifier
    from ._onnx import register_onnx_converters
    from ._regressor import MLPRegressor

__version__ = "0.1.0"

# public name -> submodule that defines it, imported on first access
_LAZY = {
    "DivergenceError": "._errors",
    "blas_backend": "._blas",
    "HingeMLPClassifier": "._hinge",
    "MLPClassifier": "._classifier",
    "MLPRegressor": "._regressor",
    "ZeroWeightBatchError": "._errors",
    "register_onnx_converters": "._onnx",
}

__all__ = [
    "DivergenceError",
    "HingeMLPClassifier",
    "MLPClassifier",
    "MLPRegressor",
    "ZeroWeightBatchError",
    "__version__",
    "blas_backend",
    "config_context",
    "get_config",
    "register_onnx_converters",
    "set_config",
]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value  # later accesses skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
