"""BLAS thread counts: more threads only where the products are large enough to pay.

Measured on the reference machine (2 cores): for minibatch products up to a few
million multiply-adds (W2, W3, W5 of the benchmarks) a second OpenBLAS thread
gains nothing or loses (it wakes and synchronises per call) and takes the other
core from the user's own parallel work; for W4's 256 × 784 × 512 products it
cuts the epoch time by ~30 %.  MKL's threads pay from smaller products on: a
second thread made W3 (largest product 4.2 M multiply-adds) 11 % faster per
epoch, and W5 (0.5 M) 25 % and W2 (0.13 M) 40 % slower.  L-BFGS-B's own tiny
BLAS calls run on one thread (see :mod:`fastmlp._lbfgs`).
"""

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from threadpoolctl import ThreadpoolController

from ._blas import BACKEND, _mkl_library

# largest per-batch product (multiply-adds) below which training uses one BLAS thread
MULTITHREAD_MIN_MACS = {"mkl": 2_000_000, "scipy": 16_000_000}[BACKEND]

_controller = None


def _blas_libraries():
    global _controller
    if _controller is None:
        _controller = ThreadpoolController().select(user_api="blas")
    return _controller.lib_controllers


def current_counts() -> list[int]:
    """Thread count of every loaded BLAS library."""
    return [lib.num_threads for lib in _blas_libraries()]


def set_counts(counts) -> None:
    """Set every loaded BLAS library's thread count (one count per library)."""
    for lib, n in zip(_blas_libraries(), counts):
        lib.set_num_threads(n)


@contextmanager
def single_blas_thread(enabled: bool = True) -> Iterator[list[int]]:
    """Run the body with one BLAS thread (if ``enabled``); yields the previous counts."""
    previous = current_counts()
    if enabled:
        set_counts([1] * len(previous))
    try:
        yield previous
    finally:
        if enabled:
            set_counts(previous)


@contextmanager
def one_thread_for_kernels(enabled: bool = True) -> Iterator[None]:
    """Run the body's products (the kernels' BLAS calls from this thread) on one thread.

    With MKL this is MKL's setting for the calling thread only (~1 µs, and other
    threads keep theirs); otherwise :func:`single_blas_thread` (~10-60 µs).
    """
    if not enabled:
        yield
    elif BACKEND == "mkl":
        mkl = _mkl_library()
        previous = mkl.MKL_Set_Num_Threads_Local(1)
        try:
            yield
        finally:
            mkl.MKL_Set_Num_Threads_Local(previous)
    else:
        with single_blas_thread():
            yield


def largest_batch_product(sizes: np.ndarray, batch_size: int) -> int:
    """Multiply-adds of the largest layer product of one minibatch."""
    return int(batch_size * max(a * b for a, b in zip(sizes[:-1], sizes[1:])))
