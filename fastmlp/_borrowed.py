"""Borrowed arrays: views without a reference to their memory's owner.

numba counts references to every array's memory: each view a kernel takes
(a layer's block of the activations, a weight matrix of the parameter vector)
increments and later decrements its owner's count with an atomic instruction,
in an out-of-line call.  A stochastic step (W1: a batch of one sample) takes
dozens of such views; measured, the epoch ran 1.49× faster without the
counting (W2 1.05×).  The caller of a compiled function holds its arguments
for the whole call, so inside the epoch kernel the counting protects nothing,
and the kernel works on borrowed copies of its arguments: the same data,
shape and strides with no owner, whose views numba does not count.

Borrow only a function's arguments, never an array the function allocates
(numba frees a local array after the last use of its variable, and a
borrowed view would not keep it alive), and never return or store a
borrowed array.
"""

from numba import types
from numba.extending import intrinsic


def _borrow(context, builder, typ, value):
    """``value`` of numba type ``typ`` with its arrays' owners dropped."""
    if isinstance(typ, types.Array):
        source = context.make_array(typ)(context, builder, value)
        view = context.make_array(typ)(context, builder)
        for field in ("nitems", "itemsize", "data", "shape", "strides"):
            setattr(view, field, getattr(source, field))
        view.meminfo = view.meminfo.type(None)
        view.parent = view.parent.type(None)
        return view._getvalue()
    if isinstance(typ, types.BaseTuple):  # named or plain: a struct of its fields
        for i, field_type in enumerate(typ.types):
            field = _borrow(context, builder, field_type, builder.extract_value(value, i))
            value = builder.insert_value(value, field, i)
        return value
    # anything else is returned as a new reference, as numba expects of a result
    context.nrt.incref(builder, typ, value)
    return value


@intrinsic
def borrowed(typingctx, x):
    """``x`` with every array in it borrowed (arrays, and tuples and named tuples
    of them, recursively: same data, shape and strides, no owner); other values
    unchanged.  Compiled code only."""

    def codegen(context, builder, signature, args):
        return _borrow(context, builder, x, args[0])

    return x(x), codegen
