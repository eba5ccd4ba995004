"""The Performance pages' tables in words: a CSP's similar areas, and the columns of the targets' change history."""

from __future__ import annotations

import pandas as pd

# With lib.core.history.history_frame: the columns a target's change history has beyond the shared ones.
TARGET_HISTORY_COLUMNS = {"indicator_key": "Indicator", "target_period": "Year"}


def peer_frame(peers: pd.DataFrame) -> pd.DataFrame:
    """The peers as a table in words."""
    return peers.assign(rate=peers["rate"].round(2), distance=peers["distance"].round(2)).rename(columns={
        "code": "Code", "name": "CSP", "rate": "Rate per 1,000", "count": "Incidents", "population": "Residents",
        "distance": "Distance (0 = identical)", "rank": "Rank", "selected": "This CSP",
    })
