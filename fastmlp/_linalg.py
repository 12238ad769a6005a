"""Matrix products for the kernels: BLAS for large shapes, compiled loops for small.

A BLAS call costs about a microsecond before it does any work, which dominates
stochastic (batch of 1) and small-minibatch training; below ``BLAS_MIN_FLOPS``
the products run as plain loops that LLVM vectorises.  All three take the
output array and overwrite it.
"""

import numpy as np
from numba import njit

BLAS_MIN_FLOPS = 32 * 32 * 32


@njit(cache=True)
def matmul(A, B, C):
    """C ← A · B."""
    m, k = A.shape
    n = B.shape[1]
    if m * k * n >= BLAS_MIN_FLOPS:
        np.dot(A, B, C)
        return
    for i in range(m):
        for j in range(n):
            C[i, j] = 0.0
        for p in range(k):
            a = A[i, p]
            for j in range(n):
                C[i, j] += a * B[p, j]


@njit(cache=True)
def matmul_tn(A, B, C):
    """C ← Aᵀ · B  (the weight gradient outᵀ · δ)."""
    k, m = A.shape
    n = B.shape[1]
    if m * k * n >= BLAS_MIN_FLOPS:
        np.dot(A.T, B, C)
        return
    C[:, :] = 0.0
    for p in range(k):
        for i in range(m):
            a = A[p, i]
            for j in range(n):
                C[i, j] += a * B[p, j]


@njit(cache=True)
def matmul_nt(A, B, C):
    """C ← A · Bᵀ  (the backpropagated delta δ · Wᵀ)."""
    m, k = A.shape
    n = B.shape[0]
    if m * k * n >= BLAS_MIN_FLOPS:
        np.dot(A, B.T, C)
        return
    for i in range(m):
        for j in range(n):
            s = 0.0
            for p in range(k):
                s += A[i, p] * B[j, p]
            C[i, j] = s
