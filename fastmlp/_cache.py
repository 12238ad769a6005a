"""numba's disk cache for the kernels: always writable, never stale.

numba caches ``cache=True`` kernels in the package's ``__pycache__`` and, if
that is read-only (a system-wide install), in the user's cache directory.  If
neither is writable numba raises at import; then the kernels are cached in a
per-user directory under the temporary directory instead.

numba checks a cached kernel only against its own source file, not against
the files of the functions it calls: after an edit of ``_exp.py`` the cached
``train_epoch`` would still run the old exponential.  So the cache directory
holds a fingerprint of all of fastmlp's sources, and cached kernels made from
other sources are deleted before any kernel is defined.
"""

import glob
import hashlib
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


def prepare_kernel_cache() -> None:
    """Make sure numba can cache the kernels and holds none from other sources."""
    ensure_writable_numba_cache()
    discard_stale_kernels()


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


_PACKAGE = os.path.dirname(os.path.abspath(__file__))
FINGERPRINT_FILE = "fastmlp-sources.sha256"


def sources_fingerprint() -> str:
    """SHA-256 over the package's Python sources (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(glob.glob(os.path.join(_PACKAGE, "*.py"))):
        digest.update(os.path.basename(path).encode())
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def kernel_cache_path() -> str | None:
    """The directory numba caches this package's kernels in (numba's own rules),
    or None if numba has none or its (internal) locator API is not as expected."""
    try:
        from numba.core.caching import CacheImpl

        source = os.path.join(_PACKAGE, "_training.py")
        for locator_class in CacheImpl._locator_classes:
            locator = locator_class.from_function(kernel_cache_path, source)
            if locator is not None:
                return locator.get_cache_path()
    except (ImportError, AttributeError, TypeError):
        pass
    return None


def discard_stale_kernels() -> None:
    """Delete this package's cached kernels if they were compiled from other sources."""
    path = kernel_cache_path()
    if path is None:
        return
    fingerprint = sources_fingerprint()
    stamp = os.path.join(path, FINGERPRINT_FILE)
    try:
        with open(stamp) as f:
            if f.read() == fingerprint:
                return
    except OSError:
        pass
    modules = {os.path.splitext(os.path.basename(p))[0]
               for p in glob.glob(os.path.join(_PACKAGE, "*.py"))}
    for name in os.listdir(path):
        # numba names cache files "<module>.<function>-<line>.<python>.nbi / .nbc"
        if name.endswith((".nbi", ".nbc")) and name.split(".", 1)[0] in modules:
            try:
                os.remove(os.path.join(path, name))
            except OSError:
                pass  # another process removed it, or it is in use; numba recompiles
    try:
        with tempfile.NamedTemporaryFile("w", dir=path, delete=False) as f:
            f.write(fingerprint)
        os.replace(f.name, stamp)
    except OSError:
        pass
