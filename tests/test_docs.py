"""The documents point at things that exist: relative links, the repository's
files they name, and the fastmlp functions and modules they name.

(The README's Python blocks are run by tests/test_examples.py.)"""
import fnmatch
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted([ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("benchmarks/*.md")])

# a markdown link's target: [text](target)
LINK = re.compile(r"\]\(([^)\s]+)\)")
# a path in the repository, as the documents name files: fastmlp/_omp.py, tests/test_blas.py
REPO_PATH = re.compile(r"(?<![\w/.])((?:fastmlp|tests|examples|benchmarks|docs|\.ci)/[\w./*-]*\w)")
# a dotted name in code format: `fastmlp._jit.direct_call`, `fastmlp.blas_backend()`
DOTTED = re.compile(r"`(fastmlp(?:\.\w+)+)(?:\(\))?`")


def _ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_relative_links_resolve(document):
    text = document.read_text(encoding="utf-8")
    targets = [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]
    missing = [t for t in targets
               if not t.startswith("#") and not (document.parent / t.split("#")[0]).exists()]
    assert not missing, f"{document.name} links to files that do not exist: {missing}"


def _ignored_by_git(path: str) -> bool:
    """Whether a pattern of the repository's .gitignore matches a part of ``path``
    (outputs such as ``benchmarks/.asv/``, which a clean checkout does not have)."""
    patterns = [line.strip().rstrip("/") for line in (ROOT / ".gitignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    return any(fnmatch.fnmatch(part, pattern) for part in path.split("/") for pattern in patterns)


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_named_repository_files_exist(document):
    named = set(REPO_PATH.findall(document.read_text(encoding="utf-8")))
    missing = sorted(p for p in named if not any(ROOT.glob(p)) and not _ignored_by_git(p))
    assert not missing, f"{document.name} names files that do not exist: {missing}"


def _resolve(name: str):
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[i:]:
            obj = getattr(obj, attribute)
        return obj
    raise ModuleNotFoundError(name)


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_named_functions_exist(document):
    missing = []
    for name in sorted(set(DOTTED.findall(document.read_text(encoding="utf-8")))):
        try:
            _resolve(name)
        except (ImportError, AttributeError):
            missing.append(name)
    assert not missing, f"{document.name} names what fastmlp does not have: {missing}"


def test_module_map_names_every_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    module_map = readme[readme.index("Module map"):readme.index("## Performance")]
    modules = sorted(p.name for p in (ROOT / "fastmlp").glob("*.py"))
    assert len(modules) > 30
    missing = [m for m in modules if f"`{m}`" not in module_map]
    assert not missing, f"README's module map lacks {missing}"


def test_the_documents_are_found():
    # the checks above pass vacuously if the globs find nothing
    names = set(_ids(DOCUMENTS))
    assert {"README.md", "docs/performance.md", "benchmarks/RESULTS.md"} <= names


def test_ci_runs_the_readmes_test_command():
    """The README's second command (the test suite) is a line of .ci/run, as it says."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.search(r"```bash\n(.*?)```", readme, re.S).group(1).splitlines()
    test_command = commands[1].split("#")[0].split("&&")[-1].strip()
    assert test_command.startswith("python -m pytest")
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines
