"""Sparse input: the first layer's products on a CSR matrix, without densifying.

Only the input layer ever touches X, so sparse support is three operations on
the network input, each a small stub that numba specialises on the type of X
(``numba.extending.overload``): a dense array goes to the dense kernels of
:mod:`fastmlp._linalg`, a :class:`CSR` to the loops below.  ``forward``,
``backprop``, ``train_epoch`` and ``predict_batch`` call the stubs, so one
kernel serves both kinds of input.

A :class:`CSR` holds scipy's arrays.  Row ``i`` spans
``data[indptr[i]:indptr[i + 1]]``; offsets are absolute, so a block of rows is
the same data with a slice of ``indptr`` (no copy).
"""

from collections import namedtuple

import numpy as np
import scipy.sparse as sp
from numba import types
from numba.extending import overload

from ._jit import KERNEL_OPTIONS, kernel
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


def batch_buffer(X, rows: int, dtype):
    """Buffer that :func:`gather_rows` fills with a batch of at most ``rows`` rows.

    For a :class:`CSR` its capacity is the number of stored values of the
    ``rows`` fullest rows, so any batch fits.
    """
    if isinstance(X, CSR):
        row_nnz = np.diff(X.indptr)
        capacity = int(np.sort(row_nnz)[::-1][:rows].sum()) if rows else 0
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


# ------------------------------------------------ stubs specialised on X's type
def input_product(X, W, Z, kernels, layer):
    """Z ← X · W for the network input X (array or CSR; ``kernels`` and ``layer``
    (0, passed as a variable: a literal would compile another matmul) as for
    :func:`fastmlp._linalg.matmul`, unused for CSR); compiled code only."""
    raise NotImplementedError("input_product is only callable from numba-compiled code")


def input_gradient(X, D, G, kernels, layer):
    """G ← Xᵀ · D for the network input X (array or CSR; ``kernels`` and ``layer``
    as for :func:`fastmlp._linalg.matmul_tn`, unused for CSR); compiled code only."""
    raise NotImplementedError("input_gradient is only callable from numba-compiled code")


def gather_rows(X, order, start, m, out):
    """Rows order[start : start + m] of X in the batch buffer; compiled code only."""
    raise NotImplementedError("gather_rows is only callable from numba-compiled code")


def row_block(X, start, stop):
    """Rows start:stop of X without copying; compiled code only."""
    raise NotImplementedError("row_block is only callable from numba-compiled code")


@overload(input_product, jit_options=KERNEL_OPTIONS)
def _input_product(X, W, Z, kernels, layer):
    if _is_csr(X):
        return lambda X, W, Z, kernels, layer: csr_matmul(X, W, Z)
    if isinstance(X, types.Array):
        return lambda X, W, Z, kernels, layer: matmul(X, W, Z, kernels, layer)
    return None


@overload(input_gradient, jit_options=KERNEL_OPTIONS)
def _input_gradient(X, D, G, kernels, layer):
    if _is_csr(X):
        return lambda X, D, G, kernels, layer: csr_matmul_tn(X, D, G)
    if isinstance(X, types.Array):
        return lambda X, D, G, kernels, layer: matmul_tn(X, D, G, kernels, layer)
    return None


@overload(gather_rows, jit_options=KERNEL_OPTIONS)
def _gather_rows(X, order, start, m, out):
    if _is_csr(X):
        return lambda X, order, start, m, out: csr_gather(X, order, start, m, out)
    if isinstance(X, types.Array):
        return lambda X, order, start, m, out: dense_gather(X, order, start, m, out)
    return None


@overload(row_block, jit_options=KERNEL_OPTIONS)
def _row_block(X, start, stop):
    if _is_csr(X):
        def csr_rows(X, start, stop):
            return CSR(X.data, X.indices, X.indptr[start : stop + 1],
                       (np.int64(stop - start), X.shape[1]))
        return csr_rows
    if isinstance(X, types.Array):
        return lambda X, start, stop: X[start:stop]
    return None
