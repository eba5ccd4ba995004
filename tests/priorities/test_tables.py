"""The priority matrix's tables (lib.priorities.tables)."""

from __future__ import annotations

from lib.priorities.evidence_table import COLUMNS
from lib.priorities.tables import evidence_frame
from tests.priorities.test_evidence import evidence


def test_the_evidence_table_leaves_out_indicator_keys_for_a_shared_screen():
    held = {"test": evidence(volume=120.0)}
    for_officers, for_a_room = evidence_frame(held), evidence_frame(held, keys=False)
    key = COLUMNS["indicator_key"]
    assert for_officers[key].tolist() == ["test"]
    assert key not in for_a_room.columns
    assert for_a_room.columns.tolist() == [c for c in for_officers.columns if c != key]
    assert for_a_room[COLUMNS["volume"]].tolist() == [120.0]
