"""A real store holding two police forces (Sussex and Suffolk): the smallest real store in which a CSP's most
similar group can be drawn from more than one force, so that the Similar areas page ranks it."""

from __future__ import annotations

from pathlib import Path

from tests.app_support import copy_store
from tests.conftest import SUFFOLK_POLICE, real_file


def sussex_and_suffolk(sussex_store_path: Path, target: Path) -> Path:
    """A copy of the real Sussex store with Suffolk's police.uk file imported into it as well."""
    from lib.importers.police_uk import import_police_uk
    from lib.store.db import open_store

    copy_store(sussex_store_path, target)
    db = open_store(target)
    import_police_uk(db, [real_file(SUFFOLK_POLICE)])
    db.close()
    return target
