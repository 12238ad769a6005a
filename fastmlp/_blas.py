"""The matrix product the kernels call: Intel MKL's when installed, else scipy's OpenBLAS.

On the reference machine (Intel Xeon, AVX-512) MKL's ``dgemm`` runs the
minibatch products of the large benchmark network 25–30 % faster than the
OpenBLAS that numpy and scipy ship (103 against 75–78 GFLOP/s on two threads,
measured side by side), and it is a ``pip install fastmlp[mkl]`` away.  Without
the ``mkl`` package the kernels call scipy's BLAS, the library numba's own
``np.dot`` uses.

The kernels call the product through the symbols ``fastmlp_dgemm`` and
``fastmlp_sgemm``, which this module binds to a library's Fortran ``dgemm`` /
``sgemm`` when it is imported, before any kernel is compiled or loaded.  A
cached kernel refers to the symbol by name, so the same cache serves either
library, and the choice is made once per process.

Environment variable ``FASTMLP_BLAS``: ``auto`` (default: MKL if installed),
``mkl`` (fail if it is not), ``scipy``.

With MKL, :func:`compiled_gemm` also has MKL generate code for one fixed
shape of product, which the kernels run instead of ``dgemm`` where it was made
for the product at hand (:func:`run_compiled`).
"""

import ctypes
import functools
import os
import threading
import warnings
from importlib import metadata

import llvmlite.binding as llvm
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import get_cython_function_address, intrinsic

from ._jit import kernel
from ._views import as_vector

SYMBOLS = {types.float64: "fastmlp_dgemm", types.float32: "fastmlp_sgemm"}
CHOICES = ("auto", "mkl", "scipy")


@functools.cache
def _mkl_library() -> ctypes.CDLL | None:
    """MKL's single dynamic library from the ``mkl`` package (Linux), or None."""
    try:
        files = metadata.files("mkl") or []
    except metadata.PackageNotFoundError:
        return None
    for f in files:
        if f.name.startswith("libmkl_rt.so"):
            try:
                return ctypes.CDLL(str(f.locate()))
            except OSError:
                return None
    return None


MKL_CBWR_AUTO, MKL_CBWR_SUCCESS = 2, 0  # mkl_cbwr.h


def _reproducible(mkl: ctypes.CDLL) -> bool:
    """Switch on MKL's conditional numerical reproducibility (CNR).

    Without it MKL may pick code paths by the alignment of the arrays, so two
    fits of the same data could differ in the last bits; in CNR mode results
    depend only on the inputs and the thread count.  The mode must be set
    before any other MKL call; with ``MKL_CBWR`` in the environment MKL has
    already set it from there.
    """
    if os.environ.get("MKL_CBWR"):
        return True
    return mkl.MKL_CBWR_Set(MKL_CBWR_AUTO) == MKL_CBWR_SUCCESS


def _select(choice: str) -> tuple[str, dict[str, int]]:
    """The backend's name and the addresses of its dgemm and sgemm."""
    if choice not in CHOICES:
        raise ValueError(f"FASTMLP_BLAS must be one of {CHOICES}, got {choice!r}.")
    mkl = _mkl_library() if choice != "scipy" else None
    if mkl is not None and not _reproducible(mkl):
        warnings.warn("MKL was already in use without conditional numerical reproducibility, "
                      "so its results could depend on memory alignment; fastmlp uses scipy's "
                      "BLAS instead.", RuntimeWarning, stacklevel=2)
        mkl = None
    if mkl is not None:
        address = {
            "fastmlp_dgemm": ctypes.cast(mkl.dgemm, ctypes.c_void_p).value,
            "fastmlp_sgemm": ctypes.cast(mkl.sgemm, ctypes.c_void_p).value,
        }
        return "mkl", address
    if choice == "mkl":
        raise ImportError("FASTMLP_BLAS=mkl, but MKL is not installed: pip install fastmlp[mkl]")
    blas = "scipy.linalg.cython_blas"
    address = {
        "fastmlp_dgemm": get_cython_function_address(blas, "dgemm"),
        "fastmlp_sgemm": get_cython_function_address(blas, "sgemm"),
    }
    return "scipy", address


def _one_mkl_thread() -> None:
    """After ``fork()``: MKL on one thread in the child.

    Intel's OpenMP runtime cannot continue a thread team across ``fork()``:
    measured, a fit in a child forked (``multiprocessing``'s default on Linux)
    after a multi-threaded fit in the parent waited forever for the parent's
    worker threads (``KMP_INIT_AT_FORK=FALSE`` did not help).  On one thread
    MKL starts no team, so the child trains, serially.  The forking thread's
    own setting is cleared too: threadpoolctl's ``threadpool_limits`` sets one
    (``MKL_Set_Num_Threads_Local``) and restores it to the parent's count on
    exit, which would otherwise override the one thread in the child.
    """
    mkl = _mkl_library()
    mkl.MKL_Set_Num_Threads(1)
    mkl.MKL_Set_Num_Threads_Local(0)  # 0: this thread follows the global setting


BACKEND, _ADDRESSES = _select(os.environ.get("FASTMLP_BLAS", "auto").strip().lower())
for _symbol, _address in _ADDRESSES.items():
    llvm.add_symbol(_symbol, _address)
if BACKEND == "mkl" and hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_one_mkl_thread)


def blas_backend() -> str:
    """The library behind fastmlp's matrix products in this process.

    Returns
    -------
    backend : {"mkl", "scipy"}
        ``"mkl"`` when Intel MKL is installed (``pip install fastmlp[mkl]``) and
        not switched off with the environment variable ``FASTMLP_BLAS=scipy``;
        otherwise ``"scipy"`` (the OpenBLAS that scipy ships).
    """
    return BACKEND


@intrinsic
def gemm(typingctx, A, B, C, trans_a, trans_b):
    """C ← op(A) · op(B) for C-contiguous 2-D arrays of one float dtype.

    op(X) is Xᵀ where the flag is true.  Row-major C is column-major Cᵀ, so
    the Fortran routine computes Cᵀ = op(B)ᵀ · op(A)ᵀ, with every argument
    passed by reference.
    """
    arrays = (A, B, C)
    if not all(isinstance(a, types.Array) and a.ndim == 2 and a.layout == "C" for a in arrays):
        return None
    if not (A.dtype == B.dtype == C.dtype and A.dtype in SYMBOLS):
        return None
    if not (isinstance(trans_a, types.Boolean) and isinstance(trans_b, types.Boolean)):
        return None
    dtype = A.dtype

    def codegen(context, builder, sig, args):
        a, b, c, ta, tb = (context.make_array(t)(context, builder, v) if isinstance(t, types.Array)
                           else v for t, v in zip(sig.args, args))
        i8, i32 = ir.IntType(8), ir.IntType(32)
        real = context.get_value_type(dtype)

        def ref(value, ty=i32):
            if value.type != ty:
                value = builder.trunc(value, ty)
            return cgutils.alloca_once_value(builder, value)

        def flag(is_set):
            return ref(builder.select(is_set, i8(ord("T")), i8(ord("N"))), i8)

        m, n = cgutils.unpack_tuple(builder, c.shape, 2)
        a_rows, lda = cgutils.unpack_tuple(builder, a.shape, 2)
        ldb = cgutils.unpack_tuple(builder, b.shape, 2)[1]
        k = builder.select(ta, a_rows, lda)
        ptr = real.as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [i8.as_pointer()] * 2 + [i32.as_pointer()] * 3
                               + [ptr, ptr, i32.as_pointer(), ptr, i32.as_pointer(), ptr, ptr,
                                  i32.as_pointer()])
        fn = cgutils.get_or_insert_function(builder.module, fnty, SYMBOLS[dtype])
        one = cgutils.alloca_once_value(builder, real(1.0))
        zero = cgutils.alloca_once_value(builder, real(0.0))
        builder.call(fn, [flag(tb), flag(ta), ref(n), ref(m), ref(k), one, b.data, ref(ldb),
                          a.data, ref(lda), zero, c.data, ref(n)])
        return context.get_dummy_value()

    return types.none(A, B, C, trans_a, trans_b), codegen


# ----------------------------------------------------- MKL's compiled small products
# A kernel is an int64 array: the m, n, k, transposition flags and item size it
# was made for, and the addresses of MKL's generated function and its handle.
# The kernels of a network form a table kernels[layer, op] with op one of
# NN (A·B), TN (Aᵀ·B) and NT (A·Bᵀ); all zeros means none.
KERNEL_FIELDS = 8
NN, TN, NT = 0, 1, 2
_MADE_FOR, _FUNCTION, _HANDLE = slice(0, 6), 6, 7
_MKL_ROW_MAJOR, _MKL_NOTRANS, _MKL_TRANS, _MKL_JIT_SUCCESS = 101, 111, 112, 0  # mkl_types.h
_MAX_KERNELS = 4096  # made kernels are kept for the process; past this many, none is made
_kernels: dict = {}
_kernels_lock = threading.Lock()


def no_kernels(n_layers: int) -> np.ndarray:
    """A kernel table for ``n_layers`` layers with no generated product in it."""
    return np.zeros((n_layers, 3, KERNEL_FIELDS), dtype=np.int64)


@kernel(inline="always")
def empty_table(n_layers):
    """:func:`no_kernels` in compiled code.  Zeroed in a loop: ``np.zeros`` would
    compile numba's implementation of it (~0.35 s; before, the first fit paid
    that for the kernel table it made in Python)."""
    table = np.empty((n_layers, 3, KERNEL_FIELDS), dtype=np.int64)
    flat = as_vector(table)
    for i in range(flat.size):
        flat[i] = 0
    return table


def _new_kernels_lock() -> None:
    """After ``fork()``: a fresh lock (another thread may have held it at the fork)."""
    global _kernels_lock
    _kernels_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_kernels_lock)


def compiled_gemm(m: int, n: int, k: int, trans_a: bool, trans_b: bool, dtype) -> np.ndarray:
    """MKL's generated code for one shape of product, for :func:`run_compiled`.

    MKL compiles a GEMM for fixed sizes at run time (``mkl_cblas_jit_create_?gemm``);
    it skips the argument checks and blocking decisions of every ``dgemm``
    call, which for minibatch-sized products cost as much as the arithmetic
    (measured, one thread: 32 × 64 × 10 in 0.9 instead of 1.6 µs, 32 × 64 × 64
    in 4.5 instead of 5.2 µs, 1 × 20 × 32 in 34 ns instead of 200 ns for
    fastmlp's own loop).  Its kernels are sequential, so they serve fits that
    run on one BLAS thread.  Returns a kernel array, all zeros when MKL is not
    the backend or declines the shape (callers then fall back to ``gemm``).
    Kernels are made once per process and shape (~0.2 ms each) and never freed.
    """
    dtype = np.dtype(dtype)
    key = (int(m), int(n), int(k), bool(trans_a), bool(trans_b), dtype.str)
    with _kernels_lock:
        kernel = _kernels.get(key)
        if kernel is None:
            kernel = np.zeros(KERNEL_FIELDS, dtype=np.int64)
            if BACKEND == "mkl" and len(_kernels) < _MAX_KERNELS and min(m, n, k) > 0:
                made = _make_mkl_kernel(*key[:5], dtype)
                if made is not None:
                    kernel[_MADE_FOR] = (m, n, k, trans_a, trans_b, dtype.itemsize)
                    kernel[_FUNCTION], kernel[_HANDLE] = made
            _kernels[key] = kernel
    return kernel


def _make_mkl_kernel(m, n, k, trans_a, trans_b, dtype):
    mkl = _mkl_library()
    letter = "d" if dtype == np.float64 else "s"
    try:
        create = getattr(mkl, f"mkl_cblas_jit_create_{letter}gemm")
        get_function = getattr(mkl, f"mkl_jit_get_{letter}gemm_ptr")
    except AttributeError:  # an MKL without the JIT interface
        return None
    real = ctypes.c_double if letter == "d" else ctypes.c_float
    c_int = ctypes.c_int
    create.restype, get_function.restype = c_int, ctypes.c_void_p
    create.argtypes = [ctypes.POINTER(ctypes.c_void_p)] + [c_int] * 6 + [real, c_int, c_int, real, c_int]
    get_function.argtypes = [ctypes.c_void_p]
    handle = ctypes.c_void_p()
    status = create(
        ctypes.byref(handle), _MKL_ROW_MAJOR, _MKL_TRANS if trans_a else _MKL_NOTRANS,
        _MKL_TRANS if trans_b else _MKL_NOTRANS, m, n, k, 1.0,
        m if trans_a else k, k if trans_b else n, 0.0, n,
    )
    if status != _MKL_JIT_SUCCESS or not handle.value:
        return None  # (MKL_NO_JIT: MKL would call its ordinary GEMM; fastmlp does that itself)
    function = get_function(handle)
    return (function, handle.value) if function else None


@intrinsic
def _call_compiled(typingctx, function, handle, A, B, C):
    """Call an MKL-generated GEMM: ``function(handle, A, B, C)``."""
    arrays = (A, B, C)
    if not all(isinstance(a, types.Array) and a.ndim == 2 and a.layout == "C" for a in arrays):
        return None
    if not (A.dtype == B.dtype == C.dtype and A.dtype in SYMBOLS):
        return None

    def codegen(context, builder, sig, args):
        fn, jitter = args[0], args[1]
        data = [context.make_array(t)(context, builder, v).data for t, v in zip(sig.args[2:], args[2:])]
        i8p = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [i8p] + [d.type for d in data])
        builder.call(builder.inttoptr(fn, fnty.as_pointer()), [builder.inttoptr(jitter, i8p)] + data)
        return context.get_dummy_value()

    return types.none(function, handle, A, B, C), codegen


@kernel(inline="always")
def run_compiled(kernels, layer, op, A, B, C, m, n, k) -> bool:
    """Run ``kernels[layer, op]`` if it was made for this product (C is m × n,
    inner size k, transpositions of ``op``, A's item size); return whether it ran.

    The table is read entry by entry: a view of its row would cost two atomic
    reference-count updates per product, measurable in stochastic training.
    """
    function = kernels[layer, op, _FUNCTION]
    if (function == 0 or kernels[layer, op, 0] != m or kernels[layer, op, 1] != n
            or kernels[layer, op, 2] != k or kernels[layer, op, 3] != (op == TN)
            or kernels[layer, op, 4] != (op == NT) or kernels[layer, op, 5] != A.itemsize):
        return False
    _call_compiled(function, kernels[layer, op, _HANDLE], A, B, C)
    return True
