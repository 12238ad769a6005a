"""The CPU's floating-point mode during training: subnormal numbers flushed to zero.

Arithmetic that reads or produces a subnormal number (below 2.2e-308 in
float64, 1.2e-38 in float32) takes a slow path of ~100 cycles on x86 CPUs.
Long stochastic fits produce them in intermediate values: the gradient of a
weight that decays towards zero squares to a subnormal in Adam's second
moment, deltas of saturated units multiply into them.  Measured (W1, 30
epochs): from the 17th epoch on every step met subnormal operands and an
epoch took 16.5 instead of 11.7 ms.  As TensorFlow does around its kernels,
the thread that runs fastmlp's training kernels sets the SSE control
register's flush-to-zero (results) and denormals-are-zero (operands) bits for
the duration of an epoch (:func:`subnormals_flushed`), and restores the
previous mode afterwards.  A result changes only where a value was below the
smallest normal number; the stored weights and moments are flushed by the
update itself in any case (see :func:`fastmlp._optimizers._update`).

Only x86-64 has this register here; elsewhere :func:`subnormals_flushed` does
nothing.
"""

import platform
from collections.abc import Iterator
from contextlib import contextmanager

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from ._jit import kernel

FLUSH_TO_ZERO, DENORMALS_ARE_ZERO = 1 << 15, 1 << 6
FLUSH_SUBNORMALS = FLUSH_TO_ZERO | DENORMALS_ARE_ZERO
HAS_MXCSR = platform.machine().lower() in ("x86_64", "amd64")

_I32 = ir.IntType(32)
_ACCESS = ir.FunctionType(ir.VoidType(), [ir.IntType(8).as_pointer()])


def _mxcsr_call(builder, name, slot):
    function = builder.module.declare_intrinsic(name, fnty=_ACCESS)
    builder.call(function, [builder.bitcast(slot, ir.IntType(8).as_pointer())])


@intrinsic
def read_mode(typingctx):
    """The calling thread's MXCSR (0 where there is none)."""

    def codegen(context, builder, signature, args):
        if not HAS_MXCSR:
            return context.get_constant(types.int64, 0)
        slot = builder.alloca(_I32)
        _mxcsr_call(builder, "llvm.x86.sse.stmxcsr", slot)
        return builder.zext(builder.load(slot), context.get_value_type(types.int64))

    return types.int64(), codegen


@intrinsic
def write_mode(typingctx, mode):
    """Set the calling thread's MXCSR to ``mode`` (nothing where there is none)."""
    if not isinstance(mode, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        if not HAS_MXCSR:
            return context.get_dummy_value()
        slot = builder.alloca(_I32)
        builder.store(builder.trunc(args[0], _I32), slot)
        _mxcsr_call(builder, "llvm.x86.sse.ldmxcsr", slot)
        return context.get_dummy_value()

    return types.void(mode), codegen


@kernel
def _flush_subnormals():
    previous = read_mode()
    write_mode(previous | FLUSH_SUBNORMALS)
    return previous


@kernel
def _restore(previous):
    write_mode(previous)


@kernel(inline="always")
def adopt_flushing(mode):
    """Set this thread's flush bits to those of ``mode`` (another thread's);
    return this thread's previous mode."""
    previous = read_mode()
    write_mode((previous & ~FLUSH_SUBNORMALS) | (mode & FLUSH_SUBNORMALS))
    return previous


@kernel
def _mode():
    return read_mode()


def flushes_subnormals() -> bool:
    """Whether this thread flushes subnormal numbers now."""
    return HAS_MXCSR and _mode() & FLUSH_SUBNORMALS == FLUSH_SUBNORMALS


@contextmanager
def subnormals_flushed() -> Iterator[None]:
    """Run the body with subnormal operands and results flushed to zero on this thread."""
    if not HAS_MXCSR:
        yield
        return
    previous = _flush_subnormals()
    try:
        yield
    finally:
        _restore(previous)
