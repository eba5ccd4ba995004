"""Every kind of file the store imports, named once.

The command line (``python -m lib.cli import KIND``) and the Data page's uploads (``lib/uploads.py``) both read
``IMPORT_KINDS``; a kind's name is also what the import log records. A kind's importer is imported only when it is
asked for, so that ``--help``, ``counts`` and the pages that import nothing need no geodata stack.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

POLICE_UK, BOUNDARIES, POPULATION, LOOKUP = "police-uk", "boundaries", "population", "lookup"
INDICATORS, TARGETS, ACTIONS = "indicators", "targets", "actions"


@dataclass(frozen=True)
class ImportKind:
    """One kind of import: its name, a line on what the files hold, and where its importer lives."""

    name: str
    description: str
    module: str
    function: str

    def importer(self) -> Callable[..., Any]:
        """The import function, imported now rather than with this registry.

        ``import_police_uk`` takes a list of paths and an optional progress callback and returns one summary per
        file; every other importer takes ``(db, path)`` and returns one summary.
        """
        return getattr(importlib.import_module(self.module), self.function)


IMPORT_KINDS: dict[str, ImportKind] = {kind.name: kind for kind in (
    ImportKind(POLICE_UK, "police.uk street CSVs, .csv.gz, or the monthly bulk archive zip (its *-street.csv "
               "members)", "lib.importers.police_uk", "import_police_uk"),
    ImportKind(BOUNDARIES, "LSOA, district or CSP polygons as GeoJSON (.geojson or .geojson.gz)",
               "lib.importers.boundaries", "import_boundaries"),
    ImportKind(POPULATION, "population per area and year (CSV)", "lib.importers.population", "import_population"),
    ImportKind(LOOKUP, "district -> CSP (-> force) lookup, LSOA -> district lookup, or district -> county (CSV)",
               "lib.importers.lookups", "import_lookup"),
    ImportKind(INDICATORS, "partner indicators in the tidy format of docs/formats.md (CSV)",
               "lib.importers.indicators", "import_indicators"),
    ImportKind(TARGETS, "CSP measures and targets in the layout of docs/formats.md (CSV); held ones are updated",
               "lib.performance.targets", "import_targets"),
    ImportKind(ACTIONS, "the partnership action plan in the layout of docs/formats.md (CSV); held actions are "
               "updated", "lib.priorities.action_plan", "import_actions"),
)}
