"""Stochastic optimizers: a state vector plus one fused update over all parameters.

As in optax, an optimizer is its state and a pure update rule over the flat
parameter vector.  One compiled loop finishes the raw gradient (adds the L2
term α·w, divides by the batch's sum of sample weights), updates the optimizer
state and the weights in place, so every layer is updated in a single pass
over memory.  Learning-rate schedules ('invscaling', 'adaptive') change
``hyper[LR]`` between epochs, as scikit-learn's SGDOptimizer does.
"""

import functools
import math
from collections import namedtuple

import numpy as np
from numba import carray, types

from ._adam_lanes import STEP, adam_lanes
from ._fpu import HAS_MXCSR, adopt_flushing, read_mode, write_mode
from ._jit import kernel, thread_worker
from ._linalg import reassociable_add
from ._omp import (
    JOB,
    NEXT,
    PARALLEL,
    TEAM_FIELDS,
    VALUES,
    Team,
    claim,
    new_team,
    no_team,
    openmp_threads,
    pointer_to,
    run_team,
)

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
        return float(step_size(self.code, self.hyper, self.step[0]))


@kernel
def step_size(code, hyper, t):
    """The learning rate of update ``t`` (Adam's with its bias correction, as scikit-learn).

    ``math.pow`` with a float exponent is C's ``pow``, as Python's ``β ** t`` in
    scikit-learn; numba's ``**`` with an integer exponent multiplies by repeated
    squaring, which differs in the last bit for many ``t``."""
    lr = hyper[LR]
    if code == ADAM and t > 0:
        lr = lr * math.sqrt(1.0 - math.pow(hyper[BETA_2], float(t))) / (
            1.0 - math.pow(hyper[BETA_1], float(t)))
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


# Parameters are updated in chunks; the squares are summed per chunk and the
# chunks' sums added in chunk order, whichever thread updated them.  When the
# fit's products run on MKL's threads, those threads share the chunks (see
# fastmlp._omp; a numba parallel region here left numba's own threads spinning
# on the core that the BLAS's second thread needed, which cost W4 more than
# the threads gained).
CHUNK = 2048


@kernel
def _flush(x, tiny):
    """x, or zero if |x| is subnormal (branch-free: a compare and a select).

    ``x - x`` rather than ``0.0``: a float64 literal would turn float32 math into
    float64 and keep LLVM from vectorising the float32 update.  On x86-64 the
    update runs in the CPU's flush-to-zero mode (:mod:`fastmlp._fpu`), which
    already makes every subnormal result zero: there this is x (the update of
    W2's 4,810 weights with SGD's Nesterov momentum 2.1 instead of 3.0 µs)."""
    if HAS_MXCSR:
        return x
    return x if abs(x) >= tiny else x - x


@kernel
def _update(params, grads, s1, s2, code, c):
    """Update ``params`` from the scaled gradient c[0]·(grads + c[1]·params);
    return Σ params² before the update (summed in float64 on the way: the loop
    is bound by the square root and the division, so the sum is free).

    All arrays are the same slice of their vectors (indexing from 0 lets LLVM
    vectorise).  ``c`` holds the constants in the parameters' dtype: scale,
    alpha, lr, (SGD) momentum, Nesterov flag or (Adam) β₁, 1 − β₁, β₂,
    1 − β₂, ε, and the smallest normal number.

    Weights and moments below the smallest normal number are set to zero (by
    the CPU's flush-to-zero mode during training on x86-64, else by
    :func:`_flush`).  Without that, the weights and moments
    of a dead ReLU unit shrink geometrically into the subnormal range and
    stay there (0.9 times the smallest subnormal rounds back to it), and
    every arithmetic operation on a subnormal costs ~100 cycles: measured,
    W1 took 11.5 instead of 4.6 µs per step after ~40 epochs.  No weight moves by
    more than 10⁻³⁰⁷ through it.  (Adam's update runs sixteen parameters at a
    time in :mod:`fastmlp._adam_lanes`, with the same results.)
    """
    scale, alpha, lr, tiny = c[0], c[1], c[2], c[8]
    squares = 0.0
    if code == ADAM:  # sixteen at a time (fastmlp._adam_lanes), then the rest one by one
        done = 0
        while done + STEP <= params.size:
            squares += adam_lanes(params, grads, s1, s2, done, c)
            done += STEP
        b1, b1c, b2, b2c, eps = c[3], c[4], c[5], c[6], c[7]
        for i in range(done, params.size):
            w = params[i]
            squares = reassociable_add(squares, w * w)
            g = (grads[i] + alpha * w) * scale
            m = _flush(b1 * s1[i] + b1c * g, tiny)
            v = _flush(b2 * s2[i] + b2c * (g * g), tiny)
            s1[i] = m
            s2[i] = v
            params[i] = _flush(w - lr * m / (np.sqrt(v) + eps), tiny)
    elif c[4] != 0.0:  # Nesterov
        mu = c[3]
        for i in range(params.size):
            w = params[i]
            squares = reassociable_add(squares, w * w)
            g = (grads[i] + alpha * w) * scale
            v = _flush(mu * s1[i] - lr * g, tiny)
            s1[i] = v
            params[i] = _flush(w + (mu * v - lr * g), tiny)
    else:
        mu = c[3]
        for i in range(params.size):
            w = params[i]
            squares = reassociable_add(squares, w * w)
            g = (grads[i] + alpha * w) * scale
            v = _flush(mu * s1[i] - lr * g, tiny)
            s1[i] = v
            params[i] = _flush(w + v, tiny)
    return squares


@kernel
def _update_chunk(params, grads, s1, s2, lo, hi, n_coef, code, c, c_bias):
    """Update one chunk; return Σ w² of its coefficients before the update."""
    mid = min(max(lo, n_coef), hi)
    squares = _update(params[lo:mid], grads[lo:mid], s1[lo:mid], s2[lo:mid], code, c)
    _update(params[mid:hi], grads[mid:hi], s1[mid:hi], s2[mid:hi], code, c_bias)
    return squares


@kernel
def optimizer_step(params, grads, opt, n_coef, alpha, sw_sum, team):
    """Apply one update from the raw batch gradient ``grads``.

    Returns ‖W‖² of the weights *before* the update (those the batch loss was
    computed with), so the caller gets the L2 term without another pass.
    Chunks are summed in a fixed order, so the result is deterministic.  With
    a ``team`` (:func:`optimizer_team`) MKL's threads update the chunks; the
    result is the same bit for bit.
    """
    n = params.size
    h = opt.hyper
    opt.step[0] += 1
    lr = step_size(opt.code, h, opt.step[0])
    if opt.code == ADAM:
        s2 = opt.state[n:]
        rest = (h[BETA_1], 1.0 - h[BETA_1], h[BETA_2], 1.0 - h[BETA_2], h[EPSILON])
    else:
        s2 = opt.state[:n]
        rest = (h[MOMENTUM], h[NESTEROV], 0.0, 0.0, 0.0)
    s1 = opt.state[:n]
    typed = params.dtype.type
    tiny = np.finfo(params.dtype).tiny
    c = (typed(1.0 / sw_sum), typed(alpha), typed(lr), typed(rest[0]), typed(rest[1]),
         typed(rest[2]), typed(rest[3]), typed(rest[4]), typed(tiny))
    c_bias = (c[0], typed(0.0), c[2], c[3], c[4], c[5], c[6], c[7], c[8])
    n_chunks = (n + CHUNK - 1) // CHUNK
    if team.ints[PARALLEL] != 0:
        return _step_on_team(params, grads, s1, s2, n_coef, opt.code, c, c_bias, team, n_chunks)
    squares = 0.0
    for k in range(n_chunks):
        lo = k * CHUNK
        squares += _update_chunk(params, grads, s1, s2, lo, min(lo + CHUNK, n), n_coef,
                                 opt.code, c, c_bias)
    return squares


# ------------------------------------------------------------ on MKL's threads
# The job's fields of a team (fastmlp._omp): the arrays' addresses, sizes, code.
_PARAMS, _GRADS, _S1, _S2, _N, _N_COEF, _CODE, _MODE = range(JOB, JOB + 8)
_N_CONSTANTS = 9  # c and c_bias of optimizer_step, then one ‖W‖² per chunk in team.values


@kernel
def _step_on_team(params, grads, s1, s2, n_coef, code, c, c_bias, team, n_chunks):
    ints, values = team
    for i in range(_N_CONSTANTS):
        values[i] = c[i]
        values[_N_CONSTANTS + i] = c_bias[i]
    ints[_PARAMS], ints[_GRADS] = params.ctypes.data, grads.ctypes.data
    ints[_S1], ints[_S2] = s1.ctypes.data, s2.ctypes.data
    ints[_N], ints[_N_COEF], ints[_CODE], ints[NEXT] = params.size, n_coef, code, 0
    ints[_MODE] = read_mode()  # the threads flush subnormals if this one does
    run_team(ints)
    squares = 0.0
    for k in range(n_chunks):
        squares += values[2 * _N_CONSTANTS + k]
    return squares


@kernel
def _claimed_chunks(data, like):
    """The worker's loop: claim chunks until none is left, update each (for
    parameters of ``like``'s dtype) and record its ‖W‖², in the calling
    thread's subnormal mode (fastmlp._fpu)."""
    ints = carray(data, (TEAM_FIELDS,), np.int64)
    n = ints[_N]
    n_chunks = (n + CHUNK - 1) // CHUNK
    params = carray(pointer_to(ints[_PARAMS], like), (n,))
    grads = carray(pointer_to(ints[_GRADS], like), (n,))
    s1 = carray(pointer_to(ints[_S1], like), (n,))
    s2 = carray(pointer_to(ints[_S2], like), (n,))
    values = carray(pointer_to(ints[VALUES], 0.0), (2 * _N_CONSTANTS + n_chunks,))
    typed = params.dtype.type
    c = (typed(values[0]), typed(values[1]), typed(values[2]), typed(values[3]),
         typed(values[4]), typed(values[5]), typed(values[6]), typed(values[7]),
         typed(values[8]))
    k = _N_CONSTANTS
    c_bias = (typed(values[k]), typed(values[k + 1]), typed(values[k + 2]),
              typed(values[k + 3]), typed(values[k + 4]), typed(values[k + 5]),
              typed(values[k + 6]), typed(values[k + 7]), typed(values[k + 8]))
    n_coef, code = ints[_N_COEF], ints[_CODE]
    previous = adopt_flushing(ints[_MODE])
    chunk = claim(ints)
    while chunk < n_chunks:
        lo = chunk * CHUNK
        values[2 * _N_CONSTANTS + chunk] = _update_chunk(
            params, grads, s1, s2, lo, min(lo + CHUNK, n), n_coef, code, c, c_bias)
        chunk = claim(ints)
    write_mode(previous)


_WORKER_SIGNATURE = types.void(types.voidptr)


@functools.cache
def _worker(dtype):
    """The compiled worker for parameters of ``dtype`` (compiled on the first fit
    that needs it, then loaded from numba's cache)."""
    if dtype == np.float64:
        @thread_worker(_WORKER_SIGNATURE)
        def worker(data):
            _claimed_chunks(data, 0.0)
    else:
        @thread_worker(_WORKER_SIGNATURE)
        def worker(data):
            _claimed_chunks(data, np.float32(0.0))
    return worker


# below this many parameters per thread the update is too short to share
TEAM_MIN_PARAMS_PER_THREAD = 2 * CHUNK


def optimizer_team(n_params: int, dtype, threads: int) -> Team:
    """A team for optimizer_step on ``threads`` of MKL's threads (when they exist
    and the update is long enough to share), else one that runs serially."""
    n_chunks = (n_params + CHUNK - 1) // CHUNK
    if threads < 2 or n_params < TEAM_MIN_PARAMS_PER_THREAD * threads or not openmp_threads() > 1:
        return no_team()
    return new_team(_worker(np.dtype(dtype)), threads, 2 * _N_CONSTANTS + n_chunks)
