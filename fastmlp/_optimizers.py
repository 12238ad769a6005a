"""Stochastic optimizers: a state vector plus one fused update over all parameters.

As in optax, an optimizer is its state and a pure update rule over the flat
parameter vector.  One compiled loop finishes the raw gradient (adds the L2
term α·w, divides by the batch's sum of sample weights), updates the optimizer
state and the weights in place, so every layer is updated in a single pass
over memory.  Learning-rate schedules ('invscaling', 'adaptive') change
``hyper[LR]`` between epochs, as scikit-learn's SGDOptimizer does.
"""

import math
from collections import namedtuple

import numpy as np
from numba import njit

SGD, ADAM = 0, 1
LR, MOMENTUM, NESTEROV, BETA_1, BETA_2, EPSILON = range(6)

class Optimizer(namedtuple("Optimizer", "code state step hyper")):
    """Optimizer code, state vector (SGD: velocities; Adam: first then
    second moments), update counter (int64 array of length 1) and hyper-parameters
    (float64 array indexed by LR, MOMENTUM, NESTEROV, BETA_1, BETA_2, EPSILON)."""

    __slots__ = ()

    @property
    def learning_rate(self) -> float:
        """The current step size, as scikit-learn's optimizers expose it (Adam's
        includes the bias correction of the last update)."""
        lr = float(self.hyper[LR])
        t = int(self.step[0])
        if self.code == ADAM and t > 0:
            lr *= math.sqrt(1.0 - self.hyper[BETA_2] ** t) / (1.0 - self.hyper[BETA_1] ** t)
        return lr


def make_optimizer(solver: str, n_params: int, dtype, *, learning_rate_init, momentum=0.9,
                   nesterovs_momentum=True, beta_1=0.9, beta_2=0.999, epsilon=1e-8) -> Optimizer:
    """A fresh optimizer state for ``n_params`` parameters."""
    code = ADAM if solver == "adam" else SGD
    hyper = np.array(
        [learning_rate_init, momentum, float(nesterovs_momentum), beta_1, beta_2, epsilon],
        dtype=np.float64,
    )
    state = np.zeros((2 if code == ADAM else 1) * n_params, dtype=dtype)
    return Optimizer(code, state, np.zeros(1, dtype=np.int64), hyper)


@njit(cache=True, inline="always")
def _update(params, s1, s2, i, g, code, lr, h):
    if code == ADAM:
        m = h[BETA_1] * s1[i] + (1.0 - h[BETA_1]) * g
        v = h[BETA_2] * s2[i] + (1.0 - h[BETA_2]) * g * g
        s1[i] = m
        s2[i] = v
        params[i] += -lr * m / (math.sqrt(v) + h[EPSILON])
    else:
        v = h[MOMENTUM] * s1[i] - lr * g
        s1[i] = v
        if h[NESTEROV] != 0.0:
            params[i] += h[MOMENTUM] * v - lr * g
        else:
            params[i] += v


@njit(cache=True)
def optimizer_step(params, grads, opt, n_coef, alpha, sw_sum):
    """Apply one update from the raw batch gradient ``grads``.

    Returns ‖W‖² of the weights *before* the update (those the batch loss was
    computed with), so the caller gets the L2 term without another pass.
    """
    n = params.size
    h = opt.hyper
    lr = h[LR]
    opt.step[0] += 1
    if opt.code == ADAM:
        t = opt.step[0]
        lr = lr * math.sqrt(1.0 - h[BETA_2] ** t) / (1.0 - h[BETA_1] ** t)
        s2 = opt.state[n:]
    else:
        s2 = opt.state[:n]
    s1 = opt.state[:n]
    squares = 0.0
    for i in range(n_coef):
        w = params[i]
        squares += w * w
        _update(params, s1, s2, i, (grads[i] + alpha * w) / sw_sum, opt.code, lr, h)
    for i in range(n_coef, n):
        _update(params, s1, s2, i, grads[i] / sw_sum, opt.code, lr, h)
    return squares
