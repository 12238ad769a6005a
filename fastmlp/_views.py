"""Reshaped views of C-contiguous arrays, built in the compiled code itself.

numba's ``reshape`` / ``ravel`` handle every layout through a C helper: ~50 ns
a call, which adds up to ~1 µs per sample in stochastic training, and their
implementation is compiled anew in every process's first compile (~0.5 s).  A
C-contiguous array needs neither: the view is its data pointer with a new shape
and strides.
"""

from numba import types
from numba.core import cgutils
from numba.core.imputils import impl_ret_borrowed
from numba.extending import intrinsic
from numba.np.arrayobj import make_array, populate_array

from ._jit import kernel


def _c_view(context, builder, sig, source, dims):
    """The array of ``sig.return_type`` over ``source``'s memory with shape ``dims``
    (LLVM intp values), C-contiguous."""
    src = make_array(sig.args[0])(context, builder, source)
    out = make_array(sig.return_type)(context, builder)
    strides, stride = [], src.itemsize
    for dim in reversed(dims):
        strides.insert(0, stride)
        stride = builder.mul(stride, dim)
    populate_array(
        out, data=src.data, shape=cgutils.pack_array(builder, dims),
        strides=cgutils.pack_array(builder, strides),
        itemsize=src.itemsize, meminfo=src.meminfo, parent=src.parent,
    )
    return impl_ret_borrowed(context, builder, sig.return_type, out._getvalue())


def _is_c_array(typ, ndim=None) -> bool:
    return isinstance(typ, types.Array) and typ.layout == "C" and ndim in (None, typ.ndim)


@intrinsic
def _as_matrix(typingctx, vec, rows, cols):
    """(rows × cols) view of 1-d C-contiguous ``vec`` (size unchecked)."""
    if not _is_c_array(vec, 1):
        return None
    sig = vec.copy(ndim=2)(vec, rows, cols)

    def codegen(context, builder, sig, args):
        dims = [context.cast(builder, v, t, types.intp) for v, t in zip(args[1:], sig.args[1:])]
        return _c_view(context, builder, sig, args[0], dims)

    return sig, codegen


@kernel
def as_matrix(vec, rows, cols):
    """``vec.reshape((rows, cols))`` for a 1-d C-contiguous vector."""
    if vec.size != rows * cols:
        raise ValueError("as_matrix: size mismatch")
    return _as_matrix(vec, rows, cols)


@intrinsic
def as_vector(typingctx, arr):
    """``arr.ravel()`` for a C-contiguous array: its values as a 1-d view."""
    if not _is_c_array(arr):
        return None
    sig = arr.copy(ndim=1)(arr)

    def codegen(context, builder, sig, args):
        src = make_array(sig.args[0])(context, builder, args[0])
        return _c_view(context, builder, sig, args[0], [src.nitems])

    return sig, codegen
