"""Loss functions: the loss of a batch and the output delta ∂L/∂z in one pass.

The lecture's two kinds of classification loss: losses that compare
*distributions* (the log-loss of the softmax or logistic output) and losses
over raw class *scores* (the hinge).

Each loss over distributions or values is paired with its canonical output
activation (identity with squared error, logistic with binary log-loss,
softmax with multinomial log-loss, exp with Poisson deviance), so the output
delta is simply ``sample_weight · (ŷ − y)``.  The values match scikit-learn's
definitions in ``sklearn.neural_network._base``: the squared error is
½(y − ŷ)² averaged over outputs, probabilities are clipped to [eps, 1 − eps]
inside the logarithm.

The hinge losses take the identity output's scores o (Goldberg, *A Primer on
Neural Network Models for NLP*, 2015, the lecture's source): for one class
among k, max(0, 1 − (o_t − o_r)) with t the true class and r the highest
scoring other one (Crammer and Singer; ∂L/∂o_t = −1, ∂L/∂o_r = +1 while the
margin is below 1, else 0); for two classes and for each label of a multilabel
target, max(0, 1 − s·o) with s = ±1 the label's sign.  A NaN score gives a
NaN loss, never a silent 0.  Hinge fits pass their targets as booleans, which
selects the hinge's kernel at compile time (:func:`output_loss`).
"""

import math

import numpy as np
from numba import types
from numba.extending import intrinsic

from ._jit import direct_call, kernel

SQUARED_ERROR, LOG_LOSS, BINARY_LOG_LOSS, POISSON, HINGE, BINARY_HINGE = range(6)

LOSSES = {
    "squared_error": SQUARED_ERROR,
    "log_loss": LOG_LOSS,
    "binary_log_loss": BINARY_LOG_LOSS,
    "poisson": POISSON,
    "hinge": HINGE,
    "binary_hinge": BINARY_HINGE,
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
def hinge_losses(out, Y, sw, delta, code):
    """Write the output delta ``sw · ∂L/∂o`` of a hinge loss (``code`` HINGE or
    BINARY_HINGE, see the module's docstring) for the boolean targets ``Y`` and
    return the weighted loss sum; a NaN score gives NaN loss and deltas."""
    m, k = out.shape
    total = 0.0
    for i in range(m):
        w = sw[i]
        zero = w - w
        if code == HINGE:  # Crammer-Singer: the true class t against its rival r
            t = 0
            for j in range(k):
                delta[i, j] = zero
                if Y[i, j]:
                    t = j
            r = 1 if t == 0 else 0  # the highest other score, the first on ties
            for j in range(r + 1, k):
                if j != t and out[i, j] > out[i, r]:
                    r = j
            margin = out[i, t] - out[i, r]
            if not margin >= 1.0:
                total += w * (1.0 - margin)
                delta[i, t] = -w if margin == margin else margin
                delta[i, r] = w if margin == margin else margin
        else:  # binary, per output: the margin s·o with s = ±1
            for j in range(k):
                p = out[i, j]
                margin = p if Y[i, j] else -p
                if margin >= 1.0:
                    delta[i, j] = zero
                else:
                    total += w * (1.0 - margin)
                    delta[i, j] = (-w if Y[i, j] else w) if margin == margin else p
    return total


@intrinsic
def output_loss(typingctx, out, Y, sw, delta, code):
    """The output delta and weighted loss sum of the network output ``out``:
    :func:`hinge_losses` for boolean targets ``Y`` (the hinge's class labels),
    else :func:`loss_and_output_delta`.  Chosen by Y's type when compiled, so a
    fit compiles only the one it uses (the hinge's loops added ~0.6 s to every
    first compile while they were a branch of the other); compiled code only."""
    if not isinstance(Y, types.Array):
        return None
    chosen = hinge_losses if Y.dtype == types.boolean else loss_and_output_delta
    return direct_call(typingctx, chosen, (out, Y, sw, delta, code))


@kernel
def loss_and_output_delta(out, Y, sw, delta, code):
    """Write ``delta = sw · (out − Y)`` and return the weighted loss sum, for
    the losses paired with their canonical output activation.

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
