"""Activation functions and their derivatives, as compiled scalar functions.

Each hidden activation ``f`` comes with its derivative written in terms of the
*output* ``a = f(z)`` (as in the lecture: σ'(z) = σ(z)(1 − σ(z)), tanh' = 1 − tanh²),
so the backward pass needs only the stored activations.  Kernels receive an
integer code and call :func:`activate` / :func:`derivative`; the branch is
loop-invariant, so LLVM hoists it out of the element loops and each layer runs a
specialised, vectorised loop.  (numba cannot cache kernels that take compiled
functions as arguments -- the argument type holds the function's address -- so
the table is indexed by code instead.)
"""

from numba import njit

from ._exp import fast_exp, fast_tanh

IDENTITY, LOGISTIC, TANH, HARDTANH, RELU = 0, 1, 2, 3, 4
SOFTMAX, EXP = 5, 6

HIDDEN_ACTIVATIONS = {
    "identity": IDENTITY,
    "logistic": LOGISTIC,
    "tanh": TANH,
    "hardtanh": HARDTANH,
    "relu": RELU,
}
OUTPUT_ACTIVATIONS = {
    "identity": IDENTITY,
    "logistic": LOGISTIC,
    "softmax": SOFTMAX,
    "exp": EXP,
}


@njit(cache=True, error_model="numpy")
def logistic(z):
    """σ(z) = 1 / (1 + exp(−z)), computed without overflow (e = exp(−|z|) ≤ 1)."""
    e = fast_exp(-abs(z))
    return 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)


@njit(cache=True, error_model="numpy", inline="always")
def hardtanh(z):
    """−1 below −1, +1 above +1, z in between."""
    return min(max(z, -1.0), 1.0)


@njit(cache=True, error_model="numpy", inline="always")
def relu(z):
    """max(0, z)."""
    return max(z, 0.0)


@njit(cache=True, error_model="numpy", inline="always")
def activate(z, code):
    """f(z) for the hidden activation ``code``."""
    if code == RELU:
        return relu(z)
    if code == TANH:
        return fast_tanh(z)
    if code == LOGISTIC:
        return logistic(z)
    if code == HARDTANH:
        return hardtanh(z)
    return z


@njit(cache=True, error_model="numpy", inline="always")
def derivative(a, code):
    """f'(z) expressed through the activation's output a = f(z)."""
    if code == RELU:
        return 1.0 if a > 0 else 0.0
    if code == TANH:
        return 1.0 - a * a
    if code == LOGISTIC:
        return a * (1.0 - a)
    if code == HARDTANH:
        return 1.0 if -1.0 < a < 1.0 else 0.0
    return 1.0


@njit(cache=True, error_model="numpy")
def add_bias_activate(Z, b, code):
    """Z ← f(Z + b) in place, row by row (the fused bias + activation step)."""
    m, n = Z.shape
    for i in range(m):
        for j in range(n):
            Z[i, j] = activate(Z[i, j] + b[j], code)


@njit(cache=True, error_model="numpy")
def add_bias_output(Z, b, code):
    """Z ← out(Z + b) in place for the output activation ``code``.

    softmax normalises each row (shifted by its maximum for stability); the
    other output activations work element by element.
    """
    m, n = Z.shape
    if code == SOFTMAX:
        for i in range(m):
            top = Z[i, 0] + b[0]
            for j in range(n):
                Z[i, j] += b[j]
                top = max(top, Z[i, j])
            for j in range(n):
                Z[i, j] -= top
        flat = Z.ravel()  # one long loop over all rows vectorises better than short rows
        for q in range(flat.size):
            flat[q] = fast_exp(flat[q])
        for i in range(m):
            total = 0.0
            for j in range(n):
                total += Z[i, j]
            scale = 1.0 / total
            for j in range(n):
                Z[i, j] *= scale
        return
    for i in range(m):
        for j in range(n):
            z = Z[i, j] + b[j]
            if code == LOGISTIC:
                z = logistic(z)
            elif code == EXP:
                z = fast_exp(z)
            Z[i, j] = z


@njit(cache=True, error_model="numpy")
def multiply_derivative(D, A, code, sums):
    """D ← D ⊙ f'(z), with f'(z) taken from the stored outputs A = f(z); and
    sums ← the column sums of the new D (the layer's bias gradient Σᵢ δᵢ), in
    the same pass over D."""
    m, n = D.shape
    sums[:] = 0.0
    for i in range(m):
        for j in range(n):
            D[i, j] *= derivative(A[i, j], code)
            sums[j] += D[i, j]  # the stored value (in D's dtype)


@njit(cache=True, error_model="numpy")
def column_sums(D, sums):
    """sums ← Σᵢ D[i, :] (the output layer's bias gradient), summed row by row."""
    m, n = D.shape
    sums[:] = 0.0
    for i in range(m):
        for j in range(n):
            sums[j] += D[i, j]

