"""Matrix products for the kernels: BLAS for large shapes, compiled loops for small.

A BLAS call costs about a microsecond before it does any work, which dominates
stochastic (batch of 1) and small-minibatch training; below ``BLAS_MIN_FLOPS``
the products run as plain loops that LLVM vectorises.  All three take the
output array and overwrite it, and a table of kernels and a layer:
``kernels[layer, op]`` (op NN, TN or NT by the function) is MKL's code
generated for one shape (:func:`fastmlp._blas.compiled_gemm`), which runs
instead when it was made for this product's shape (all zeros: none).
"""

import math
import threading

import numpy as np
from numba import types
from numba.extending import intrinsic

from ._blas import NN, NT, TN, gemm, run_compiled
from ._jit import kernel
from ._threads import current_counts
from ._views import as_vector

BLAS_MIN_FLOPS = 4096
FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))  # what the kernels compute in
# below this many output columns a row-update loop is too short to vectorise,
# so the products run as one running sum per output instead
NARROW = 8
ALIGNMENT = 64  # bytes: a cache line, and one 512-bit vector


def aligned_empty(shape, dtype) -> np.ndarray:
    """``np.empty(shape, dtype)`` starting on an ``ALIGNMENT``-byte boundary.

    MKL's products load and store 512-bit vectors on this CPU; on np.empty's
    buffers (32 bytes past a cache line here) every such access straddles two
    lines (measured alone: a 32 × 64 × 64 product 5 % slower, its TN twin 15 %).
    The fit's parameter vector and workspaces come from here; whole fits gain
    less than the noise resolves (``benchmarks/ab.py 6549054 --both-orders``,
    four runs: W5 0.99–1.06×, W2 0.99–1.02×, W1 0.99–1.00×).
    """
    dtype = np.dtype(dtype)
    count = math.prod(shape) if isinstance(shape, tuple) else int(shape)
    raw = np.empty(count + ALIGNMENT // dtype.itemsize, dtype=dtype)
    start = (-raw.__array_interface__["data"][0] % ALIGNMENT) // dtype.itemsize  # (.ctypes: 2 µs)
    return raw[start : start + count].reshape(shape)


@kernel
def matmul(A, B, C, kernels, layer):
    """C ← A · B."""
    m, k = A.shape
    n = B.shape[1]
    if run_compiled(kernels, layer, NN, A, B, C, m, n, k):
        return
    if m * k * n >= BLAS_MIN_FLOPS:
        gemm(A, B, C, False, False)
        return
    if n < NARROW:
        for i in range(m):
            for j in range(n):
                s = 0.0
                for p in range(k):
                    s += A[i, p] * B[p, j]
                C[i, j] = s
        return
    for i in range(m):
        a = A[i, 0]
        for j in range(n):
            C[i, j] = a * B[0, j]
        for p in range(1, k):
            a = A[i, p]
            for j in range(n):
                C[i, j] += a * B[p, j]


@kernel
def matmul_tn(A, B, C, kernels, layer):
    """C ← Aᵀ · B  (the weight gradient outᵀ · δ)."""
    k, m = A.shape
    n = B.shape[1]
    if run_compiled(kernels, layer, TN, A, B, C, m, n, k):
        return
    if m * k * n >= BLAS_MIN_FLOPS:
        gemm(A, B, C, True, False)
        return
    if n < NARROW:
        for i in range(m):
            for j in range(n):
                s = 0.0
                for p in range(k):
                    s += A[p, i] * B[p, j]
                C[i, j] = s
        return
    for i in range(m):
        a = A[0, i]
        for j in range(n):
            C[i, j] = a * B[0, j]
    for p in range(1, k):
        for i in range(m):
            a = A[p, i]
            for j in range(n):
                C[i, j] += a * B[p, j]


@kernel
def matmul_nt(A, B, C, kernels, layer):
    """C ← A · Bᵀ  (the backpropagated delta δ · Wᵀ)."""
    m, k = A.shape
    n = B.shape[0]
    if run_compiled(kernels, layer, NT, A, B, C, m, n, k):
        return
    if m * k * n >= BLAS_MIN_FLOPS:
        gemm(A, B, C, False, True)
        return
    if k < NARROW:
        # few terms per output: sweep whole rows of C instead of short sums
        for i in range(m):
            a = A[i, 0]
            for j in range(n):
                C[i, j] = a * B[j, 0]
            for p in range(1, k):
                a = A[i, p]
                for j in range(n):
                    C[i, j] += a * B[j, p]
        return
    for i in range(m):
        for j in range(n):
            s = 0.0
            for p in range(k):
                s += A[i, p] * B[j, p]
            C[i, j] = s


@intrinsic
def reassociable_add(typingctx, a, b):
    """a + b (b converted to a's type), marked so that LLVM may reorder a chain
    of such sums.

    Only this addition carries the flag (numba's ``fastmath`` would mark every
    operation of the function): a loop that sums into ``s`` with it is
    vectorised with several partial sums, the rest of the loop keeps IEEE
    order.  The order LLVM picks is fixed by the compiled code, so results are
    deterministic on a machine."""
    if not (isinstance(a, types.Float) and isinstance(b, types.Float)):
        return None

    def codegen(context, builder, signature, args):
        addend = context.cast(builder, args[1], b, a)
        return builder.fadd(args[0], addend, flags=("reassoc", "nsz"))

    return a(a, b), codegen


@kernel
def squared_norm(x, lo, hi):
    """Σ x[lo:hi]² summed in float64 (partial sums in an order LLVM picks to vectorise)."""
    s = 0.0
    for i in range(lo, hi):
        s = reassociable_add(s, x[i] * x[i])
    return s


@kernel
def _count_exponent_all_ones(bits, mask):
    count = 0
    for i in range(bits.size):
        count += (bits[i] & mask) == mask
    return count


@kernel(nogil=True)
def _largest_masked(bits, mask):
    top = bits[0] & mask
    for i in range(1, bits.size):
        top = max(top, bits[i] & mask)
    return top


# values per thread below which one thread scans: a thread costs ~0.1 ms to start
SCAN_VALUES_PER_THREAD = 4_000_000


def largest_magnitude(X: np.ndarray, threads: int | None = 1) -> float:
    """max |x| over the C-contiguous float64/float32 array X (0 if empty); NaN or
    inf if X holds one.

    Without the sign bit a float's bit pattern orders like its magnitude, and
    NaN and inf have the largest patterns: an integer max that vectorises, one
    pass and no temporary (numpy's max and min take two).  A large X is cut into
    up to ``threads`` pieces scanned at once (None: as many as the BLAS products
    run on; W4's X on two cores: ~9.5 instead of ~15 ms, a pass bound by memory).
    """
    if X.size == 0:
        return 0.0
    flat = X.reshape(X.size)
    bits, mask = ((np.uint64, 0x7FFFFFFFFFFFFFFF) if X.itemsize == 8 else (np.uint32, 0x7FFFFFFF))
    flat, mask = flat.view(bits), bits(mask)
    pieces = X.size // SCAN_VALUES_PER_THREAD
    if pieces >= 2:  # (the thread counts are only looked up for a large X)
        pieces = min(pieces, max(current_counts(), default=1) if threads is None else threads)
    if pieces < 2:
        top = _largest_masked(flat, mask)
    else:
        bounds = np.linspace(0, flat.size, pieces + 1).astype(np.int64)
        tops = [mask] * pieces  # (a thread that failed would leave NaN's pattern)

        def scan(k):
            tops[k] = _largest_masked(flat[bounds[k] : bounds[k + 1]], mask)

        helpers = [threading.Thread(target=scan, args=(k,)) for k in range(1, pieces)]
        for helper in helpers:
            helper.start()
        scan(0)
        for helper in helpers:
            helper.join()
        top = max(tops)
    return float(np.array(top, dtype=bits).view(X.dtype))


@kernel
def all_finite(X):
    """True if the C-contiguous float array X holds no NaN or infinity.

    Reads each value's exponent bits (all ones means NaN or ±inf): an integer
    loop that vectorises, ~0.15 ns per value, exact for every finite value.
    """
    flat = as_vector(X)
    if flat.itemsize == 8:
        return _count_exponent_all_ones(flat.view(np.uint64), np.uint64(0x7FF0000000000000)) == 0
    return _count_exponent_all_ones(flat.view(np.uint32), np.uint32(0x7F800000)) == 0
