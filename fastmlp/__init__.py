"""fastmlp: scikit-learn's multi-layer perceptrons, trained by numba-compiled kernels.

``from fastmlp import MLPClassifier, MLPRegressor`` replaces the estimators of
``sklearn.neural_network`` with the same parameters, attributes and results.
"""

from ._base import DivergenceError, ZeroWeightBatchError
from ._classifier import MLPClassifier
from ._config import config_context, get_config, set_config
from ._regressor import MLPRegressor

__version__ = "0.1.0"
__all__ = [
    "DivergenceError",
    "MLPClassifier",
    "MLPRegressor",
    "ZeroWeightBatchError",
    "__version__",
    "config_context",
    "get_config",
    "set_config",
]
