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
from numba.core import cgutils
from numba.extending import intrinsic, overload


def borrowed(x):
    """``x`` with every array in it borrowed (arrays, and named tuples of them,
    recursively; other values unchanged); compiled code only."""
    raise NotImplementedError("borrowed is only callable from numba-compiled code")


@intrinsic
def _borrowed_array(typingctx, array):
    """The array's view without its owner (meminfo and parent NULL)."""
    if not isinstance(array, types.Array):
        return None

    def codegen(context, builder, signature, args):
        source = context.make_array(array)(context, builder, args[0])
        view = context.make_array(array)(context, builder)
        for field in ("nitems", "itemsize", "data", "shape", "strides"):
            setattr(view, field, getattr(source, field))
        view.meminfo = cgutils.get_null_value(view.meminfo.type)
        view.parent = cgutils.get_null_value(view.parent.type)
        return view._getvalue()

    return array(array), codegen


@overload(borrowed)  # compiled into its (cached) callers; exec-made code has no file to cache in
def _borrowed(x):
    if isinstance(x, types.Array):
        return lambda x: _borrowed_array(x)
    if isinstance(x, types.BaseNamedTuple):
        # the named tuple rebuilt from its borrowed fields
        fields = ", ".join(f"borrowed(x[{i}])" for i in range(len(x.types)))
        namespace = {"cls": x.instance_class, "borrowed": borrowed}
        exec(f"def impl(x):\n    return cls({fields})\n", namespace)
        return namespace["impl"]
    return lambda x: x
