"""Gathering a minibatch's rows of X on MKL's threads.

Each minibatch starts by copying its rows of X, in the epoch's sample order,
into the batch buffer.  A row is a few KB from anywhere in X, so the copy waits
on memory more than it computes: on one thread it took ~0.2 ms of W4's ~9 ms
per batch, while MKL's other thread, whose products come next, waited.  With
a team (:mod:`fastmlp._omp`) the threads claim the rows in pieces and copy
them at once: ~2 % of W4's batch time saved.  (Sharing the activation and
derivative passes the same way was measured and dropped: 0.99× and 0.96× as
fast; the derivative pass's column pieces, which keep each bias sum in row
order, stride through memory.)  Without a team, for a CSR X, or for a batch
too small to share, the calling thread copies the rows.
"""

import functools

import numpy as np
from numba import carray, types
from numba.extending import intrinsic

from ._jit import kernel, thread_worker
from ._omp import (
    JOB,
    NEXT,
    PARALLEL,
    TEAM_FIELDS,
    Team,
    claim,
    new_team,
    no_team,
    openmp_threads,
    pointer_to,
    run_team,
)
from ._sparse import call_by_input_type, csr_gather, dense_gather

# the job's fields of a team: X, its rows and columns, the order, and the batch buffer
_X, _N_ROWS, _COLS, _ORDER, _N_ORDER, _START, _M, _OUT = range(JOB, JOB + 8)
PIECE_ROWS = 16       # rows per claimed piece
MIN_SHARED = 16_384   # values: a smaller batch is copied by the calling thread


@kernel
def _gather_dense(X, order, start, m, out, team):
    ints = team.ints
    if ints[PARALLEL] == 0 or m * X.shape[1] < MIN_SHARED or order.itemsize != 8:
        return dense_gather(X, order, start, m, out)
    ints[_X], ints[_N_ROWS], ints[_COLS] = X.ctypes.data, X.shape[0], X.shape[1]
    ints[_ORDER], ints[_N_ORDER], ints[_START] = order.ctypes.data, order.size, start
    ints[_M], ints[_OUT], ints[NEXT] = m, out.ctypes.data, 0
    run_team(ints)
    return out[:m]


@intrinsic
def gather_batch(typingctx, X, order, start, m, out, team):
    """Rows order[start : start + m] of X in the batch buffer ``out``
    (:func:`fastmlp._sparse.csr_gather` for a CSR X), those of a dense X shared by the
    ``team``'s threads; compiled code only."""
    args = (X, order, start, m, out, team)
    return call_by_input_type(typingctx, X, args, _gather_dense, csr_gather, range(5))


@kernel
def _claimed_pieces(data, like):
    """The worker's loop: claim pieces of PIECE_ROWS rows until none is left and
    copy each (X of ``like``'s dtype)."""
    ints = carray(data, (TEAM_FIELDS,), np.int64)
    m, cols, start = ints[_M], ints[_COLS], ints[_START]
    X = carray(pointer_to(ints[_X], like), (ints[_N_ROWS], cols))
    order = carray(pointer_to(ints[_ORDER], np.int64(0)), (ints[_N_ORDER],))
    out = carray(pointer_to(ints[_OUT], like), (m, cols))
    n_pieces = (m + PIECE_ROWS - 1) // PIECE_ROWS
    piece = claim(ints)
    while piece < n_pieces:
        lo = piece * PIECE_ROWS
        hi = min(lo + PIECE_ROWS, m)
        dense_gather(X, order, start + lo, hi - lo, out[lo:hi])
        piece = claim(ints)


@functools.cache
def _worker(dtype):
    """The compiled worker for X of ``dtype`` (compiled on the first fit that
    needs it, then loaded from numba's cache)."""
    if dtype == np.float64:
        @thread_worker(types.void(types.voidptr))
        def worker(data):
            _claimed_pieces(data, 0.0)
    else:
        @thread_worker(types.void(types.voidptr))
        def worker(data):
            _claimed_pieces(data, np.float32(0.0))
    return worker


def gather_team(dtype, threads: int) -> Team:
    """A team for the row gather of a fit whose products run on ``threads`` of
    MKL's threads (when there are two or more), else one that copies serially."""
    if threads < 2 or not openmp_threads() > 1:
        return no_team()
    return new_team(_worker(np.dtype(dtype)), threads, 0)
