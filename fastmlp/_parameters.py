"""The flat parameter vector and the per-layer views scikit-learn users see.

``coefs_[i]`` and ``intercepts_[i]`` are views into one contiguous vector
(coefficients of every layer first, then intercepts, as scikit-learn packs
them for L-BFGS), so the kernels and the optimizers work on a single buffer.
"""

import numpy as np

from ._linalg import aligned_empty


def layer_units(n_features: int, hidden_layer_sizes, n_outputs: int) -> np.ndarray:
    """Units per layer, input first, as an int64 array."""
    return np.array([n_features, *hidden_layer_sizes, n_outputs], dtype=np.int64)


def views(params: np.ndarray, sizes: np.ndarray) -> tuple[list, list]:
    """Lists of per-layer coefficient and intercept views into ``params``."""
    coefs, intercepts, start = [], [], 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        coefs.append(params[start : start + fan_in * fan_out].reshape(fan_in, fan_out))
        start += fan_in * fan_out
    for fan_out in sizes[1:]:
        intercepts.append(params[start : start + fan_out])
        start += fan_out
    return coefs, intercepts


def pack(coefs, intercepts, dtype) -> np.ndarray:
    """A new flat vector holding ``coefs`` then ``intercepts`` (cache-line aligned:
    see :func:`fastmlp._linalg.aligned_empty`)."""
    parts = [np.ravel(a) for a in [*coefs, *intercepts]]
    return aligned_copy(np.concatenate(parts), dtype)


def aligned_copy(params: np.ndarray, dtype) -> np.ndarray:
    """A cache-line aligned copy of the flat vector ``params`` in ``dtype``."""
    copy = aligned_empty(params.shape, dtype)
    copy[...] = params
    return copy


def glorot_uniform(sizes: np.ndarray, activation: str, random_state, dtype) -> np.ndarray:
    """Glorot-uniform initial weights, drawn exactly as scikit-learn draws them.

    Each layer draws its coefficients then its intercepts from
    U(−b, b) with b = sqrt(f / (fan_in + fan_out)), f = 2 for the logistic
    activation and 6 otherwise; the same ``random_state`` therefore gives the
    same initial network as ``sklearn.neural_network``.
    """
    factor = 2.0 if activation == "logistic" else 6.0
    coefs, intercepts = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = np.sqrt(factor / (fan_in + fan_out))
        coefs.append(random_state.uniform(-bound, bound, (fan_in, fan_out)))
        intercepts.append(random_state.uniform(-bound, bound, fan_out))
    return pack(coefs, intercepts, dtype)
