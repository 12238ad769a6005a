"""A writable cache directory for numba's compiled kernels.

numba caches ``cache=True`` kernels in the package's ``__pycache__`` and, if
that is read-only (a system-wide install), in the user's cache directory.  If
neither is writable numba raises at import; then the kernels are cached in a
per-user directory under the temporary directory instead.
"""

import os
import tempfile

from numba.core import config
from numba.misc.appdirs import AppDirs


def _writable(directory: str) -> bool:
    try:
        os.makedirs(directory, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            return True
    except OSError:
        return False


def ensure_writable_numba_cache() -> None:
    """Point numba's cache at a temporary directory if it has nowhere to write."""
    if config.CACHE_DIR:
        return
    package = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__")
    user = AppDirs(appname="numba", appauthor=False).user_cache_dir
    if _writable(package) or _writable(user):
        return
    uid = os.getuid() if hasattr(os, "getuid") else os.getlogin()
    # numba re-reads its configuration from the environment, so set both
    os.environ["NUMBA_CACHE_DIR"] = os.path.join(tempfile.gettempdir(), f"fastmlp-numba-cache-{uid}")
    config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]
