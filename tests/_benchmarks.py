"""The benchmarks/ scripts, imported by the tests (test helper)."""

import importlib
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def repository_on_path():
    """The repository's root on sys.path (for ``benchmarks.*``) while in the block."""
    sys.path.insert(0, str(ROOT))
    try:
        yield
    finally:
        sys.path.remove(str(ROOT))


def import_benchmark(name: str):
    """The module ``benchmarks.<name>``."""
    with repository_on_path():
        return importlib.import_module(f"benchmarks.{name}")
