"""A change history in words: one table shape for every record kept of who changed what, when and why.

Targets and the action plan both keep such a history; they share these columns and name their own few.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

HISTORY_COLUMNS = {
    "changed_at": "When", "changed_by": "Who", "field": "What changed", "old_value": "Before", "new_value": "After",
    "reason": "Why",
}


def history_frame(history: list[dict], own_columns: Mapping[str, str]) -> pd.DataFrame:
    """The change history as a table in words: the shared columns renamed, and the table's ``own_columns`` too."""
    return pd.DataFrame(history).rename(columns={**HISTORY_COLUMNS, **own_columns})
