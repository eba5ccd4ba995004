"""What the Avonmere partnership wrote: the CSPs' targets, the action plan, and last year's threat, harm and risk
assessment with this year's working draft, and how they go into the store.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import sqlite_utils

from lib.core.sql import placeholders
from lib.demo.design import COUNTY_CODE, DISTRICTS, LAST_MONTH, slug
from lib.priorities.scoring import Assessment

TARGET_YEAR, BASELINE_YEAR = "2026/27", "2025/26"
WRITTEN_AT = "2026-10-08T09:30:00+00:00"  # fixed, so two builds are identical
PPV_NOTE = "Public place violence is approximated by violence and sexual offences plus public order."
CUT_BY = "compared with 2025/26"


@dataclass(frozen=True)
class Target:
    """One CSP measure; ``value`` is a signed % (percent_change), a number (absolute) or +1/-1 (direction)."""

    csp: str
    indicator_key: str
    measure: str
    target_type: str
    value: float
    basis: str = "fytd"
    commentary: str = ""


def _more_domestic_abuse_reports(csp: str) -> Target:
    measure = f"Increase reporting of domestic abuse incidents by 5% {CUT_BY}"
    return Target(csp, "domestic-abuse-incidents", measure, "percent_change", 5)


def _percent_cut(csp: str, category: str, percent: float, commentary: str = "") -> Target:
    measure = f"Reduce {category.lower()} by {percent:g}% {CUT_BY}"
    return Target(csp, slug(category), measure, "percent_change", -percent, commentary=commentary)


# Modelled on the kinds of measure CSPs set (see docs/domain.md): % change on a baseline year, absolute
# numbers to deliver, rolling-year reductions, and plain directions where no number was agreed.
TARGETS: tuple[Target, ...] = (
    _percent_cut("Brackenford", "Burglary", 3),
    _percent_cut("Brackenford", "Vehicle crime", 3, "Mostly thefts from cars at the retail park."),
    _more_domestic_abuse_reports("Brackenford"),
    Target("Brackenford", "home-safety-visits", "Deliver 900 home safety visits", "absolute", 900,
           "year_end"),
    Target("Brackenford", "first-time-entrants", "Reduce first-time entrants to the youth justice system",
           "direction", -1, "year_end"),
    Target("Castlebury", "public-place-violence", f"A 3% reduction in public place violence {CUT_BY}",
           "percent_change", -3,
           commentary=f"{PPV_NOTE} Safe Night Out marshals have worked weekend nights since June."),
    _percent_cut("Castlebury", "Shoplifting", 3, "Rising county-wide; the retail radio scheme relaunches."),
    _more_domestic_abuse_reports("Castlebury"),
    Target("Castlebury", "home-safety-visits", "Deliver 1,600 home safety visits", "absolute", 1600,
           "year_end"),
    _percent_cut("Castlebury", "Anti-social behaviour", 5),
    _percent_cut("Harwick", "Anti-social behaviour", 5),
    _percent_cut("Harwick", "Criminal damage and arson", 3),
    Target("Harwick", "ksi-casualties", "Reduce the number of people killed or seriously injured by 10%",
           "percent_change", -10),
    _more_domestic_abuse_reports("Harwick"),
    Target("Lowmere", "burglary", "A combined reduction of 5% in burglary in the rolling year figures",
           "percent_change", -5, "rolling_12",
           commentary="Includes rural outbuilding thefts; cross-border work with neighbouring forces."),
    Target("Lowmere", "ksi-casualties", "Reduce the number of people killed or seriously injured by 10%",
           "percent_change", -10, commentary="Community Speedwatch groups now cover 14 villages."),
    _percent_cut("Lowmere", "Vehicle crime", 3),
    Target("Lowmere", "dwelling-fires", "Reduce the number of accidental dwelling fires", "direction", -1),
    _more_domestic_abuse_reports("Lowmere"),
    Target("Saltcliffe", "public-place-violence", f"A 3% reduction in public place violence {CUT_BY}",
           "percent_change", -3, commentary=PPV_NOTE),
    _percent_cut("Saltcliffe", "Anti-social behaviour", 5,
                 "Seafront ASB rose over the summer; a dispersal order is proposed for the pier approach."),
    Target("Saltcliffe", "drugs", f"Increase drug offences found by proactive policing by 5% {CUT_BY}",
           "percent_change", 5, commentary="Drug offences are found by police activity, so more is better."),
    _more_domestic_abuse_reports("Saltcliffe"),
    Target("Saltcliffe", "home-safety-visits", "Deliver 1,100 home safety visits", "absolute", 1100,
           "year_end"),
)


def target_rows() -> list[dict]:
    """The targets table's rows: every CSP's measures for 2026/27."""
    csp_code = {d.name: d.csp_code for d in DISTRICTS}
    return [
        {
            "csp_code": csp_code[t.csp], "indicator_key": t.indicator_key, "measure": t.measure,
            "target_type": t.target_type, "target_value": float(t.value),
            "baseline_period": None if t.target_type == "absolute" else BASELINE_YEAR,
            "target_period": TARGET_YEAR, "basis": t.basis, "commentary": t.commentary or None,
            "updated_by": f"{t.csp} CSP officer", "updated_at": WRITTEN_AT,
        }
        for t in TARGETS
    ]


# Scores in the order of lib.priorities.scoring's questions: physical, psychological, financial, community and
# environmental harm, scope; frequency, trend, vulnerability; confidence; capacity, capability, led elsewhere.
Scores = tuple[int, int, int, int, int, int, int, int, int, int, int, int, bool]
SCORE_ORDER = ("physical", "psychological", "financial", "community", "environmental", "scope", "frequency",
               "trend", "vulnerability", "confidence", "capacity", "capability", "led_elsewhere")


@dataclass(frozen=True)
class Issue:
    """One issue scored at last year's threat, harm and risk assessment."""

    issue: str
    indicator_key: str | None
    scores: Scores
    chosen: bool
    rationale: str


ASSESSED_YEAR, NEXT_YEAR = "2026/27", "2027/28"
AGREED_NAME = "Agreed at the partnership event"
AGREED_AT = "2026-03-12T15:00:00+00:00"

ASSESSMENT: tuple[Issue, ...] = (
    Issue("Domestic abuse", "domestic-abuse-incidents", (4, 4, 3, 2, 0, 1, 4, 3, 4, 3, 4, 3, False), True,
          "Highest harm and frequent; under-reported, so the partnership works to raise reporting."),
    Issue("Violence in the night-time economy", "public-place-violence", (4, 3, 1, 3, 1, 2, 4, 2, 3, 4, 3, 4, False),
          True, "Concentrated in Castlebury town centre and on Saltcliffe seafront, where partners can act."),
    Issue("Anti-social behaviour", "anti-social-behaviour", (1, 3, 1, 4, 3, 2, 4, 2, 3, 4, 4, 3, False), True,
          "The public's top concern in every district; councils and housing hold the powers to act."),
    Issue("Road safety", "ksi-casualties", (4, 3, 3, 2, 1, 3, 3, 2, 2, 4, 3, 3, False), True,
          "Rural roads in Lowmere and Harwick see most serious casualties; Speedwatch is partnership-led."),
    Issue("Drug supply and county lines", "drugs", (4, 4, 2, 4, 2, 4, 3, 3, 4, 2, 2, 2, True), False,
          "High risk, but Avonmere Police's county lines team leads; the partnership supports."),
    Issue("Fraud and scams against older people", None, (0, 3, 4, 1, 0, 2, 4, 3, 4, 2, 2, 2, True), False,
          "Growing, but local evidence is thin and Trading Standards lead the response."),
    Issue("Shoplifting and retail crime", "shoplifting", (0, 1, 3, 2, 0, 2, 4, 4, 1, 3, 2, 3, False), False,
          "Rising fast; tackled through the business crime partnership, not as a county priority."),
    Issue("Hate incidents", None, (3, 4, 1, 3, 0, 2, 2, 2, 3, 1, 3, 3, False), False,
          "Harm is high for victims; the data are too sparse to rank with confidence."),
    Issue("Serious violence and knife crime", "possession-of-weapons", (4, 4, 1, 3, 0, 3, 2, 2, 3, 3, 2, 2, True),
          False, "Rare in Avonmere; covered by the Serious Violence Duty board's own strategy."),
    Issue("Modern slavery and exploitation", None, (4, 4, 3, 2, 0, 4, 1, 2, 4, 1, 1, 2, True), False,
          "Little local evidence; the regional network leads."),
    Issue("Dwelling burglary", "burglary", (1, 3, 3, 2, 0, 1, 4, 1, 2, 4, 3, 3, False), False,
          "Falling for three years; kept as a local measure in Lowmere."),
    Issue("Rural and cross-border crime", None, (1, 2, 3, 2, 2, 2, 2, 2, 2, 2, 3, 2, False), False,
          "In the Lowmere CSP plan, with the rural crime team."),
    Issue("Accidental dwelling fires", "dwelling-fires", (4, 3, 3, 1, 1, 1, 2, 1, 3, 4, 4, 4, True), False,
          "Led by the fire service's prevention plan; falling."),
    Issue("Youth offending (first-time entrants)", "first-time-entrants", (1, 2, 1, 2, 0, 2, 2, 2, 3, 3, 3, 3, True),
          False, "Low and stable; the Youth Justice Service leads."),
)


def agreed_assessment() -> list[Assessment]:
    """Last year's agreed threat, harm and risk assessment for the county, as the scoring model reads it."""
    return [
        Assessment(issue=i.issue, **_named_scores(i), chosen=i.chosen, rationale=i.rationale,
                   indicator_key=i.indicator_key)
        for i in ASSESSMENT
    ]


def _named_scores(issue: Issue) -> dict[str, Any]:
    """An issue's scores by the scoring model's names, 'physical' to 'led_elsewhere'."""
    return dict(zip(SCORE_ORDER, issue.scores, strict=True))


def insert_assessments(db: sqlite_utils.Database) -> None:
    """Last year's agreed assessment, and this year's working draft: last year's judgements with frequency,
    trend and confidence refreshed from the county's latest 12 months of data, as a partnership would start."""
    from lib.core.areas import find_area
    from lib.core.catalogue import indicator_catalogue
    from lib.core.periods import custom_period, shift_months
    from lib.priorities.assessments import delete_draft, save_version, start_draft
    from lib.priorities.evidence import candidate_issues, issue_evidence
    from lib.priorities.suggestions import refreshed

    agreed = agreed_assessment()
    draft = start_draft(db, COUNTY_CODE, ASSESSED_YEAR, agreed, COUNTY_TEAM, evidence_period="Apr 2024 to Mar 2025",
                        when=AGREED_AT)
    save_version(db, draft.id, AGREED_NAME, COUNTY_TEAM, note="Four priorities chosen for 2026/27.", when=AGREED_AT)
    delete_draft(db, draft.id, COUNTY_TEAM, reason="Agreed and saved", when=AGREED_AT)
    county, period = find_area(db, COUNTY_CODE), custom_period(shift_months(LAST_MONTH, -11), LAST_MONTH)
    candidates = {c.indicator_key: c for c in candidate_issues(indicator_catalogue(db)) if c.indicator_key}
    fresh = [
        refreshed(a, issue_evidence(db, candidates[a.indicator_key], county, period))
        if a.indicator_key in candidates else a
        for a in agreed
    ]
    start_draft(db, COUNTY_CODE, NEXT_YEAR, [replace(a, chosen=False) for a in fresh], COUNTY_TEAM,
                evidence_period=period.label, when=WRITTEN_AT)


@dataclass(frozen=True)
class Action:
    """One row of the partnership action plan; ``csp`` is None for a county-wide action."""

    priority: str
    csp: str | None
    action: str
    intended_outcome: str
    lead: str
    completion_date: str
    rag: str
    commentary: str
    measure_keys: str = ""


COUNTY_TEAM = "Avonmere Safer Communities Team"
DA, NTE, ROADS = "Domestic abuse", "Violence in the night-time economy", "Road safety"
ASB_PRIORITY = "Anti-social behaviour"
PPV = "public-place-violence"

ACTIONS: tuple[Action, ...] = (
    Action(DA, None, "Launch the Avonmere domestic abuse strategy 2026-2031",
           "People have safe, equal and abuse-free relationships", COUNTY_TEAM, "2026-06-30", "Complete",
           "Launched at the June partnership event.", "domestic-abuse-incidents"),
    Action(DA, None, "Train frontline staff in every partner to ask about abuse and refer",
           "More victims disclose abuse and are referred early", COUNTY_TEAM, "2027-03-31", "Green",
           "412 staff trained so far against a plan of 600.", "domestic-abuse-incidents"),
    Action(DA, None, "Review the MARAC operating model and referral thresholds",
           "High-risk victims are safer sooner", "Avonmere Police Public Protection", "2026-12-31", "Amber",
           "Review started late after a change of chair; report due in January.", "domestic-abuse-incidents"),
    Action(DA, "Saltcliffe", "Run a reporting campaign in GP surgeries and pharmacies",
           "Increased reporting of domestic abuse", "Saltcliffe CSP", "2026-11-30", "Green",
           "Posters in all 9 surgeries; pharmacies follow in November.", "domestic-abuse-incidents"),
    Action(DA, "Harwick", "Set up a drop-in advice session at Harwick library",
           "Victims can get advice without an appointment", "Harwick CSP", "2026-09-30", "Red",
           "Venue lost when library hours were cut; looking for another site.", "domestic-abuse-incidents"),
    Action(NTE, "Castlebury", "Fund Safe Night Out marshals on Friday and Saturday nights",
           "Fewer assaults in Castlebury town centre", "Castlebury CSP", "2027-03-31", "Green",
           "Marshals in place since June; town-centre violence is down on last year.",
           f"{PPV},violence-and-sexual-offences,public-order"),
    Action(NTE, "Castlebury", "Review licensed premises with repeat incidents at the JAG",
           "Problem premises are dealt with through licensing", "Avonmere Police Licensing", "2026-12-31",
           "Green", "Two premises reviewed; new licence conditions agreed for one.", PPV),
    Action(NTE, "Saltcliffe", "Extend CCTV coverage along Marine Parade and the pier",
           "Faster response to incidents on the seafront", "Saltcliffe Borough Council", "2026-08-31",
           "Amber",
           "Cameras installed; the monitoring contract was signed late, live from November.", PPV),
    Action(NTE, None, "Agree a county-wide 'ask for help' scheme with licensees",
           "Vulnerable people can get help in any venue", COUNTY_TEAM, "2026-10-31", "Complete",
           "Launched in 126 venues.", "violence-and-sexual-offences"),
    Action(NTE, None, "Share A&E assault data with the community safety analysts",
           "Violence not reported to police is seen and mapped", "Avonmere Public Health", "2027-01-31",
           "Red",
           "The information sharing agreement is still with the hospital trust's lawyers.", PPV),
    Action(ASB_PRIORITY, None, "Roll out the shared ASB case management system to all five councils",
           "Repeat and vulnerable victims are identified and supported", COUNTY_TEAM, "2026-12-31", "Amber",
           "Live in three councils; Harwick and Lowmere in the new year.", "anti-social-behaviour"),
    Action(ASB_PRIORITY, None, "Train partners in the ASB risk assessment and case review",
           "A consistent response to high-risk ASB victims", COUNTY_TEAM, "2026-09-30", "Complete",
           "Delivered to 180 staff.", "anti-social-behaviour"),
    Action(ASB_PRIORITY, "Saltcliffe", "Consult on a dispersal order for the pier approach",
           "Less ASB on the seafront in summer", "Saltcliffe CSP", "2027-03-31", "Amber",
           "Seafront ASB rose this summer; consultation opens in November.", "anti-social-behaviour"),
    Action(ASB_PRIORITY, "Brackenford", "Youth diversion sessions at the retail park on Friday evenings",
           "Fewer ASB reports around the retail park", "Brackenford CSP", "2027-03-31", "Green",
           "Sessions running with good attendance.", "anti-social-behaviour"),
    Action(ASB_PRIORITY, "Harwick", "Problem-solving plan for repeat ASB on two Harwick estates",
           "Fewer repeat calls from the same streets", "Harwick CSP", "2026-12-31", "Green",
           "Plan agreed at the JAG; the housing association's fencing work is done.",
           "anti-social-behaviour,criminal-damage-and-arson"),
    Action(ROADS, None, "Deliver the road safety communications calendar",
           "Fewer people killed or seriously injured", "Avonmere Road Safety Partnership", "2027-03-31",
           "Green",
           "Summer motorcycle campaign delivered.", "ksi-casualties"),
    Action(ROADS, "Lowmere", "Grow Community Speedwatch to 20 villages",
           "Less speeding where residents are most concerned", "Lowmere CSP", "2027-03-31", "Amber",
           "14 villages active; volunteer recruitment is slower than hoped.", "ksi-casualties"),
    Action(ROADS, "Harwick", "Scope 20mph zones near schools", "Safer journeys to school",
           "Avonmere County Council Highways", "2027-01-31", "Green", "Six schools surveyed.",
           "ksi-casualties"),
    Action(ROADS, None, "Agree a single road safety strategy with neighbouring counties",
           "One strategy across the region", "Avonmere Road Safety Partnership", "2026-07-31", "Red",
           "Delayed: two neighbouring authorities have not yet signed off.", "ksi-casualties"),
    Action("Partnership working", None, "Share the partnership dashboard with all CSPs and members",
           "Everyone sees the same figures for every priority", COUNTY_TEAM, "2026-12-31", "Green",
           "Demo running; live data from next quarter."),
)


def action_rows() -> list[dict]:
    """The action plan's rows: CSP code for local actions, the county's for county-wide ones."""
    csp_code = {d.name: d.csp_code for d in DISTRICTS}
    return [
        {
            "priority": a.priority, "area_code": csp_code[a.csp] if a.csp else COUNTY_CODE,
            "action": a.action,
            "intended_outcome": a.intended_outcome, "lead": a.lead, "completion_date": a.completion_date,
            "rag": a.rag, "commentary": a.commentary, "measure_keys": a.measure_keys or None,
            "last_updated": "2026-10-05", "updated_by": f"{a.csp} CSP officer" if a.csp else COUNTY_TEAM,
        }
        for a in ACTIONS
    ]


def insert_plans(db: sqlite_utils.Database) -> None:
    """Write the targets, action plan and priority assessment in one transaction."""
    db.execute("BEGIN IMMEDIATE")
    try:
        for table, rows in (("targets", target_rows()), ("actions", action_rows())):
            columns = list(rows[0])
            db.conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders(columns)})",
                [tuple(row[c] for c in columns) for row in rows],
            )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
