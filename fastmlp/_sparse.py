"""Sparse input: the first layer's products on a CSR matrix, without densifying.

Only the input layer ever touches X, so sparse support is three operations on
the network input, each an intrinsic that compiles into a call chosen by the
type of X (:func:`fastmlp._jit.direct_call`): a dense array goes to the dense
kernels of :mod:`fastmlp._linalg`, a :class:`CSR` to the loops below.
``forward``, ``backprop``, ``train_epoch`` and ``predict_batch`` call them, so
one kernel serves both kinds of input.

A :class:`CSR` holds scipy's arrays.  Row ``i`` spans
``data[indptr[i]:indptr[i + 1]]``; offsets are absolute, so a block of rows is
the same data with a slice of ``indptr`` (no copy).
"""

from collections import namedtuple

import numpy as np
import scipy.sparse as sp
from numba import types
from numba.extending import intrinsic

from ._jit import direct_call, kernel
from ._linalg import FLOAT_DTYPES, aligned_empty, largest_magnitude, matmul, matmul_tn

CSR = namedtuple("CSR", "data indices indptr shape")
CSR.__doc__ = """A CSR matrix for the kernels: scipy's data / indices / indptr arrays
and the (n_rows, n_cols) shape; indptr offsets are absolute into data."""


def as_kernel_input(X, dtype):
    """X as the kernels take it: a C-contiguous array, or a :class:`CSR`.

    Sparse X (CSR or CSC) is converted to CSR once; its values are cast to
    ``dtype`` (both without densifying).
    """
    if isinstance(X, CSR):
        return X if X.data.dtype == dtype else X._replace(data=X.data.astype(dtype))
    if sp.issparse(X):
        X = sp.csr_matrix(X) if X.format != "csr" else X
        return CSR(
            np.ascontiguousarray(X.data, dtype=dtype),
            np.ascontiguousarray(X.indices),
            np.ascontiguousarray(X.indptr),
            (np.int64(X.shape[0]), np.int64(X.shape[1])),
        )
    return np.ascontiguousarray(X, dtype=dtype)


def input_dtype(X) -> np.dtype:
    """dtype of the values of X (array, scipy sparse matrix or :class:`CSR`)."""
    return X.data.dtype if isinstance(X, CSR) else X.dtype


def max_abs(X) -> float:
    """Largest absolute value in X (array, scipy sparse matrix or :class:`CSR`)."""
    values = X.data if (isinstance(X, CSR) or sp.issparse(X)) else X
    if type(values) is np.ndarray and values.flags.c_contiguous and values.dtype in FLOAT_DTYPES:
        return largest_magnitude(values)  # one pass
    # max and -min instead of abs(X).max(): no temporary the size of X
    return float(max(values.max(), -values.min())) if values.size else 0.0


def batch_buffer(X, rows: int, dtype, repeats: bool = False):
    """Buffer that the epoch's row gather (:func:`dense_gather`, :func:`csr_gather`)
    fills with a batch of at most ``rows`` rows.

    For a :class:`CSR` its capacity is the number of stored values of the
    ``rows`` fullest rows, so any batch of distinct rows fits; with ``repeats``
    (batches drawn with replacement) ``rows`` times the fullest row's.
    """
    if isinstance(X, CSR):
        row_nnz = np.diff(X.indptr)
        if not rows:
            capacity = 0
        elif repeats:
            capacity = rows * int(row_nnz.max(initial=0))
        else:
            capacity = int(np.sort(row_nnz)[::-1][:rows].sum())
        return CSR(
            np.empty(capacity, dtype=dtype),
            np.empty(capacity, dtype=X.indices.dtype),
            np.zeros(rows + 1, dtype=X.indptr.dtype),
            (np.int64(rows), np.int64(X.shape[1])),
        )
    return aligned_empty((rows, X.shape[1]), dtype)


def _is_csr(typ) -> bool:
    return isinstance(typ, types.BaseNamedTuple) and typ.instance_class is CSR


# ---------------------------------------------------------------- CSR kernels
@kernel
def csr_matmul(X, W, Z):
    """Z ← X · W for CSR X."""
    Z[:, :] = 0.0
    n = W.shape[1]
    for i in range(X.shape[0]):
        for p in range(X.indptr[i], X.indptr[i + 1]):
            v = X.data[p]
            w = W[X.indices[p]]
            for j in range(n):
                Z[i, j] += v * w[j]


@kernel
def csr_matmul_tn(X, D, G):
    """G ← Xᵀ · D for CSR X (the first layer's weight gradient)."""
    G[:, :] = 0.0
    n = D.shape[1]
    for i in range(X.shape[0]):
        d = D[i]
        for p in range(X.indptr[i], X.indptr[i + 1]):
            v = X.data[p]
            g = G[X.indices[p]]
            for j in range(n):
                g[j] += v * d[j]


@kernel
def csr_gather(X, order, start, m, out):
    """Rows order[start : start + m] of X, copied into the CSR buffer ``out``."""
    nnz = 0
    out.indptr[0] = 0
    for r in range(m):
        src = order[start + r]
        for p in range(X.indptr[src], X.indptr[src + 1]):
            out.data[nnz] = X.data[p]
            out.indices[nnz] = X.indices[p]
            nnz += 1
        out.indptr[r + 1] = nnz
    return CSR(out.data, out.indices, out.indptr[: m + 1], (np.int64(m), out.shape[1]))


@kernel
def dense_gather(X, order, start, m, out):
    """Rows order[start : start + m] of X, copied into out[:m]."""
    for r in range(m):
        src = order[start + r]
        for j in range(X.shape[1]):  # element loop: a row assignment would compile
            out[r, j] = X[src, j]    # numba's shape-mismatch message (seconds of compile)
    return out[:m]


# ------------------------------------ operations on the input, chosen by X's type
@kernel
def csr_rows(X, start, stop):
    """Rows start:stop of CSR X, without copying."""
    return CSR(X.data, X.indices, X.indptr[start : stop + 1], (np.int64(stop - start), X.shape[1]))


@kernel
def dense_rows(X, start, stop):
    """Rows start:stop of X, without copying."""
    return X[start:stop]


def call_by_input_type(typingctx, X, args, dense, csr, csr_picks):
    """The call of ``dense`` (on all ``args``) or of ``csr`` (on ``args`` at
    ``csr_picks``), as X is an array or a :class:`CSR`; None for other X."""
    if _is_csr(X):
        return direct_call(typingctx, csr, args, csr_picks)
    if isinstance(X, types.Array):
        return direct_call(typingctx, dense, args)
    return None


@intrinsic
def input_product(typingctx, X, W, Z, kernels, layer):
    """Z ← X · W for the network input X (array or CSR; ``kernels`` and ``layer``
    as for :func:`fastmlp._linalg.matmul`, unused for CSR); compiled code only."""
    return call_by_input_type(typingctx, X, (X, W, Z, kernels, layer), matmul, csr_matmul, (0, 1, 2))


@intrinsic
def input_gradient(typingctx, X, D, G, kernels, layer):
    """G ← Xᵀ · D for the network input X (array or CSR; ``kernels`` and ``layer``
    as for :func:`fastmlp._linalg.matmul_tn`, unused for CSR); compiled code only."""
    return call_by_input_type(typingctx, X, (X, D, G, kernels, layer), matmul_tn, csr_matmul_tn, (0, 1, 2))


@intrinsic
def row_block(typingctx, X, start, stop):
    """Rows start:stop of X without copying; compiled code only."""
    return call_by_input_type(typingctx, X, (X, start, stop), dense_rows, csr_rows, range(3))
