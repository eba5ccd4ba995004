"""The matrix suggested from the data where an area has no assessment (lib.priorities.suggestions), and the evidence
and scores tables shown beside it (lib.priorities.tables), on the real Sussex store.

The suggestion rules themselves, at their boundaries, are in test_evidence.py.
"""

from __future__ import annotations

import pandas as pd
import pytest

from lib.core.areas import find_area
from lib.core.catalogue import indicator_catalogue
from lib.core.formatting import MISSING, MISSING_TEXT
from lib.core.periods import custom_period
from lib.priorities.evidence import candidate_issues, evidence_by_issue, ranked_with_volume
from lib.priorities.evidence_table import COLUMNS
from lib.priorities.scoring import ranked
from lib.priorities.suggestions import suggested_assessment, suggested_scores
from lib.priorities.tables import evidence_frame, ranked_table, scores_in_words

SUSSEX_MONTHS = custom_period("2018-10", "2019-02")  # everything the real store holds


@pytest.fixture(scope="module", params=["E22000295", "E10000011"])  # Eastbourne CSP, East Sussex county
def sussex_evidence(request, sussex):
    candidates = candidate_issues(indicator_catalogue(sussex))
    return candidates, evidence_by_issue(sussex, candidates, find_area(sussex, request.param), SUSSEX_MONTHS)


def test_every_candidate_issue_gets_suggested_scores_and_none_is_chosen(sussex_evidence):
    candidates, evidence = sussex_evidence
    scores = suggested_scores(candidates, evidence)
    assert [s.issue for s in scores] == [c.name for c in candidates]
    assert scores == [suggested_assessment(c, evidence[c.name]) for c in candidates]
    assert not any(s.chosen for s in scores)  # choosing is the partnership's, not the data's
    assert not any(s.rationale for s in scores)


def test_the_suggested_matrix_ranks_every_issue_sized_by_its_volume(sussex_evidence):
    candidates, evidence = sussex_evidence
    frame = ranked_with_volume(suggested_scores(candidates, evidence), evidence)
    assert sorted(frame["issue"]) == sorted(c.name for c in candidates)
    pd.testing.assert_series_equal(frame["priority"], ranked(suggested_scores(candidates, evidence))["priority"])
    volumes = dict(zip(frame["issue"], frame["volume"], strict=True))
    asb = evidence["Anti-social behaviour"]
    assert asb.volume and volumes["Anti-social behaviour"] == asb.volume  # police.uk figures drawn at their size
    assert pd.isna(volumes["Domestic abuse"])  # no data held: no bubble size made up
    # In the store's first five months: ASB is daily (frequency 4), untested against a year earlier (trend 2), and
    # the months are complete (confidence 3); an issue with no data is low confidence.
    scored = {s.issue: s for s in suggested_scores(candidates, evidence)}
    assert (scored["Anti-social behaviour"].frequency, scored["Anti-social behaviour"].trend,
            scored["Anti-social behaviour"].confidence) == (4, 2, 3)
    assert scored["Domestic abuse"].confidence == 1
    table = ranked_table(frame)
    assert table["Rank"].tolist()[0] == "1" and len(table) == len(candidates)


@pytest.mark.parametrize("keys", [True, False])
def test_the_evidence_table_has_no_none_or_nan_in_its_words_and_no_empty_column(sussex_evidence, keys):
    _, evidence = sussex_evidence
    table = evidence_frame(evidence, keys=keys)
    words = [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c])]
    for column in words:
        assert not table[column].map(lambda v: v is None or str(v).strip() in MISSING_TEXT).any(), column
    # police.uk alone: no partner figure, and no year earlier to give a change, so those columns are left out.
    for gone in ("value", "unit", "change_percent"):
        assert COLUMNS[gone] not in table.columns
    assert (COLUMNS["indicator_key"] in table.columns) is keys
    if keys:  # an issue no indicator measures has no key: the em dash, not "None"
        assert table.set_index(COLUMNS["issue"]).loc["Modern slavery", COLUMNS["indicator_key"]] == MISSING
    # Numbers stay numbers (the column sorts); the table draws a missing one as the em dash.
    assert pd.api.types.is_numeric_dtype(table[COLUMNS["volume"]])


def test_each_score_is_shown_with_its_number_so_zero_harm_does_not_read_as_a_missing_value(sussex_evidence):
    candidates, evidence = sussex_evidence
    shown = scores_in_words(suggested_scores(candidates, evidence)[0]).set_index("Question")["Score"]
    assert not shown.isin(["None"]).any()
    assert all(score[0].isdigit() or score in ("Yes", "No") for score in shown)
