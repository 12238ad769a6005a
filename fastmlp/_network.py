"""The network: flat parameter layout, forward pass and backpropagation.

All weights and biases live in one contiguous vector laid out as scikit-learn
packs them: every layer's coefficient matrix (fan_in × fan_out, C order), then
every layer's intercept vector.  ``sizes`` holds the units per layer, input
first.  Activations and deltas live in flat workspaces too; the block of layer
``l`` for a batch of ``m`` rows starts at ``m · (sizes[1] + … + sizes[l-1])``.
"""

import functools
import threading
from collections import namedtuple

import numpy as np
from numba import carray, types

from ._activations import (
    add_bias_activate,
    add_bias_activate_checked,
    add_bias_output,
    column_sums,
    multiply_derivative,
)
from ._blas import _FUNCTION, KERNEL_FIELDS, NN, NT, TN, compiled_gemm, empty_table, no_kernels
from ._jit import kernel, thread_worker
from ._linalg import all_finite, matmul, matmul_nt, matmul_tn, squared_norm
from ._losses import output_loss
from ._omp import JOB, NEXT, TEAM_FIELDS, claim, new_team, openmp_threads, pointer_to, run_team
from ._sparse import input_gradient, input_product, row_block
from ._views import as_matrix

Network = namedtuple("Network", "sizes hidden output loss")
Network.__doc__ = """Architecture: units per layer (int64 array) and the codes of the
hidden activation, output activation and loss."""


@kernel
def n_coefs(sizes):
    """Number of connection weights (the L2-regularised part of the vector)."""
    total = 0
    for l in range(sizes.size - 1):
        total += sizes[l] * sizes[l + 1]
    return total


@kernel
def coef(params, sizes, layer):
    """View of the weight matrix from layer ``layer`` to ``layer + 1``."""
    start = 0
    for l in range(layer):
        start += sizes[l] * sizes[l + 1]
    size = sizes[layer] * sizes[layer + 1]
    return as_matrix(params[start : start + size], sizes[layer], sizes[layer + 1])


@kernel
def intercept(params, sizes, layer):
    """View of the bias vector of layer ``layer + 1``."""
    start = n_coefs(sizes)
    for l in range(layer):
        start += sizes[l + 1]
    return params[start : start + sizes[layer + 1]]


@kernel
def block(buffer, sizes, layer, m):
    """The (m × sizes[layer]) block of a flat workspace, for layer >= 1."""
    start = 0
    for l in range(1, layer):
        start += m * sizes[l]
    return as_matrix(buffer[start : start + m * sizes[layer]], m, sizes[layer])


# forward and backprop are inlined into the kernels that call them (numba IR
# inlining): compiled on their own, their code was optimised and turned into
# machine code once more in every caller's module, ~2 s of the first fit's
# compilation.  (The small helpers stay separate: inlined, each call site is
# typed anew, which cost more than it saved.)
@kernel(inline="always")
def forward(X, params, net, acts, kernels, out, check_finite=None):
    """Forward pass of the batch X: the hidden layers into ``acts``, the output
    layer into ``out`` (m × sizes[-1]; a block of ``acts`` or of the caller's
    result).  ``kernels``: the layers' compiled products, see
    :func:`compiled_products`.

    Given ``check_finite`` (True), returns False if a value of the first product
    X · W was NaN or infinite -- as it is whenever a value of X is (a product or
    sum with NaN or ±inf is never finite); overflow from finite X can make it
    False too, so the caller confirms with X's values.  Omitted, returns True,
    and numba compiles no code for the check (it prunes the branch on None).
    """
    m = X.shape[0]
    sizes = net.sizes
    last = sizes.size - 2
    finite = True
    previous = out  # (typing only)
    for l in range(last + 1):
        Z = out if l == last else block(acts, sizes, l + 1, m)
        if l == 0:
            input_product(X, coef(params, sizes, l), Z, kernels, l)
        else:
            matmul(previous, coef(params, sizes, l), Z, kernels, l)
        b = intercept(params, sizes, l)
        if l < last:
            if check_finite is not None and l == 0:
                finite = add_bias_activate_checked(Z, b, net.hidden)
            else:
                add_bias_activate(Z, b, net.hidden)
        else:
            if check_finite is not None and l == 0:
                finite = all_finite(Z)  # no hidden layer: X · W checked before the output step
            add_bias_output(Z, b, net.output)
        previous = Z
    return finite


@kernel(inline="always")
def backprop(X, Y, sw, params, grads, net, acts, deltas, kernels):
    """Forward and backward pass over one batch.

    Fills ``grads`` with the raw gradient of the weighted loss sum (Σ outᵀδ per
    weight matrix, Σ δ per bias) and returns that weighted loss sum; the L2
    term and the division by the sum of weights are applied by the caller.
    """
    m = X.shape[0]
    sizes = net.sizes
    last = sizes.size - 2
    out = block(acts, sizes, last + 1, m)
    forward(X, params, net, acts, kernels, out)
    loss = output_loss(out, Y, sw, block(deltas, sizes, last + 1, m), net.loss)
    column_sums(block(deltas, sizes, last + 1, m), intercept(grads, sizes, last))
    for l in range(last, -1, -1):
        D = block(deltas, sizes, l + 1, m)
        if l == 0:
            input_gradient(X, D, coef(grads, sizes, l), kernels, l)
        else:
            matmul_tn(block(acts, sizes, l, m), D, coef(grads, sizes, l), kernels, l)
        if l > 0:  # δ of the layer below, and its bias gradient in the same pass
            previous = block(deltas, sizes, l, m)
            matmul_nt(D, coef(params, sizes, l), previous, kernels, l)
            multiply_derivative(previous, block(acts, sizes, l, m), net.hidden,
                                intercept(grads, sizes, l - 1))
    return loss


@kernel(nogil=True)
def objective_and_gradient(X, Y, sw, params, grads, net, acts, deltas, kernels, alpha):
    """scikit-learn's regularised objective and its full gradient over X.

    loss = (Σᵢ swᵢ·L(ŷᵢ, yᵢ) + ½·α·‖W‖²) / Σᵢ swᵢ, and ``grads`` receives its
    gradient; this is the lecture's batch gradient (used by L-BFGS and the
    gradient checks).
    """
    sw_sum = sw.sum()
    if sw_sum == 0.0:
        raise ZeroDivisionError("the sample weights sum to zero")
    loss = backprop(X, Y, sw, params, grads, net, acts, deltas, kernels)
    nc = n_coefs(net.sizes)
    for i in range(nc):
        grads[i] = (grads[i] + alpha * params[i]) / sw_sum
    for i in range(nc, params.size):
        grads[i] /= sw_sum
    return (loss + 0.5 * alpha * squared_norm(params, 0, nc)) / sw_sum


@kernel(nogil=True)
def predict_batch(X, params, sizes, hidden, output, loss, rows):
    """Network output for X, forwarded in chunks of at most ``rows`` rows.

    The network comes as the fields of a :class:`Network` (``*net``): numba types
    a namedtuple argument in Python, ~1 µs of each call (~10 % of a 1-row predict).
    """
    net = Network(sizes, hidden, output, loss)
    n = X.shape[0]
    acts = np.empty(min(rows, n) * net.sizes[1:].sum(), dtype=params.dtype)
    kernels = empty_table(net.sizes.size - 1)
    result = np.empty((n, net.sizes[-1]), dtype=params.dtype)
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        forward(row_block(X, start, stop), params, net, acts, kernels, row_block(result, start, stop))
    return result


# ------------------------------------------------------ prediction on MKL's threads
# A prediction of many rows is cut into pieces of PIECE_ROWS rows, which MKL's
# OpenMP threads claim one by one (fastmlp._omp), each forwarding its pieces with
# MKL code generated for that shape.  The job's fields of the team:
PIECE_ROWS = 128
_X, _ROWS, _COLS, _PARAMS, _N_PARAMS, _SIZES, _N_SIZES, _HIDDEN, _OUTPUT, _LOSS, _KERNELS, \
    _RESULT, _CHECK, _NOT_FINITE = range(JOB, JOB + 14)


@kernel
def _forward_pieces(data, like):
    """The worker's loop: claim pieces until none is left and forward each into the
    result.  The last piece ends at the last row, overlapping its predecessor; it
    is forwarded into ``acts`` and copies only the rows no other piece wrote, so
    every row comes from one piece.  The check of X's values rides on the first
    layer's bias step (:func:`forward`); X itself is read only where that
    finds a value that is not finite."""
    ints = carray(data, (TEAM_FIELDS,), np.int64)
    n, n_sizes = ints[_ROWS], ints[_N_SIZES]
    sizes = carray(pointer_to(ints[_SIZES], np.int64(0)), (n_sizes,))
    X = carray(pointer_to(ints[_X], like), (n, ints[_COLS]))
    params = carray(pointer_to(ints[_PARAMS], like), (ints[_N_PARAMS],))
    kernels = carray(pointer_to(ints[_KERNELS], np.int64(0)), (n_sizes - 1, 3, KERNEL_FIELDS))
    result = carray(pointer_to(ints[_RESULT], like), (n, sizes[n_sizes - 1]))
    net = Network(sizes, ints[_HIDDEN], ints[_OUTPUT], ints[_LOSS])
    acts = np.empty(PIECE_ROWS * sizes[1:].sum(), dtype=params.dtype)
    n_pieces = (n + PIECE_ROWS - 1) // PIECE_ROWS
    check = ints[_CHECK] != 0
    overlapping = block(acts, sizes, n_sizes - 1, PIECE_ROWS)
    piece = claim(ints)
    while piece < n_pieces:
        first = piece * PIECE_ROWS
        start = min(first, n - PIECE_ROWS)
        rows = row_block(X, start, start + PIECE_ROWS)
        out = row_block(result, start, start + PIECE_ROWS) if start == first else overlapping
        if not check:
            forward(rows, params, net, acts, kernels, out)
        elif not (forward(rows, params, net, acts, kernels, out, True) or all_finite(rows)):
            ints[_NOT_FINITE] = 1
        if start != first:
            for i in range(first, start + PIECE_ROWS):
                for j in range(out.shape[1]):
                    result[i, j] = out[i - start, j]
        piece = claim(ints)


@functools.cache
def _piece_worker(dtype):
    """The compiled worker for weights of ``dtype`` (compiled on the first shared
    prediction, then loaded from numba's cache)."""
    if dtype == np.float64:
        @thread_worker(types.void(types.voidptr))
        def worker(data):
            _forward_pieces(data, 0.0)
    else:
        @thread_worker(types.void(types.voidptr))
        def worker(data):
            _forward_pieces(data, np.float32(0.0))
    return worker


@functools.lru_cache(maxsize=64)
def _piece_kernels(sizes: tuple, dtype) -> np.ndarray | None:
    """Generated forward products for a piece, or None unless MKL made every one
    (a missing one would fall back to dgemm inside the team's threads)."""
    kernels = no_kernels(len(sizes) - 1)
    for l in range(len(sizes) - 1):
        kernels[l, NN] = compiled_gemm(PIECE_ROWS, sizes[l + 1], sizes[l], False, False, dtype)
    return kernels if kernels[:, NN, _FUNCTION].all() else None


def predict(X, params: np.ndarray, net: Network, rows: int,
            check_finite: bool = False) -> np.ndarray | None:
    """Network output for X (a C-contiguous ndarray or a CSR, in the weights' dtype).

    For a dense X, with MKL's threads available and at least two pieces of rows
    per thread, the threads share the pieces (measured on the W2 network,
    1,000 rows: ~120-170 instead of ~200-240 µs); otherwise :func:`predict_batch`
    in chunks of ``rows``.
    """
    threads = 1
    # two pieces for each of at least two threads, or the team is not worth asking about
    if type(X) is np.ndarray and X.shape[0] >= 2 * 2 * PIECE_ROWS:
        threads = openmp_threads()
        if X.shape[0] < 2 * threads * PIECE_ROWS:  # too few pieces to share evenly
            threads = 1
    kernels = _piece_kernels(tuple(net.sizes.tolist()), X.dtype) if threads > 1 else None
    if kernels is None:
        if check_finite and not all_finite(X):
            return None
        return predict_batch(X, params, *net, rows)
    ints = _prediction_team(X.dtype, threads)
    result = _predict_on_team(ints, X, params, *net, kernels, check_finite)
    return None if ints[_NOT_FINITE] else result


_teams = threading.local()


def _prediction_team(dtype, threads: int) -> np.ndarray:
    """The calling thread's team (its int64 array) for predictions in ``dtype`` on
    ``threads`` threads: made once (~5 µs), its fields rewritten by every call."""
    made = _teams.__dict__.setdefault("made", {})
    key = (np.dtype(dtype), threads)
    if key not in made:
        made[key] = new_team(_piece_worker(key[0]), threads, 0).ints
    return made[key]


@kernel
def _predict_on_team(ints, X, params, sizes, hidden, output, loss, kernels, check_finite):
    """Fill in the team's job and run it (addresses taken here: ~10 µs less than
    from Python; the network as in :func:`predict_batch`)."""
    result = np.empty((X.shape[0], sizes[-1]), dtype=params.dtype)
    ints[_X], ints[_ROWS], ints[_COLS] = X.ctypes.data, X.shape[0], X.shape[1]
    ints[_PARAMS], ints[_N_PARAMS] = params.ctypes.data, params.size
    ints[_SIZES], ints[_N_SIZES] = sizes.ctypes.data, sizes.size
    ints[_HIDDEN], ints[_OUTPUT], ints[_LOSS] = hidden, output, loss
    ints[_KERNELS], ints[_RESULT] = kernels.ctypes.data, result.ctypes.data
    ints[_CHECK], ints[_NOT_FINITE], ints[NEXT] = check_finite, 0, 0
    run_team(ints)
    return result


def compiled_products(sizes: np.ndarray, rows: int, dtype) -> np.ndarray:
    """Every product of a minibatch of ``rows`` rows as MKL-generated code.

    For each layer l: the forward product (rows × sizes[l]) · W (NN), the
    weight gradient outᵀ · δ (TN) and the delta δ · Wᵀ (NT; not for the input
    layer).
    A forward product onto a single output unit (a matrix-vector product) is
    left to fastmlp's own dot-product loop, which measured twice as fast as
    MKL's kernel for 64 × 64 × 1.  Entries MKL does not compile are zeros.
    """
    kernels = no_kernels(sizes.size - 1)
    for l in range(sizes.size - 1):
        fan_in, fan_out = int(sizes[l]), int(sizes[l + 1])
        if fan_out > 1 or rows == 1:
            kernels[l, NN] = compiled_gemm(rows, fan_out, fan_in, False, False, dtype)
        kernels[l, TN] = compiled_gemm(fan_in, fan_out, rows, True, False, dtype)
        if l > 0:
            kernels[l, NT] = compiled_gemm(rows, fan_in, fan_out, False, True, dtype)
    return kernels


def workspace_size(sizes: np.ndarray, rows: int) -> int:
    """Length of a flat activation / delta workspace for ``rows`` rows."""
    return int(rows * sizes[1:].sum())
