"""Harm weights: the default table, checking an edited table, and harm-weighted counts and shares."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.stats import harm
from tests.conftest import real_file

# Written out again here, not imported, so a typo in lib/stats/harm.py cannot pass unnoticed.
POLICE_UK_CATEGORIES = [
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs", "Other crime",
    "Other theft", "Possession of weapons", "Public order", "Robbery", "Shoplifting", "Theft from the person",
    "Vehicle crime", "Violence and sexual offences",
]


def weights_of(table: pd.DataFrame) -> dict[str, float]:
    """A weights table as a plain dict."""
    return dict(zip(table["Category"], table["Weight"], strict=True))


def edited(**changes: object) -> pd.DataFrame:
    """The default table with some weights changed, as the user would leave it in the editor."""
    # Object dtype, as st.data_editor can hand back typed text as well as numbers.
    table = harm.default_harm_weights().astype({"Weight": object})
    for category, weight in changes.items():
        table.loc[table["Category"] == category.replace("_", " "), "Weight"] = weight
    return table


# --- the default table -------------------------------------------------------------------------------


def test_defaults_cover_every_police_uk_category_exactly_once():
    table = harm.default_harm_weights()
    assert list(table.columns) == ["Category", "Weight", "ONS offence groups", "Note"]
    assert sorted(table["Category"]) == sorted(POLICE_UK_CATEGORIES)
    assert table["Category"].is_unique
    assert list(table["Category"]) == list(harm.CATEGORIES)


def test_default_weights_are_non_negative_finite_floats_with_a_source():
    table = harm.default_harm_weights()
    assert pd.api.types.is_float_dtype(table["Weight"])
    assert all(math.isfinite(w) and 0 <= w <= harm.MAX_WEIGHT for w in table["Weight"])
    crimes = table[table["Category"] != harm.ASB]
    assert (crimes["Weight"] > 0).all(), "every crime category has some CSS weight"
    assert all(isinstance(text, str) and text for text in table["ONS offence groups"])
    assert all(isinstance(text, str) and text for text in table["Note"])


def test_defaults_follow_the_css_ordering():
    w = weights_of(harm.default_harm_weights())
    for serious in ("Violence and sexual offences", "Robbery", "Burglary"):
        for minor in ("Shoplifting", "Bicycle theft"):
            assert w[serious] > w[minor], (serious, minor)
    assert w["Robbery"] > w["Theft from the person"] > w["Shoplifting"]


def test_asb_has_no_css_weight_and_says_so():
    table = harm.default_harm_weights().set_index("Category")
    assert table.loc[harm.ASB, "Weight"] == 0
    assert "local choice" in table.loc[harm.ASB, "Note"]


def test_each_call_returns_a_fresh_table():
    first = harm.default_harm_weights()
    first.loc[0, "Weight"] = 999.0
    assert harm.default_harm_weights().loc[0, "Weight"] == 0.0


def test_source_note_names_the_ons_score_year_and_link():
    assert "Crime Severity Score" in harm.HARM_SOURCE
    assert "2017/18" in harm.HARM_SOURCE
    assert "https://www.ons.gov.uk/" in harm.HARM_SOURCE
    assert "Open Government Licence" in harm.HARM_SOURCE


def test_defaults_can_be_recomputed():
    """The constants in lib/stats/harm.py follow from the documented inputs and 2017/18 recorded crime."""
    prc = pd.read_csv(real_file("recorded_crime/prc_pfa_2017_18_quarterly.csv.gz"), dtype={"Offence_Code": str})
    not_english = {"Dyfed-Powys", "Gwent", "North Wales", "South Wales", "British Transport Police"}
    england = prc[~prc["Force_Name"].isin(not_english) & (prc["Offence_Group"] != "Fraud offences")]
    by_code = england.groupby("Offence_Code")["Number_of_Offences"].sum()
    canonical = {c.casefold(): c for c in POLICE_UK_CATEGORIES}
    by_category = england.groupby(england["Policeuk_Cat"].str.casefold().map(canonical))["Number_of_Offences"].sum()
    by_group = england.groupby("Offence_Group")["Number_of_Offences"].sum()

    def group_mean(*groups: str) -> float:
        scores = [harm.ONS_GROUP_SCORES_2017_18[g] for g in groups]
        return 1000 * sum(s for s, _ in scores) / sum(r for _, r in scores)

    expected = {
        "Violence and sexual offences": group_mean("Violence against the person", "Sexual offences"),
        "Robbery": group_mean("Robbery"),
        "Criminal damage and arson": group_mean("Criminal damage and arson"),
    }
    for category, per_code in harm.CSS_2017_OFFENCE_WEIGHTS.items():
        volume = sum(by_code.get(code, 0) for code in per_code)
        expected[category] = sum(by_code.get(code, 0) * w for code, w in per_code.items()) / volume

    def balance(category: str, ons_group: str, siblings: list[str], groups: list[str]) -> float:
        total = group_mean(ons_group) * by_group[groups].sum()
        return (total - sum(expected[s] * by_category[s] for s in siblings)) / by_category[category]

    expected["Vehicle crime"] = balance(
        "Vehicle crime", "Theft offences",
        ["Burglary", "Bicycle theft", "Shoplifting", "Theft from the person", "Other theft"], ["Theft offences"])
    expected["Other crime"] = balance(
        "Other crime", "Other crimes against society", ["Drugs", "Possession of weapons", "Public order"],
        ["Drug offences", "Possession of weapons offences", "Public order offences", "Miscellaneous crimes"])

    defaults = weights_of(harm.default_harm_weights())
    for category, value in expected.items():
        assert defaults[category] == pytest.approx(value, abs=0.05), category
    # Together the defaults reproduce the ONS average weight of all recorded crime in England.
    mean = sum(defaults[c] * n for c, n in by_category.items()) / by_category.sum()
    assert mean == pytest.approx(group_mean("Total recorded crime"), abs=0.1)


# --- checking an edited table ------------------------------------------------------------------------


def test_validation_returns_category_and_weight_in_standard_order():
    table = harm.default_harm_weights().sample(frac=1, random_state=3)
    clean = harm.validate_harm_weights(table)
    assert list(clean.columns) == ["Category", "Weight"]
    assert list(clean["Category"]) == list(harm.CATEGORIES)
    assert weights_of(clean) == weights_of(harm.default_harm_weights())
    assert pd.api.types.is_float_dtype(clean["Weight"])


def test_validation_forgives_case_spaces_and_typed_numbers():
    table = edited(Burglary="1,200.5", Drugs="  7 ", Robbery=12)
    table.loc[table["Category"] == "Shoplifting", "Category"] = "  shoplifting "
    clean = weights_of(harm.validate_harm_weights(table))
    assert clean["Burglary"] == 1200.5
    assert clean["Drugs"] == 7.0
    assert clean["Robbery"] == 12.0
    assert clean["Shoplifting"] == 13.0


def test_validation_does_not_change_its_input():
    table = edited(Burglary="12")
    before = table.copy()
    harm.validate_harm_weights(table)
    pd.testing.assert_frame_equal(table, before)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"Burglary": "lots"}, r"Row 3 \(Burglary\): 'lots' is not a number"),
        ({"Burglary": -1}, r"Row 3 \(Burglary\): the weight -1 is negative"),
        ({"Robbery": 100_001}, r"Row 10 \(Robbery\): the weight 100001 is too large"),
        ({"Robbery": math.inf}, r"Row 10 \(Robbery\): the weight inf is too large"),
        ({"Drugs": math.nan}, r"Row 5 \(Drugs\): the weight is empty"),
        ({"Drugs": None}, r"Row 5 \(Drugs\): the weight is empty"),
        ({"Drugs": "  "}, r"Row 5 \(Drugs\): the weight is empty"),
        ({"Drugs": True}, r"Row 5 \(Drugs\): the weight must be a number"),
    ],
)
def test_bad_weights_are_named_by_row_and_category(change, message):
    table = harm.default_harm_weights().astype({"Weight": object})
    for category, weight in change.items():
        table.loc[table["Category"] == category, "Weight"] = weight
    with pytest.raises(ValueError, match=message):
        harm.validate_harm_weights(table)


def test_unknown_category_is_named():
    table = harm.default_harm_weights()
    table.loc[4, "Category"] = "Drug dealing"
    with pytest.raises(ValueError, match=r"Row 5: 'Drug dealing' is not a police.uk category"):
        harm.validate_harm_weights(table)


def test_blank_category_is_named_by_row():
    table = harm.default_harm_weights()
    table.loc[6, "Category"] = None
    with pytest.raises(ValueError, match=r"Row 7 has no category"):
        harm.validate_harm_weights(table)


def test_the_editors_empty_new_row_is_ignored():
    blank = pd.DataFrame({"Category": [None], "Weight": [None]})
    table = pd.concat([harm.default_harm_weights().astype({"Weight": object}), blank], ignore_index=True)
    assert weights_of(harm.validate_harm_weights(table)) == weights_of(harm.default_harm_weights())
    counts = pd.DataFrame({"category": ["Drugs"], "count": [2]})
    assert list(harm.harm_weighted_counts(counts, table)["harm"]) == [202.0]


def test_duplicate_category_names_both_rows():
    table = pd.concat([harm.default_harm_weights(), harm.default_harm_weights().iloc[[2]]], ignore_index=True)
    with pytest.raises(ValueError, match=r"Row 15: 'Burglary' appears twice \(also in row 3\)"):
        harm.validate_harm_weights(table)


def test_missing_categories_are_listed():
    table = harm.default_harm_weights()
    table = table[~table["Category"].isin(["Drugs", "Robbery"])]
    with pytest.raises(ValueError, match=r"No weight for Drugs, Robbery"):
        harm.validate_harm_weights(table)


def test_missing_column_is_named():
    with pytest.raises(ValueError, match=r"no 'Weight' column"):
        harm.validate_harm_weights(pd.DataFrame({"Category": POLICE_UK_CATEGORIES}))


# --- harm-weighted counts ----------------------------------------------------------------------------


def sussex_counts() -> pd.DataFrame:
    """Real police.uk counts by month and category (Sussex, Oct 2018 to Feb 2019)."""
    rows = pd.read_csv(real_file("police_uk/sussex-street_2018-10_2019-02.csv.gz"), usecols=["Month", "Crime type"])
    return rows.groupby(["Month", "Crime type"]).size().reset_index(name="count").rename(
        columns={"Month": "month", "Crime type": "category"})


def test_harm_is_count_times_weight_on_real_counts():
    counts = sussex_counts()
    table = harm.default_harm_weights()
    result = harm.harm_weighted_counts(counts, table)
    lookup = weights_of(table)
    for row in result.itertuples():
        assert row.weight == lookup[row.category]
        assert row.harm == pytest.approx(row.count * lookup[row.category])
    assert result.attrs["unweighted"] == []
    assert result.attrs["zero_weight"] == [harm.ASB]
    pd.testing.assert_frame_equal(result[["month", "category", "count"]], counts)


def test_grouping_columns_index_and_input_are_kept():
    counts = pd.DataFrame(
        {"area": ["Hastings", "Lewes"], "month": ["2019-01", "2019-01"], "category": ["Robbery", "Drugs"],
         "count": [2, 3]},
        index=[10, 20],
    )
    before = counts.copy()
    result = harm.harm_weighted_counts(counts, {"Robbery": 100.0, "Drugs": 5.0})
    pd.testing.assert_frame_equal(counts, before)
    assert list(result.index) == [10, 20]
    assert list(result.columns) == ["area", "month", "category", "count", "weight", "harm"]
    assert list(result["harm"]) == [200.0, 15.0]


def test_unknown_and_unweighted_categories_are_reported_with_weight_zero():
    counts = pd.DataFrame({"category": ["Burglary", "Fraud", "Drugs", "Fraud", None], "count": [1, 2, 3, 4, 5]})
    partial = harm.default_harm_weights()
    partial = partial[partial["Category"] != "Drugs"]
    result = harm.harm_weighted_counts(counts, partial)
    assert result.attrs["unweighted"] == ["Drugs", "Fraud", "(no category)"]
    assert list(result["weight"][1:]) == [0.0, 0.0, 0.0, 0.0]
    assert list(result["harm"][1:]) == [0.0, 0.0, 0.0, 0.0]


def test_categories_match_ignoring_case_and_spaces():
    counts = pd.DataFrame({"category": ["VIOLENCE AND SEXUAL OFFENCES ", "burglary"], "count": [1, 1]})
    result = harm.harm_weighted_counts(counts, harm.default_harm_weights())
    assert list(result["weight"]) == [284.0, 358.6]
    assert result.attrs["unweighted"] == []


def test_bad_inputs_give_plain_errors():
    with pytest.raises(ValueError, match=r"no 'count' column"):
        harm.harm_weighted_counts(pd.DataFrame({"category": ["Drugs"]}), harm.default_harm_weights())
    with pytest.raises(ValueError, match=r"must hold numbers"):
        harm.harm_weighted_counts(pd.DataFrame({"category": ["Drugs"], "count": ["many"]}),
                                  harm.default_harm_weights())
    with pytest.raises(ValueError, match=r"\(Drugs\): the weight -3 is negative"):
        harm.harm_weighted_counts(pd.DataFrame({"category": ["Drugs"], "count": [1]}), {"Drugs": -3})


def test_empty_counts_give_an_empty_table():
    counts = pd.DataFrame({"category": pd.Series([], dtype=str), "count": pd.Series([], dtype=int)})
    assert harm.harm_weighted_counts(counts, harm.default_harm_weights()).empty
    share = harm.harm_share(counts, harm.default_harm_weights())
    assert share.empty
    assert list(share.columns) == ["category", "count", "count_share", "weight", "harm", "harm_share"]


category_counts = st.dictionaries(
    st.sampled_from(POLICE_UK_CATEGORIES), st.integers(min_value=0, max_value=10_000), min_size=1
)
weight_values = st.floats(min_value=0, max_value=harm.MAX_WEIGHT / 2, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(counts=category_counts, weights=st.dictionaries(st.sampled_from(POLICE_UK_CATEGORIES), weight_values),
       doubled=st.sampled_from(POLICE_UK_CATEGORIES))
def test_doubling_a_weight_never_lowers_harm(counts, weights, doubled):
    frame = pd.DataFrame({"category": list(counts), "count": list(counts.values())})
    before = harm.harm_weighted_counts(frame, weights)
    after = harm.harm_weighted_counts(frame, {**weights, doubled: 2 * weights.get(doubled, 0.0)})
    assert (after["harm"].to_numpy() >= before["harm"].to_numpy()).all()
    assert after["harm"].sum() >= before["harm"].sum()


# --- shares ------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(counts=category_counts, weights=st.dictionaries(st.sampled_from(POLICE_UK_CATEGORIES), weight_values))
def test_shares_sum_to_100_and_rows_run_from_most_harm(counts, weights):
    frame = pd.DataFrame({"category": list(counts), "count": list(counts.values())})
    table = harm.harm_share(frame, weights)
    for column, total in (("count_share", table["count"].sum()), ("harm_share", table["harm"].sum())):
        expected = 100.0 if total > 0 else 0.0
        assert table[column].sum() == pytest.approx(expected)
        assert (table[column] >= 0).all()
    assert table["harm"].is_monotonic_decreasing


def test_share_table_adds_up_months_and_shows_hidden_harm():
    counts = sussex_counts()
    table = harm.harm_share(counts, harm.default_harm_weights())
    assert list(table.columns) == ["category", "count", "count_share", "weight", "harm", "harm_share"]
    assert sorted(table["category"]) == sorted(counts["category"].unique())
    assert table["count"].sum() == counts["count"].sum()
    assert table["harm_share"].sum() == pytest.approx(100)
    assert table["count_share"].sum() == pytest.approx(100)
    rows = table.set_index("category")
    # Violence is a minority of incidents but most of the harm; ASB is many incidents and no harm.
    assert rows.loc["Violence and sexual offences", "harm_share"] > rows.loc["Violence and sexual offences",
                                                                             "count_share"]
    assert table.iloc[0]["category"] == "Violence and sexual offences"
    assert rows.loc[harm.ASB, "harm_share"] == 0 < rows.loc[harm.ASB, "count_share"]


def test_share_ties_are_broken_by_count_then_name():
    counts = pd.DataFrame({"category": ["Drugs", "Burglary", "Robbery", "Shoplifting"], "count": [1, 1, 5, 2]})
    table = harm.harm_share(counts, {"Drugs": 10, "Burglary": 10, "Robbery": 2, "Shoplifting": 5})
    assert list(table["category"]) == ["Robbery", "Shoplifting", "Burglary", "Drugs"]


def test_no_harm_gives_zero_harm_shares_not_nan():
    counts = pd.DataFrame({"category": [harm.ASB, "Drugs"], "count": [4, 1]})
    table = harm.harm_share(counts, {harm.ASB: 0, "Drugs": 0})
    assert list(table["harm_share"]) == [0.0, 0.0]
    assert table["count_share"].sum() == pytest.approx(100)
    assert table.attrs["zero_weight"] == [harm.ASB, "Drugs"]
