"""Explicit 8-lane vectors in LLVM IR, for numba intrinsics.

On this CPU LLVM's vectoriser uses 4-lane (256-bit) vectors; loops written as
explicit vectors of 8 doubles get 512-bit registers.  :class:`Lanes` is the
small set of IR builders that the exponential (:mod:`fastmlp._exp`) and Adam's
update (:mod:`fastmlp._adam_lanes`) are written with.
"""

from llvmlite import ir
from numba.core import cgutils

LANES = 8


class Lanes:
    """IR builders for vectors of LANES values of one float type ``real``."""

    def __init__(self, builder, real):
        self.builder, self.real = builder, real
        self.vector = ir.VectorType(real, LANES)
        self.ints = ir.VectorType(ir.IntType(64), LANES)
        self.suffix = f"v{LANES}{'f64' if isinstance(real, ir.DoubleType) else 'f32'}"

    def splat(self, value, of=None):
        """A vector (of ``self.vector``'s type, or ``of``) with ``value`` in every
        lane: a Python number as a constant, an IR value broadcast."""
        of = of or self.vector
        if not isinstance(value, ir.Value):
            return ir.Constant(of, [ir.Constant(of.element, value)] * LANES)
        lanes = ir.Constant(of, ir.Undefined)
        for k in range(LANES):
            lanes = self.builder.insert_element(lanes, value, ir.IntType(32)(k))
        return lanes

    def address(self, array, index):
        """Pointer to the vector at element ``index`` of a numba array struct."""
        return self.builder.bitcast(self.builder.gep(array.data, [index]), self.vector.as_pointer())

    def call(self, name, result, *operands, **flags):
        """Call the LLVM intrinsic (or function) ``name`` returning ``result``."""
        fnty = ir.FunctionType(result, [operand.type for operand in operands])
        function = cgutils.get_or_insert_function(self.builder.module, fnty, name)
        return self.builder.call(function, operands, **flags)

    def math(self, name, *operands):
        """The element-wise LLVM intrinsic ``llvm.<name>`` on vectors of this type."""
        return self.call(f"llvm.{name}.{self.suffix}", self.vector, *operands)

    def fma(self, a, b, c):  # a·b + c, rounded once
        return self.math("fma", a, b, c)

    def fnma(self, a, b, c):  # c − a·b, rounded once
        return self.fma(self.builder.fneg(a), b, c)

    def widened(self, x):
        """x in float64."""
        double = ir.VectorType(ir.DoubleType(), LANES)
        return x if x.type == double else self.builder.fpext(x, double)

    def sum(self, x):
        """Σ of the lanes of a float64 vector, added in any order."""
        double = ir.DoubleType()
        return self.call(f"llvm.vector.reduce.fadd.v{LANES}f64", double, ir.Constant(double, -0.0),
                         x, fastmath=("reassoc",))
