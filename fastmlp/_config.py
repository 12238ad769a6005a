"""Global fastmlp settings that are not estimator parameters.

Estimator parameters stay exactly scikit-learn's (so ``get_params``, ``clone``
and grid searches are unchanged); settings that only change how a fit reports
itself live here, like scikit-learn's own ``set_config`` / ``config_context``.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_DEFAULTS = {"progress_bar": False}
_local = threading.local()


def _settings() -> dict:
    if not hasattr(_local, "settings"):
        _local.settings = dict(_DEFAULTS)
    return _local.settings


def get_config() -> dict:
    """The current settings of this thread.

    Returns
    -------
    config : dict
        ``{"progress_bar": bool}``.
    """
    return dict(_settings())


def set_config(*, progress_bar: bool | None = None) -> None:
    """Change settings for this thread.

    Parameters
    ----------
    progress_bar : bool, default=None
        Show a tqdm progress bar over the epochs of every ``fit`` (needs the
        ``progress`` extra: ``pip install fastmlp[progress]``).  None leaves
        the setting unchanged.
    """
    if progress_bar is not None:
        _settings()["progress_bar"] = bool(progress_bar)


@contextmanager
def config_context(*, progress_bar: bool | None = None) -> Iterator[None]:
    """Temporarily change settings, restoring them on exit.

    Parameters
    ----------
    progress_bar : bool, default=None
        See :func:`set_config`.

    Examples
    --------
    >>> import fastmlp
    >>> with fastmlp.config_context(progress_bar=False):
    ...     fastmlp.get_config()["progress_bar"]
    False
    """
    old = get_config()
    set_config(progress_bar=progress_bar)
    try:
        yield
    finally:
        _settings().update(old)
