"""How every fastmlp kernel is compiled: numba's options, set in one place.

- ``cache=True``: compiled once per machine, then loaded from numba's disk
  cache (:mod:`fastmlp._cache` keeps that cache writable and current).
- ``error_model="numpy"``: a division by zero gives ±inf or NaN, as in NumPy,
  instead of raising, so the loops carry no zero checks.
- ``no_cfunc_wrapper=True``: numba otherwise compiles a C-callable wrapper
  beside every function, which only a kernel passed around as a first-class
  function value would use, and fastmlp passes none; leaving them out took
  5-15 % off the first fit's compilation (medians of five alternating first
  fits, in two comparisons).
"""

from collections.abc import Callable, Sequence

from numba import cfunc, njit

KERNEL_OPTIONS = {"cache": True, "error_model": "numpy", "no_cfunc_wrapper": True}


def kernel(function: Callable | None = None, **options):
    """``numba.njit`` with :data:`KERNEL_OPTIONS`, as ``@kernel`` or with more
    options, ``@kernel(inline="always")``."""
    options = {**KERNEL_OPTIONS, **options}
    return njit(**options) if function is None else njit(function, **options)


def thread_worker(signature) -> Callable:
    """``numba.cfunc`` for a C callback run on MKL's OpenMP threads
    (:mod:`fastmlp._omp`), cached and with NumPy's error model like the kernels
    (a cfunc is its own C wrapper)."""
    options = {k: v for k, v in KERNEL_OPTIONS.items() if k != "no_cfunc_wrapper"}
    return cfunc(signature, **options)


def direct_call(typingctx, function, arg_types: Sequence, picks: Sequence[int] | None = None):
    """Signature and codegen for a numba ``@intrinsic`` that stands for a call of
    the kernel ``function`` on its arguments at ``picks`` (all by default).

    Used where the kernel to call depends on an argument's type (a dense or a
    CSR input): unlike ``numba.extending.overload``, whose implementation is a
    function compiled on its own (typed, optimised and turned into machine code
    with its callee linked in, ~0.1-0.25 s of every first compile each), the
    intrinsic compiles into a plain call of ``function`` in its caller's code.
    """
    picks = range(len(arg_types)) if picks is None else picks
    function_type = typingctx.resolve_value_type(function)
    callee = typingctx.resolve_function_type(function_type, [arg_types[i] for i in picks], {})

    def codegen(context, builder, sig, args):
        call = context.get_function(function_type, callee)
        return call(builder, [args[i] for i in picks])

    return callee.return_type(*arg_types), codegen
