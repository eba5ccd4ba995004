"""The plan of the house, held against the code (docs/architecture.md draws it).

lib/ is in wings that import one way only, never Streamlit or ui/; no module grows past the size one person can
read in a sitting; every wing is a package with a docstring saying what belongs in it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

LIB = REPO / "lib"
# The wings from the ground up: a wing may import from wings below it, never beside or above it.
LAYERS = [("core",), ("store",), ("importers", "stats", "hotspots"), ("performance",), ("priorities",),
          ("reports",)]
RANK = {wing: level for level, wings in enumerate(LAYERS) for wing in wings}
FRONT_DOORS = len(LAYERS)  # lib/cli.py, lib/uploads.py and the lib/demo package may import any wing
MAX_LINES = 600


def _wing(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else "front door"


def _rank(module: str) -> int:
    return RANK.get(_wing(module), FRONT_DOORS)


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[str]:
    """Every module a file imports (``from lib import x`` counts as ``lib.x``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [f"{node.module}.{alias.name}" for alias in node.names] if node.module == "lib" else [node.module]
    return found


def _python_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_lib_knows_nothing_of_streamlit_or_the_ui():
    leaks = [f"{p.relative_to(REPO)} imports {m}" for p in _python_files(LIB) for m in _imports(p)
             if m.split(".")[0] in ("streamlit", "ui", "pages")]
    assert not leaks, leaks


def test_the_wings_of_lib_import_one_way():
    upward = []
    for path in _python_files(LIB):
        here = _module_name(path)
        for module in _imports(path):
            if not module.startswith("lib.") or _wing(module) == _wing(here):
                continue
            if _rank(module) >= _rank(here):
                upward.append(f"{here} ({_wing(here)}) imports {module} ({_wing(module)})")
    assert not upward, upward


def test_every_wing_is_a_package_that_says_what_belongs_in_it():
    for wing in RANK:
        init = LIB / wing / "__init__.py"
        assert init.exists(), f"lib/{wing} is not a package"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"lib/{wing} says nothing of itself"


@pytest.mark.parametrize("folder", ["lib", "ui", "pages"])
def test_no_module_is_past_what_one_person_reads_in_a_sitting(folder):
    files = _python_files(REPO / folder)
    assert files, f"{folder}/ holds no modules"
    long = {str(p.relative_to(REPO)): n for p in files if (n := len(p.read_text(encoding="utf-8").splitlines()))
            > MAX_LINES}
    assert not long, long
