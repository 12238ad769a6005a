"""Compiled loops run on MKL's own OpenMP threads.

When a fit's products run on MKL's threads (the larger networks), the work
between them -- the optimizer's update of every weight -- ran on one thread:
1.5 of W4's ~11 ms per minibatch.  A second pool of threads (numba's parallel
loops, a helper thread) competes for the cores with MKL's threads, which wait
for their next product spinning: measured, no gain over a whole fit.  So the
loop is handed to the OpenMP runtime MKL itself runs on (Intel's libiomp5,
through ``GOMP_parallel``, its GNU-compatible entry point): it runs on MKL's
own threads, awake already, and no other thread competes for the cores.

A *team* (:class:`Team`) is what the worker receives: an int64 array with the
runtime's entry point, the worker's address, the number of threads, a counter
from which the threads claim the pieces of work one by one, and the job's
own fields; and a float64 array for the job's values.  Each piece is written
by whichever thread claimed it, so results never depend on the thread count.
"""

import ctypes
import functools
from collections import namedtuple

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from ._blas import BACKEND, _mkl_library

Team = namedtuple("Team", "ints values")
Team.__doc__ = """A job for the OpenMP threads: ``ints`` (int64, TEAM_FIELDS: PARALLEL,
WORKER, THREADS, NEXT, the address of ``values``, then the job's fields from JOB on)
and ``values`` (float64, the job's)."""
PARALLEL, WORKER, THREADS, NEXT, VALUES, JOB = range(6)
TEAM_FIELDS = 24


@functools.cache
def _gomp_parallel() -> int:
    """Address of ``GOMP_parallel`` in the OpenMP runtime MKL runs its threads on, or 0
    (no MKL, or MKL on another threading layer)."""
    if BACKEND != "mkl":
        return 0
    from threadpoolctl import ThreadpoolController

    _mkl_library().MKL_Get_Max_Threads()  # makes MKL load its threading layer
    libraries = ThreadpoolController().lib_controllers
    if not any(lib.internal_api == "mkl" and lib.threading_layer == "intel" for lib in libraries):
        return 0
    for lib in libraries:
        if lib.internal_api == "openmp" and lib.prefix == "libiomp":
            try:
                return ctypes.cast(ctypes.CDLL(lib.filepath).GOMP_parallel, ctypes.c_void_p).value
            except (OSError, AttributeError):
                return 0
    return 0


def openmp_threads() -> int:
    """The number of threads MKL's products run on, if a team can run on them; else 1.

    1 in a process made by ``fork()``, where a team would wait forever for the
    parent's workers: :func:`fastmlp._blas._one_mkl_thread` sets MKL's count to 1 there.
    """
    if not _gomp_parallel():
        return 1
    return max(1, int(_mkl_library().MKL_Get_Max_Threads()))


def new_team(worker, threads: int, n_values: int) -> Team:
    """A team for ``worker`` (a numba cfunc taking the team's int64 array) on
    ``threads`` threads; with fewer than two (or no worker) PARALLEL is 0: run serially."""
    ints = np.zeros(TEAM_FIELDS, dtype=np.int64)
    values = np.zeros(n_values, dtype=np.float64)
    if worker is not None and threads > 1 and _gomp_parallel():
        ints[PARALLEL], ints[WORKER], ints[THREADS] = _gomp_parallel(), worker.address, threads
        ints[VALUES] = values.ctypes.data
    return Team(ints, values)


def no_team() -> Team:
    """A team that runs everything serially."""
    return new_team(None, 1, 0)


def _team_intrinsic(ints) -> bool:
    return isinstance(ints, types.Array) and ints.dtype == types.int64


def _field(context, builder, sig, args, k):
    """Pointer to field ``k`` of the team's int64 array (the intrinsics' argument 0)."""
    data = context.make_array(sig.args[0])(context, builder, args[0]).data
    return builder.gep(data, [ir.IntType(64)(k)])


@intrinsic
def run_team(typingctx, ints):
    """Run the team's worker on its threads (``GOMP_parallel``); returns when all are done."""
    if not _team_intrinsic(ints):
        return None

    def codegen(context, builder, sig, args):
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        field = lambda k: builder.load(_field(context, builder, sig, args, k))  # noqa: E731
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i8p, i32, i32])
        builder.call(builder.inttoptr(field(PARALLEL), fnty.as_pointer()),
                     [builder.inttoptr(field(WORKER), i8p),
                      builder.bitcast(_field(context, builder, sig, args, 0), i8p),
                      builder.trunc(field(THREADS), i32), i32(0)])
        return context.get_dummy_value()

    return types.none(ints), codegen


@intrinsic
def claim(typingctx, ints):
    """Atomically take the team's next piece of work: returns NEXT and increments it."""
    if not _team_intrinsic(ints):
        return None

    def codegen(context, builder, sig, args):
        counter = _field(context, builder, sig, args, NEXT)
        return builder.atomic_rmw("add", counter, ir.IntType(64)(1), "monotonic")

    return types.int64(ints), codegen


@intrinsic
def pointer_to(typingctx, address, like):
    """``address`` as a pointer to values of ``like``'s type, a float or (any integer)
    int64 (for numba.carray)."""
    if not isinstance(address, types.Integer):
        return None
    if isinstance(like, types.Float):
        target = like
    elif isinstance(like, types.Integer):
        target = types.int64
    else:
        return None

    def codegen(context, builder, sig, args):
        return builder.inttoptr(args[0], context.get_value_type(target).as_pointer())

    return types.CPointer(target)(address, like), codegen

