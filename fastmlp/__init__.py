"""fastmlp: scikit-learn's multi-layer perceptrons, trained by numba-compiled kernels.

``from fastmlp import MLPClassifier, MLPRegressor`` replaces the estimators of
``sklearn.neural_network`` with the same parameters, attributes and results.
"""

from ._cache import ensure_writable_numba_cache

ensure_writable_numba_cache()

from ._base import DivergenceError, ZeroWeightBatchError  # noqa: E402
from ._classifier import MLPClassifier  # noqa: E402
from ._config import config_context, get_config, set_config  # noqa: E402
from ._regressor import MLPRegressor  # noqa: E402

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
