"""One compiled call per epoch: the minibatch loop of stochastic gradient descent.

The lecture's algorithm, for every minibatch of the (shuffled or not) sample
order: gather the rows, forward pass, output delta, backward pass, update
``w -= η·(δ·out + α·w)/n`` (or the momentum / Adam rule).  Batch, stochastic and
minibatch gradient descent are the same loop with batch_size = n, 1 or s.
Nothing here allocates: every buffer comes in through the ``Workspace``.
"""

from collections import namedtuple

import numpy as np

from ._blas import no_kernels
from ._borrowed import borrowed
from ._jit import kernel
from ._linalg import aligned_empty
from ._network import backprop, compiled_products, n_coefs, workspace_size
from ._optimizers import optimizer_step, optimizer_team
from ._shared_gather import gather_batch, gather_team
from ._sparse import batch_buffer

Workspace = namedtuple("Workspace", "X Y sw acts deltas grads kernels team gather")
Workspace.__doc__ = """Buffers for one fit: the gathered batch (X, Y, sample weights),
flat activations and deltas, the raw gradient vector, the layers' products
compiled for full batches (see :func:`fastmlp._network.compiled_products`),
the team of MKL threads that shares the optimizer's update (see
:func:`fastmlp._optimizers.optimizer_team`) and the one that shares the
copying of the batch's rows (see :mod:`fastmlp._shared_gather`)."""


def make_workspace(sizes: np.ndarray, rows: int, n_params: int, dtype, X=None,
                   full_batch: bool = False, compiled: bool = False,
                   threads: int = 1, target_dtype=None, repeats: bool = False) -> Workspace:
    """Allocate every buffer a fit needs for batches of at most ``rows`` rows.

    The batch buffer for X matches the training input ``X`` (dense, or CSR
    with room for the ``rows`` fullest rows); dense if ``X`` is None.  With
    ``full_batch`` (X is passed to the kernels whole) it is left empty.  With
    ``compiled`` the products of ``rows``-row batches run as MKL-generated
    code, which is sequential: for fits on one BLAS thread.  With ``threads``
    > 1 (the fit's products run on that many MKL threads) they also share the
    optimizer's update and the copying of the batch's rows.  The batch's
    targets are in ``target_dtype`` (default ``dtype``; booleans for the hinge,
    see :func:`fastmlp._losses.output_loss`).  With ``repeats`` a batch may hold
    a row more than once (sampled descent).  Every buffer starts on a cache
    line (:func:`fastmlp._linalg.aligned_empty`).
    """
    units = workspace_size(sizes, rows)
    kernels = compiled_products(sizes, rows, dtype) if compiled else no_kernels(sizes.size - 1)
    batch_rows = 0 if full_batch else rows
    return Workspace(
        batch_buffer(X, batch_rows, dtype, repeats) if X is not None
        else aligned_empty((batch_rows, sizes[0]), dtype),
        aligned_empty((rows, sizes[-1]), dtype if target_dtype is None else target_dtype),
        aligned_empty(rows, dtype),
        aligned_empty(units, dtype),
        aligned_empty(units, dtype),
        aligned_empty(n_params, dtype),
        kernels,
        optimizer_team(n_params, dtype, threads),
        gather_team(dtype, threads),
    )


@kernel(nogil=True)
def train_epoch(X, Y, sw, order, batch_size, params, net, opt, work, alpha):
    """Train one epoch over the samples in ``order``; return the mean batch loss.

    The loss of each batch is scikit-learn's (weighted mean loss plus
    ½·α·‖W‖²/Σsw), averaged over the epoch by batch length.  If a batch loss is
    not finite the epoch stops at once and that value is returned, so the
    caller can restore the last finite weights.
    """
    # the caller holds every array for the whole call: no reference counting
    X, Y, sw, order, params = borrowed(X), borrowed(Y), borrowed(sw), borrowed(order), borrowed(params)
    net, opt, work = borrowed(net), borrowed(opt), borrowed(work)
    n = order.size
    nc = n_coefs(net.sizes)
    total = 0.0
    for start in range(0, n, batch_size):
        m = min(batch_size, n - start)
        Xb = gather_batch(X, order, start, m, work.X, work.gather)
        Yb = work.Y[:m]
        swb = work.sw[:m]
        for r in range(m):
            src = order[start + r]
            for j in range(Y.shape[1]):
                Yb[r, j] = Y[src, j]
            swb[r] = sw[src]
        # Σ swb in order and in its dtype, as swb.sum() (whose implementation
        # numba would compile for this kernel alone)
        sw_sum = swb[0]
        for r in range(1, m):
            sw_sum += swb[r]
        if sw_sum == 0.0:
            raise ZeroDivisionError("the sample weights of a minibatch sum to zero")
        data_loss = backprop(Xb, Yb, swb, params, work.grads, net, work.acts, work.deltas,
                             work.kernels)
        squares = optimizer_step(params, work.grads, opt, nc, alpha, sw_sum, work.team)
        batch_loss = (data_loss + 0.5 * alpha * squares) / sw_sum
        if not np.isfinite(batch_loss):
            return batch_loss
        total += batch_loss * m
    return total / n
