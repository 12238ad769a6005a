"""The oldest dependency versions CI installs (.ci/oldest.txt) are exactly the lower
bounds fastmlp declares (pyproject.toml), so neither can move without the other.  The
bounds are read from the installed package's metadata: after editing pyproject.toml,
reinstall (``pip install -e .``)."""

import re
from importlib.metadata import requires
from pathlib import Path

CONSTRAINTS = Path(__file__).resolve().parents[1] / ".ci" / "oldest.txt"


def _pinned() -> dict:
    pins = {}
    for line in CONSTRAINTS.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, version = line.strip().split("==")
            pins[name] = version
    return pins


def _declared_lower_bounds() -> dict:
    bounds = {}
    for requirement in requires("fastmlp"):
        if "extra ==" in requirement:
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement)
        assert match, f"a dependency without a plain lower bound: {requirement!r}"
        bounds[match[1]] = match[2]
    return bounds


def _release(version: str) -> tuple:
    parts = [int(p) for p in version.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def test_ci_pins_each_declared_lower_bound():
    pinned, declared = _pinned(), _declared_lower_bounds()
    assert set(declared) == {"numpy", "numba", "scikit-learn", "scipy"}
    assert set(pinned) == set(declared)
    for name, bound in declared.items():
        assert _release(pinned[name]) == _release(bound), (name, pinned[name], bound)
