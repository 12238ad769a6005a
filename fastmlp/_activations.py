"""Activation functions and their derivatives, as compiled scalar functions.

Each hidden activation ``f`` comes with its derivative written in terms of the
*output* ``a = f(z)`` (as in the lecture: σ'(z) = σ(z)(1 − σ(z)), tanh' = 1 − tanh²),
so the backward pass needs only the stored activations.  Kernels receive an
integer code and call :func:`piecewise_linear` / :func:`derivative`; the branch
is loop-invariant, so LLVM hoists it out of the element loops and each layer
runs a specialised, vectorised loop.  tanh and the logistic, built on the
exponential, run as passes of explicit 8-lane vectors instead
(:mod:`fastmlp._exp`).  (numba cannot cache kernels that take compiled
functions as arguments -- the argument type holds the function's address -- so
the table is indexed by code instead.)
"""

from ._exp import exp_inplace, logistic_inplace, tanh_inplace
from ._jit import kernel
from ._views import as_vector

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


@kernel(inline="always")
def hardtanh(z):
    """−1 below −1, +1 above +1, z in between."""
    return min(max(z, -1.0), 1.0)


@kernel(inline="always")
def relu(z):
    """max(0, z)."""
    return max(z, 0.0)


@kernel(inline="always")
def piecewise_linear(z, code):
    """f(z) for the piecewise-linear hidden activations ``code``: relu, hardtanh
    and identity (tanh and the logistic: :func:`_exp_based`)."""
    if code == RELU:
        return relu(z)
    if code == HARDTANH:
        return hardtanh(z)
    return z


@kernel(inline="always")
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


@kernel(inline="always")
def _add_bias(Z, b):
    """Z ← Z + b in place, row by row."""
    m, n = Z.shape
    for i in range(m):
        for j in range(n):
            Z[i, j] += b[j]


@kernel(inline="always")
def _exp_based(values, code):
    """values ← f(values) if ``code`` is tanh, the logistic or exp (else left as
    they are).  These run as a pass of explicit 8-lane vectors over the layer
    after the bias (:mod:`fastmlp._exp`): ~1.5× as fast as in the fused loop,
    which LLVM vectorises 4 lanes wide."""
    if code == TANH:
        tanh_inplace(values)
    elif code == LOGISTIC:
        logistic_inplace(values)
    elif code == EXP:
        exp_inplace(values)


@kernel
def add_bias_activate(Z, b, code):
    """Z ← f(Z + b) in place, row by row (the fused bias + activation step; for
    tanh and the logistic the bias, then the vector pass)."""
    if code == TANH or code == LOGISTIC:
        _add_bias(Z, b)
        _exp_based(as_vector(Z), code)
        return
    m, n = Z.shape
    for i in range(m):
        for j in range(n):
            Z[i, j] = piecewise_linear(Z[i, j] + b[j], code)


@kernel
def add_bias_activate_checked(Z, b, code):
    """:func:`add_bias_activate`, returning whether every value of Z was finite
    before it.  Counted in the same pass: for ReLU on 128 × 64 values 1.7 instead
    of 1.3 µs, against 1.2 µs more for a pass of its own.  Each activation is a
    loop of its own: with the count in it LLVM no longer moves the activation's
    branch out of the loop (ReLU on random signs then took twice as long)."""
    if code == RELU:
        return _add_bias_activate_counting(Z, b, RELU) == 0
    if code == HARDTANH:
        return _add_bias_activate_counting(Z, b, HARDTANH) == 0
    # identity, or the bias before tanh's and the logistic's vector pass
    finite = _add_bias_activate_counting(Z, b, IDENTITY) == 0
    _exp_based(as_vector(Z), code)
    return finite


@kernel(inline="always")
def _add_bias_activate_counting(Z, b, code):
    """Z ← f(Z + b) in place; the number of values of Z that were NaN or ±inf."""
    m, n = Z.shape
    not_finite = 0
    for i in range(m):
        for j in range(n):
            z = Z[i, j]
            not_finite += (z - z) != 0.0  # NaN exactly for NaN and ±inf
            Z[i, j] = piecewise_linear(z + b[j], code)
    return not_finite


@kernel
def add_bias_output(Z, b, code):
    """Z ← out(Z + b) in place for the output activation ``code``.

    softmax normalises each row (shifted by its maximum for stability); the
    logistic and exp run as a vector pass after the bias (:func:`_exp_based`).
    """
    if code == SOFTMAX:
        softmax_rows(Z, b)
        return
    _add_bias(Z, b)
    _exp_based(as_vector(Z), code)


@kernel
def softmax_rows(Z, b):
    """Z ← softmax(Z + b) row by row: add the bias, subtract the row's maximum,
    exponentiate, divide by the row's sum (as the reciprocal's product).

    The exponentials run over all rows in one loop (:func:`exp_inplace`).  The
    row loops take four rows at a time: a row's maximum and sum are chains of
    dependent operations, which LLVM does not vectorise, and four chains side
    by side keep the CPU busy where one waits on each step.  Each row is still
    reduced in column order, so the result equals one row at a time bit for
    bit.  Measured against one row at a time and the 4-lane exponential, in one
    process: 128 × 10 in 3.0 instead of 4.7 µs, 32 × 10 in 0.8 instead of 1.2 µs.
    (The loops' exact form matters: the same steps with tuple assignments and
    loops over ``Z.shape[1]`` took ~40 % longer, and longer still when the
    helpers were left for LLVM to inline.)
    """
    m, n = Z.shape
    i = 0
    while i + 4 <= m:
        _shift_four_rows(Z, b, i, n)
        i += 4
    while i < m:
        _shift_row(Z, b, i, n)
        i += 1
    exp_inplace(as_vector(Z))
    i = 0
    while i + 4 <= m:
        _normalise_four_rows(Z, i, n)
        i += 4
    while i < m:
        _normalise_row(Z, i, n)
        i += 1


@kernel(inline="always")
def _shift_row(Z, b, i, n):
    """Z[i] ← (Z[i] + b) − max(Z[i] + b)."""
    top = Z[i, 0] + b[0]
    for j in range(n):
        Z[i, j] += b[j]
        top = max(top, Z[i, j])
    for j in range(n):
        Z[i, j] -= top


@kernel(inline="always")
def _shift_four_rows(Z, b, i, n):
    """:func:`_shift_row` of rows i to i + 3, their maxima taken side by side."""
    t0, t1, t2, t3 = Z[i, 0] + b[0], Z[i + 1, 0] + b[0], Z[i + 2, 0] + b[0], Z[i + 3, 0] + b[0]
    Z[i, 0], Z[i + 1, 0], Z[i + 2, 0], Z[i + 3, 0] = t0, t1, t2, t3
    for j in range(1, n):
        bj = b[j]
        z0 = Z[i, j] + bj
        z1 = Z[i + 1, j] + bj
        z2 = Z[i + 2, j] + bj
        z3 = Z[i + 3, j] + bj
        Z[i, j] = z0
        Z[i + 1, j] = z1
        Z[i + 2, j] = z2
        Z[i + 3, j] = z3
        t0 = max(t0, z0)
        t1 = max(t1, z1)
        t2 = max(t2, z2)
        t3 = max(t3, z3)
    for j in range(n):
        Z[i, j] -= t0
        Z[i + 1, j] -= t1
        Z[i + 2, j] -= t2
        Z[i + 3, j] -= t3


@kernel(inline="always")
def _normalise_row(Z, i, n):
    """Z[i] ← Z[i] · (1 / Σ Z[i])."""
    total = 0.0
    for j in range(n):
        total += Z[i, j]
    scale = 1.0 / total
    for j in range(n):
        Z[i, j] *= scale


@kernel(inline="always")
def _normalise_four_rows(Z, i, n):
    """:func:`_normalise_row` of rows i to i + 3, their sums taken side by side."""
    s0 = s1 = s2 = s3 = 0.0
    for j in range(n):
        s0 += Z[i, j]
        s1 += Z[i + 1, j]
        s2 += Z[i + 2, j]
        s3 += Z[i + 3, j]
    s0, s1, s2, s3 = 1.0 / s0, 1.0 / s1, 1.0 / s2, 1.0 / s3
    for j in range(n):
        Z[i, j] *= s0
        Z[i + 1, j] *= s1
        Z[i + 2, j] *= s2
        Z[i + 3, j] *= s3


@kernel
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


@kernel
def column_sums(D, sums):
    """sums ← Σᵢ D[i, :] (the output layer's bias gradient), summed row by row."""
    m, n = D.shape
    sums[:] = 0.0
    for i in range(m):
        for j in range(n):
            sums[j] += D[i, j]

