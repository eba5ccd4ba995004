"""What a committee pack is about: its area, period and viewer, what the store holds, the assessment it shows,
and the partner indicators its sections have used (for the sources page).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date

import sqlite_utils

from lib.core.areas import Area
from lib.core.catalogue import Indicator, indicator_catalogue
from lib.core.periods import Period
from lib.performance.overview import overview_areas
from lib.priorities.assessments import SAVED, AssessmentVersion, list_versions, load_version
from lib.priorities.scoring import Assessment
from lib.store.access import hidden_indicator_keys, is_public
from lib.store.summary import StoreOverview
from lib.store.summary import store_overview as read_store_overview


@dataclass(frozen=True)
class PackAssessment:
    """The assessment a pack shows: which version, whose it is, and its issues."""

    version: AssessmentVersion
    owner: Area  # whose assessment it is: the area's own, or its county's
    issues: list[Assessment]


@dataclass
class Pack:
    """The area, period and mode, what the store holds, and the sources the sections have used."""

    db: sqlite_utils.Database
    area: Area
    period: Period
    public: bool
    today: date
    unit: str
    store: StoreOverview
    catalogue: list[Indicator]  # what this pack's viewer may see
    hidden: set[str]  # keys of the restricted indicators hidden from it
    areas: list[Area]  # the overview's: the county first, then its CSPs
    used: dict[str, Indicator] = field(default_factory=dict)  # partner indicators shown, for the sources

    def show(self, indicator: Indicator) -> None:
        """Note an indicator as shown, so the sources page lists it."""
        if not indicator.is_police:
            self.used[indicator.key] = indicator

    @functools.cached_property
    def assessment(self) -> PackAssessment | None:
        """The area's latest agreed (saved) assessment, else its working draft; a CSP without one uses its
        county's. Agreed first: a committee is shown what the partnership decided, not a draft in progress."""
        for owner in (self.area, _county_of(self.db, self.area)):
            versions = list_versions(self.db, owner.code) if owner else []
            if owner and versions:
                version = next((v for v in versions if v.status == SAVED), versions[0])
                return PackAssessment(version, owner, load_version(self.db, version.id))
        return None


def open_pack(db: sqlite_utils.Database, area: Area, period: Period, today: date, unit: str) -> Pack:
    """A pack of ``area`` over ``period`` as ``db``'s viewer may see it; ``unit`` is the hotspot maps' cells."""
    return Pack(db, area, period, is_public(db), today, unit, read_store_overview(db), indicator_catalogue(db),
                hidden_indicator_keys(db), overview_areas(db, area))


def _county_of(db: sqlite_utils.Database, area: Area) -> Area | None:
    if not area.parent_code:
        return None
    row = db.execute("SELECT code, name, kind, parent_code FROM areas WHERE code = ? AND kind = 'county'",
                     [area.parent_code]).fetchone()
    return Area(*row) if row else None


def describe_assessment(assessment: PackAssessment, area: Area) -> str:
    """Whose assessment it is, for which year, and whether it was agreed, in a sentence."""
    version = assessment.version
    whose = "" if assessment.owner == area else f" ({area.name} has none of its own, so the county's is used)"
    state = (f"saved {(version.saved_at or '')[:10]} by {version.saved_by}" if version.status == SAVED
             else "a working draft, not yet agreed")
    return f"{assessment.owner.name}'s assessment for {version.year}, “{version.name}” ({state}){whose}."
