"""Adam's update sixteen parameters at a time, half of them past the divider.

Adam's step w ← w − η·m / (√v + ε) takes a square root and a division per
weight, both on the CPU's divider (a vector of 8 doubles every ~20 and ~16
cycles here), and the update of a small network's few thousand weights waits
on it while the multiply-add units idle.  :func:`adam_lanes` updates sixteen
weights per call as two vectors of eight: the first through the divider, the
second past it, on the multiply-add units: √v from the approximate reciprocal
square root (``vrsqrt14pd``, 14 bits) refined by two Goldschmidt steps and
corrected by its residual v − s², then the quotient from the approximate
reciprocal (``vrcp14pd``) refined by two Newton steps and corrected by its
remainder (Markstein's correction).  Before its last rounding each result
is within ~2⁻¹⁰⁵ (relative) of the exact value, so it rounds as the
divider's unless the exact value lies that close to a midpoint between two
doubles (it is never one): none of ~6·10⁷ results compared differed, and
tests/test_adam_lanes.py compares them bit for bit over the float64 range.
Where a correction could be lost to flush-to-zero (v or the step below 2⁵⁴
times the smallest normal number) or the quotient is not finite, the vector
goes through the divider as well.  Measured on W2's 4,810 weights
(one process, old and new alternately): 1.4–1.6× as fast as LLVM's loop;
two of three vectors through the divider 1.2–1.5×, all past it 1.1×.

The operations are otherwise scikit-learn's, in its order, as in
:func:`fastmlp._optimizers._update`, written as explicit 8-lane vectors (on
this CPU LLVM's vectoriser uses 4).  For float32, and on a CPU without
AVX-512, both vectors go through the divider.  Weights and moments are not
flushed to zero here: the training kernels run with the CPU's flush-to-zero
mode on (:mod:`fastmlp._fpu`), which does the same to every result (this,
and the 8-lane vectors, make the float32 update ~2× as fast); where there is
no such mode the flush is written out.
"""

import llvmlite.binding as llvm
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import config
from numba.extending import intrinsic
from numba.np.arrayobj import make_array

from ._fpu import HAS_MXCSR
from ._lanes import LANES, Lanes

STEP = 2 * LANES  # parameters per call: one vector through the divider, one past it


def _target_has_avx512() -> bool:
    """Whether numba compiles for a CPU with AVX-512 (its NUMBA_CPU_NAME and
    NUMBA_CPU_FEATURES settings, else this machine's)."""
    features = config.CPU_FEATURES if config.CPU_NAME else llvm.get_host_cpu_features().flatten()
    return "+avx512f" in (features or "").split(",")


NEWTON = _target_has_avx512()
# below this (or at zero) the corrections' residuals may be subnormal, and flushed
SMALLEST = 2.0**54 * float(np.finfo(np.float64).tiny)
SMALLEST_BITS = int(np.float64(SMALLEST).view(np.int64))
INFINITY_BITS = int(np.float64(np.inf).view(np.int64))


class _AdamLanes(Lanes):
    """The IR of :func:`adam_lanes`: Adam's steps on vectors of LANES values."""

    def flush(self, x, tiny):
        """x, or 0 where |x| is subnormal (fastmlp._optimizers._flush), unless the
        CPU's flush-to-zero mode does it."""
        if HAS_MXCSR:
            return x
        magnitude = self.math("fabs", x)
        keep = self.builder.fcmp_ordered(">=", magnitude, tiny)
        return self.builder.select(keep, x, self.builder.fsub(x, x))

    def divided(self, step, v, eps):
        """step / (√v + ε) by the divider."""
        root = self.math("sqrt", v)
        return self.builder.fdiv(step, self.builder.fadd(root, eps))

    def _approximate(self, name, x):  # vrsqrt14pd, vrcp14pd: 14 correct bits
        return self.call(f"llvm.x86.avx512.{name}14.pd.512", self.vector,
                         x, self.splat(0.0), ir.IntType(8)(-1))

    def square_root(self, v):
        """√v without the divider: s ≈ √v and h ≈ 1/(2√v) refined together
        (Goldschmidt), s corrected by the residual v − s²; √0 = 0."""
        b = self.builder
        y = self._approximate("rsqrt", v)
        s, h = b.fmul(v, y), b.fmul(self.splat(0.5), y)
        for _ in range(2):
            r = self.fnma(s, h, self.splat(0.5))
            s, h = self.fma(s, r, s), self.fma(h, r, h)
        s = self.fma(self.fnma(s, s, v), h, s)
        return b.select(b.fcmp_ordered("==", v, self.splat(0.0)), v, s)

    def quotient(self, a, d):
        """a / d without the divider: y ≈ 1/d by Newton's method, q = a·y
        corrected by the remainder a − q·d."""
        y = self._approximate("rcp", d)
        for _ in range(2):
            y = self.fma(y, self.fnma(d, y, self.splat(1.0)), y)
        q = self.builder.fmul(a, y)
        return self.fma(self.fnma(q, d, a), y, q)

    def _bits(self, x, magnitude=True):
        bits = self.builder.bitcast(x, self.ints)
        return self.builder.and_(bits, self.splat(2**63 - 1, self.ints)) if magnitude else bits

    def _zero_or_large(self, x, magnitude=True):
        """Lanes where x = 0 or |x| ≥ SMALLEST (or NaN): |x|'s bits minus one,
        unsigned, wrap around at zero."""
        shifted = self.builder.sub(self._bits(x, magnitude), self.splat(1, self.ints))
        return self.builder.icmp_unsigned(">=", shifted, self.splat(SMALLEST_BITS - 1, self.ints))

    def divided_past_divider(self, step, v, eps):
        """step / (√v + ε) on the multiply-add units where every lane allows it
        (v and the step 0 or ≥ SMALLEST, so that the corrections' residuals,
        ~2⁻⁵³ of them, are normal numbers; the quotient finite), else (rarely)
        by the divider."""
        b = self.builder
        fast = self.quotient(step, b.fadd(self.square_root(v), eps))
        finite = b.icmp_unsigned("<", self._bits(fast), self.splat(INFINITY_BITS, self.ints))
        allowed = b.and_(b.and_(self._zero_or_large(v, magnitude=False),
                                self._zero_or_large(step)), finite)
        everywhere = self.call("llvm.vector.reduce.and.v8i1", ir.IntType(1), allowed)
        before = b.basic_block
        with b.if_then(b.not_(everywhere), likely=False):
            slow, slow_block = self.divided(step, v, eps), b.basic_block
        result = b.phi(self.vector)
        result.add_incoming(fast, before)
        result.add_incoming(slow, slow_block)
        return result


def _adam_code(context, builder, sig, args):
    dtype = sig.args[0].dtype
    lanes = _AdamLanes(builder, context.get_value_type(dtype))
    align = dtype.bitwidth // 8
    arrays = [make_array(sig.args[k])(context, builder, args[k]) for k in range(4)]
    start = context.cast(builder, args[4], sig.args[4], types.intp)
    scale, alpha, lr, b1, b1c, b2, b2c, eps, tiny = (
        lanes.splat(builder.extract_value(args[5], k)) for k in range(9))
    past_divider = NEWTON and dtype == types.float64
    squares = None
    for half in range(2):
        index = builder.add(start, ir.Constant(start.type, half * LANES))
        w_at, g_at, m_at, v_at = (lanes.address(array, index) for array in arrays)
        w = builder.load(w_at, align=align)
        g = builder.fmul(builder.fadd(builder.load(g_at, align=align), builder.fmul(alpha, w)), scale)
        m = builder.fadd(builder.fmul(b1, builder.load(m_at, align=align)), builder.fmul(b1c, g))
        m = lanes.flush(m, tiny)
        v = builder.fadd(builder.fmul(b2, builder.load(v_at, align=align)),
                         builder.fmul(b2c, builder.fmul(g, g)))
        v = lanes.flush(v, tiny)
        builder.store(m, m_at, align=align)
        builder.store(v, v_at, align=align)
        step = builder.fmul(lr, m)
        if half == 1 and past_divider:
            step = lanes.divided_past_divider(step, v, eps)
        else:
            step = lanes.divided(step, v, eps)
        builder.store(lanes.flush(builder.fsub(w, step), tiny), w_at, align=align)
        w_squared = lanes.widened(builder.fmul(w, w))
        squares = w_squared if squares is None else builder.fadd(squares, w_squared)
    return lanes.sum(squares)


@intrinsic
def adam_lanes(typingctx, params, grads, s1, s2, start, c):
    """Adam's update of parameters start … start + STEP (no bounds check): the
    operations of :func:`fastmlp._optimizers._update` with its constants ``c``;
    returns Σ w² of the weights before the update, in float64."""
    arrays = (params, grads, s1, s2)
    if not all(isinstance(a, types.Array) and a.ndim == 1 and a.layout == "C"
               and a.dtype == params.dtype for a in arrays):
        return None
    if params.dtype not in (types.float64, types.float32) or not isinstance(start, types.Integer):
        return None
    return types.float64(params, grads, s1, s2, start, c), _adam_code
