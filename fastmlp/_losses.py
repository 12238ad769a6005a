"""Loss functions: the loss of a batch and the output delta ∂L/∂z in one pass.

Every loss here is paired with its canonical output activation (identity with
squared error, logistic with binary log-loss, softmax with multinomial
log-loss, exp with Poisson deviance), so the output delta is simply
``sample_weight · (ŷ − y)``.  The values match scikit-learn's definitions in
``sklearn.neural_network._base``: the squared error is ½(y − ŷ)² averaged over
outputs, probabilities are clipped to [eps, 1 − eps] inside the logarithm.
"""

import math

import numpy as np

from ._jit import kernel

SQUARED_ERROR, LOG_LOSS, BINARY_LOG_LOSS, POISSON = 0, 1, 2, 3

LOSSES = {
    "squared_error": SQUARED_ERROR,
    "log_loss": LOG_LOSS,
    "binary_log_loss": BINARY_LOG_LOSS,
    "poisson": POISSON,
}


@kernel(inline="always")
def _xlogy(x, y):
    return 0.0 if x == 0 else x * math.log(y)


@kernel(inline="always")
def sample_loss(y, p, code, eps):
    """The loss contributed by one output: target ``y``, prediction ``p``."""
    if code == SQUARED_ERROR:
        return 0.5 * (y - p) * (y - p)
    if code == LOG_LOSS:
        return -_xlogy(y, min(max(p, eps), 1.0 - eps))
    if code == BINARY_LOG_LOSS:
        q = min(max(p, eps), 1.0 - eps)
        return -(_xlogy(y, q) + _xlogy(1.0 - y, 1.0 - q))
    # half Poisson deviance, with scikit-learn's constant term y·log(y) − y
    return _xlogy(y, y / p) - y + p


@kernel
def loss_and_output_delta(out, Y, sw, delta, code):
    """Write ``delta = sw · (out − Y)`` and return the weighted loss sum.

    The caller divides by the sum of the weights.  For squared error the sum
    is averaged over the outputs, as scikit-learn reports it.
    """
    m, k = out.shape
    eps = np.finfo(out.dtype).eps
    total = 0.0
    for i in range(m):
        row = 0.0
        for j in range(k):
            p = out[i, j]
            y = Y[i, j]
            row += sample_loss(y, p, code, eps)
            delta[i, j] = sw[i] * (p - y)
        total += sw[i] * row
    if code == SQUARED_ERROR:
        total /= k
    return total
