"""The one registry of import kinds, read by the command line and the Data page's uploads."""

from __future__ import annotations

import subprocess
import sys

from lib.cli import build_parser
from lib.core.import_kinds import IMPORT_KINDS
from lib.uploads import UPLOAD_KINDS
from tests.conftest import REPO


def test_every_kind_names_an_importer_and_says_what_its_files_hold():
    for name, kind in IMPORT_KINDS.items():
        assert kind.name == name
        assert kind.description and "\n" not in kind.description
        importer = kind.importer()
        assert callable(importer) and importer.__name__ == kind.function


def test_the_command_line_and_the_uploads_offer_kinds_of_the_registry():
    commands = build_parser()._subparsers._group_actions[0].choices
    kinds = next(a for a in commands["import"]._actions if a.dest == "kind")
    assert list(kinds.choices) == list(IMPORT_KINDS)
    assert set(UPLOAD_KINDS) <= set(IMPORT_KINDS)


def test_help_imports_no_importer():
    # The registry names its importers without importing them, so `--help` needs no geodata stack.
    modules = sorted({kind.module for kind in IMPORT_KINDS.values()} | {"geopandas", "shapely", "esda"})
    probe = (f"import sys; from lib import cli; cli.build_parser().format_help(); "
             f"print([m for m in {modules!r} if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
