"""Intervals, comparisons and trend tests: published worked values, properties, and the awkward edges.

Sources of the worked values (quoted again beside each):

- PHE vignette: ukhsa-collaboration/PHEindicatormethods, "vignettes/Introduction to PHEindicatormethods.html"
  (Anderson G, 2019-03-07): printed output of ``phe_proportion`` (Wilson) and ``phe_rate`` (Byar's from 10,
  exact below) for eight numerator/denominator pairs, at 95% and 99.8%.
- cards snapshots: insightsengineering/cards, tests/testthat/_snaps/proportion_ci.md: R's Wilson interval without
  continuity correction (checked there against ``prop.test(correct = FALSE)``).
- epitools: R package epitools, ``pois.exact`` help (rdocumentation.org, epitools 0.5-9): "When x = 0 ...
  pois.exact returns 3.689".
- R ``poisson.test`` example (eba1977, Fredericia against three other cities, ages 55-59), output as printed by R
  and reproduced in a public validation note ("Validation: Exact Poisson Test (poisson.test)").
- R ``prop.trend.test`` example (smokers / patients), output as printed by R and quoted on R-help
  ("Chi-squared Test for Trend in Proportions", Rui Barradas, 8 Sep 2023).
- Rosner, Fundamentals of Biostatistics, breast cancer by age at first birth, as worked in R at
  https://studylib.net/doc/5880747/ ("Chi-Square Test for Trend in Binomial Proportions in (2 x k) Tables").
- PHE "Technical Guide: Confidence Intervals" (Public Health Data Science, 25 May 2018), copy at
  https://dokumen.tips/documents/technical-guide-confidence-intervals-confidence-intervals-byars-method-is-within.html
- Fingertips technical guidance, https://fingertips.phe.org.uk/static-reports/public-health-technical-guidance/
  Basic_statistics/Proportions.html (Wilson formula) and Presentation/Trend_markers.html (recent trends).
- Fingertips markers: dhsc-govuk/FingertipsNext, trend-analysis/TrendAnalysisApp.UnitTests/Legacy/
  TrendMarkerCalculatorTests.cs and .../Calculator/TrendCalculatorTests.cs: England and regional series whose
  Fingertips recent-trend markers were read off the Fingertips website.
- Fingertips critical value: Fingertips' own C# (PholioVisualisation TrendMarkerCalculator.cs, also in
  dhsc-govuk/FingertipsNext trend-analysis/.../Legacy/TrendMarkerCalculator.cs):
  ``ChiSquareConfidence = 9.54953570608324``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from lib.stats.statistics import (
    BETTER,
    HIGHER,
    LEVELS,
    LOWER,
    NOT_COMPARED,
    SIMILAR,
    TREND_SIGNIFICANCE,
    WORSE,
    Interval,
    byars_interval,
    compare_counts,
    compare_with_benchmark,
    rate_interval,
    recent_trend,
    wilson_interval,
)
from lib.store.db import POLARITIES

FAST = settings(max_examples=100, deadline=None)
FLIP_POLARITY = {"higher_is_better": "lower_is_better", "lower_is_better": "higher_is_better", "neutral": "neutral"}
FLIP_WORD = {BETTER: WORSE, WORSE: BETTER, HIGHER: LOWER, LOWER: HIGHER, SIMILAR: SIMILAR, NOT_COMPARED: NOT_COMPARED}

counts = st.integers(min_value=0, max_value=20_000)
levels = st.sampled_from(LEVELS)
polarities = st.sampled_from(POLARITIES)


# --- Worked values from published guidance and reference software -------------------------------------------------

# PHE vignette, phe_proportion(df, obs, pop) and phe_proportion(df, obs, pop, confidence=99.8): Wilson limits.
PHE_WILSON = [
    # (obs, pop, lower 95%, upper 95%, lower 99.8%, upper 99.8%)
    (24, 162, 0.10162049, 0.2109760, 0.08166047, 0.2538084),
    (6, 120, 0.02311436, 0.1048029, 0.01533517, 0.1510069),
    (68, 173, 0.32336123, 0.4674118, 0.28680466, 0.5105106),
    (95, 146, 0.57038874, 0.7232550, 0.52294492, 0.7599232),
    (46, 143, 0.25064630, 0.4020403, 0.21543623, 0.4502461),
    (56, 132, 0.34324611, 0.5095234, 0.30088158, 0.5578251),
    (76, 183, 0.34636288, 0.4877211, 0.30968023, 0.5293222),
    (18, 149, 0.07779726, 0.1828745, 0.06046514, 0.2268239),
]

# PHE vignette, phe_rate(df, obs, pop) (per 100,000, 95%) and phe_rate(..., confidence=99.8, multiplier=100).
# The method column printed "Byars" for every row but obs = 6, which printed "Exact".
PHE_RATES = [
    # (obs, pop, lower 95% per 100,000, upper 95% per 100,000, lower 99.8% per 100, upper 99.8% per 100)
    (24, 162, 9489.334, 22044.21, 7.1693910, 26.77154),
    (6, 120, 1834.912, 10882.90, 0.9225872, 15.05136),
    (68, 173, 30521.553, 49830.92, 26.1925701, 56.39516),
    (95, 146, 52642.965, 79543.66, 46.3595418, 88.46988),
    (46, 143, 23548.788, 42908.37, 19.4573177, 49.71192),
    (56, 132, 32044.793, 55092.43, 27.0186592, 63.05222),
    (76, 183, 32719.746, 51981.74, 28.3382512, 58.47473),
    (18, 149, 7156.037, 19093.45, 5.1176169, 23.75627),
]


@pytest.mark.parametrize(("obs", "pop", "low95", "high95", "low998", "high998"), PHE_WILSON)
def test_wilson_matches_phe_indicator_methods(obs, pop, low95, high95, low998, high998):
    # Source: PHE vignette (PHEindicatormethods), phe_proportion output, printed to 7 significant figures.
    assert (wilson_interval(obs, pop).lower, wilson_interval(obs, pop).upper) == (
        pytest.approx(low95, rel=1e-6), pytest.approx(high95, rel=1e-6))
    interval = wilson_interval(obs, pop, 0.998)
    assert (interval.lower, interval.upper) == (pytest.approx(low998, rel=1e-6), pytest.approx(high998, rel=1e-6))


@pytest.mark.parametrize(("obs", "pop", "low95", "high95", "low998", "high998"), PHE_RATES)
def test_rates_match_phe_indicator_methods(obs, pop, low95, high95, low998, high998):
    # Source: PHE vignette (PHEindicatormethods), phe_rate output: Byar's from 10 events, exact below 10.
    interval = rate_interval(obs, pop, per=100_000)
    assert (interval.lower, interval.upper) == (pytest.approx(low95, rel=1e-6), pytest.approx(high95, rel=1e-6))
    interval = rate_interval(obs, pop, per=100, level=0.998)
    assert (interval.lower, interval.upper) == (pytest.approx(low998, rel=1e-6), pytest.approx(high998, rel=1e-6))


@pytest.mark.parametrize(("obs", "pop", "low95", "high95", "low998", "high998"),
                         [row for row in PHE_RATES if row[0] >= 10])
def test_byars_count_limits_match_phe_indicator_methods(obs, pop, low95, high95, low998, high998):
    # Source: PHE vignette; rows the vignette labels "Byars", turned back from a rate into limits for the count.
    interval = byars_interval(obs)
    assert interval.lower == pytest.approx(low95 * pop / 100_000, rel=1e-6)
    assert interval.upper == pytest.approx(high95 * pop / 100_000, rel=1e-6)
    interval = byars_interval(obs, 0.998)
    assert interval.lower == pytest.approx(low998 * pop / 100, rel=1e-6)
    assert interval.upper == pytest.approx(high998 * pop / 100, rel=1e-6)


def test_grouped_rate_and_proportion_match_phe_indicator_methods():
    # Source: PHE vignette, grouped output for 2015 (193 events in 601): printed as 0.285 to 0.359 (Wilson) and
    # 27742. to 36977. per 100,000 (Byar's).
    wilson = wilson_interval(193, 601)
    assert (round(wilson.lower, 3), round(wilson.upper, 3)) == (0.285, 0.359)
    rate = rate_interval(193, 601, per=100_000)
    assert (round(rate.lower), round(rate.upper)) == (27742, 36977)


@pytest.mark.parametrize(("successes", "trials", "level", "lower", "upper"), [
    # Source: cards snapshots (insightsengineering/cards, tests/testthat/_snaps/proportion_ci.md).
    (5, 10, 0.9, 0.2692718, 0.7307282),
    (32, 32, 0.95, 0.8928208, 1.0),
    (0, 32, 0.95, 0.0, 0.1071792),
])
def test_wilson_matches_r_without_continuity_correction(successes, trials, level, lower, upper):
    interval = wilson_interval(successes, trials, level)
    assert (interval.lower, interval.upper) == (pytest.approx(lower, abs=1e-7), pytest.approx(upper, abs=1e-7))


def test_exact_rate_limits_for_no_events():
    # Source: epitools pois.exact documentation, "When x = 0, for the upper confidence limit pois.exact returns
    # 3.689". Fingertips gives counts below 10 exact limits, so a rate of 0 events in 1,000 is 0 to 3.689.
    interval = rate_interval(0, 1000, per=1000)
    assert interval.lower == 0
    assert interval.upper == pytest.approx(3.689, abs=5e-4)


def test_compare_counts_matches_r_poisson_test():
    # Source: R's poisson.test example, poisson.test(c(11, 6+8+7), c(800, 1083+1050+878)):
    # p-value = 0.07967, 95 percent confidence interval 0.8584264 4.2772659, rate ratio 1.971488.
    result = compare_counts(11, 21, "lower_is_better", current_exposure=800, previous_exposure=1083 + 1050 + 878)
    assert result.p_value == pytest.approx(0.07967, abs=5e-6)
    assert result.ratio == pytest.approx(1.971488, abs=5e-7)
    assert result.ratio_interval.lower == pytest.approx(0.8584264, abs=5e-8)
    assert result.ratio_interval.upper == pytest.approx(4.2772659, abs=5e-8)
    assert (result.direction, result.judgement, result.beyond_chance) == (SIMILAR, SIMILAR, False)
    # The same counts judged at 90%: p < 0.1, so the higher rate is now beyond chance, and worse.
    at_90 = compare_counts(11, 21, "lower_is_better", 0.9, current_exposure=800, previous_exposure=3011)
    assert (at_90.direction, at_90.judgement, at_90.beyond_chance) == (HIGHER, WORSE, True)


def test_trend_statistic_matches_r_prop_trend_test():
    # Source: R's prop.trend.test example, prop.trend.test(smokers, patients):
    # X-squared = 8.2249, df = 1, p-value = 0.004132 (four groups, scores 1 to 4).
    smokers, patients = [83, 90, 129, 70], [86, 93, 136, 82]
    result = recent_trend(smokers, patients, "higher_is_better", points=4)
    assert result.chi2 == pytest.approx(8.2249, abs=5e-5)
    assert result.p_value == pytest.approx(0.004132, abs=5e-7)
    # Not significant at Fingertips' 0.002, so no marker; at 0.05 the falling proportion is a trend.
    assert (result.direction, result.label, result.symbol, result.points) == (
        "No significant change", "No significant change", "▶", 4)
    at_5_percent = recent_trend(smokers, patients, "higher_is_better", points=4, significance=0.05)
    assert (at_5_percent.direction, at_5_percent.label, at_5_percent.symbol) == (
        "Decreasing", "Decreasing and getting worse", "▼")


def test_trend_threshold_is_fingertips_critical_value():
    # Source: Fingertips (Pholio) TrendMarkerCalculator.cs, ChiSquareConfidence = 9.54953570608324: a trend is
    # significant when chi-squared exceeds it, which is p < 0.002 on 1 degree of freedom.
    assert stats.chi2.isf(TREND_SIGNIFICANCE, 1) == pytest.approx(9.54953570608324, rel=1e-12)


# Source: Fingertips markers (FingertipsNext unit tests), data from the Fingertips website.
DIABETES_PREVALENCE = (  # indicator 241, QOF diabetes prevalence, England 2020 to 2024: "Increasing"
    [3455176, 3491868, 3625401, 3774801, 3938080],
    [48783947, 49122259, 49956777, 50649129, 51441896],
)
YORKSHIRE_MMR = (  # indicator 30309, MMR one dose at 2 years, Yorkshire and the Humber: "Decreasing"
    [57274, 55865, 53681, 51767, 53185],
    [61834, 60511, 59074, 57508, 59028],
)


def test_trend_markers_match_fingertips():
    # Diabetes prevalence is marked on Fingertips by the proportions method, as here; polarity not applicable.
    diabetes = recent_trend(*DIABETES_PREVALENCE, "neutral")
    assert (diabetes.direction, diabetes.label, diabetes.symbol) == ("Increasing", "Increasing", "▲")
    # MMR coverage (higher is better) is "DecreasingAndGettingWorse" on Fingertips; the recent dip in 2024 does
    # not reverse the slope when any one year is left out.
    mmr = recent_trend(*YORKSHIRE_MMR, "higher_is_better")
    assert (mmr.direction, mmr.label) == ("Decreasing", "Decreasing and getting worse")


# --- Independent computations where no published value was found ------------------------------------------------


def fingertips_chi2(numerators, denominators) -> float:
    """Chi-squared for trend as Fingertips' C# code writes it (raw sums; Pholio IsSignificantForProportions)."""
    r, n = np.asarray(numerators, float), np.asarray(denominators, float)
    t = np.arange(1, len(r) + 1)
    big_n, big_r = n.sum(), r.sum()
    top = big_n * (big_n * (r * t).sum() - big_r * (n * t).sum()) ** 2
    return float(top / (big_r * (big_n - big_r) * (big_n * (n * t * t).sum() - (n * t).sum() ** 2)))


def regression_chi2(numerators, denominators) -> float:
    """Chi-squared for trend as R's prop.trend.test computes it: the regression sum of squares of a weighted
    least-squares line through the proportions, weights n / (p(1 - p)) for the pooled p."""
    r, n = np.asarray(numerators, float), np.asarray(denominators, float)
    t = np.arange(1.0, len(r) + 1)
    pooled = r.sum() / n.sum()
    w = n / (pooled * (1 - pooled))
    design = np.column_stack([np.ones_like(t), t]) * np.sqrt(w)[:, None]
    coef, *_ = np.linalg.lstsq(design, (r / n) * np.sqrt(w), rcond=None)
    fitted = coef[0] + coef[1] * t
    mean = np.dot(w, r / n) / w.sum()
    return float(np.dot(w, (fitted - mean) ** 2))


def test_trend_statistic_for_five_groups_matches_regression():
    # Rosner, Fundamentals of Biostatistics, breast cancer by age at first birth (studylib.net/doc/5880747): the page
    # prints the score A = 567.16 but its chi-squared is cut off, so the statistic is checked against two
    # independent computations instead, and the score here against the published one.
    cases, women = [320, 1206, 1011, 463, 220], [1742, 5638, 3904, 1555, 626]
    result = recent_trend(cases, women, "lower_is_better")
    t = np.arange(1, 6)
    score = np.dot(cases, t) - sum(cases) * np.dot(women, t) / sum(women)
    assert score == pytest.approx(567.16, abs=0.005)
    assert result.chi2 == pytest.approx(regression_chi2(cases, women), rel=1e-9)
    assert result.chi2 == pytest.approx(fingertips_chi2(cases, women), rel=1e-9)
    assert (result.direction, result.label) == ("Increasing", "Increasing and getting worse")


@st.composite
def proportion_series(draw, size=5):
    denominators = draw(st.lists(st.integers(min_value=1, max_value=100_000), min_size=size, max_size=size))
    numerators = [draw(st.integers(min_value=0, max_value=d)) for d in denominators]
    return numerators, denominators


@FAST
@given(proportion_series())
def test_trend_statistic_agrees_with_two_independent_formulas(series):
    numerators, denominators = series
    result = recent_trend(numerators, denominators, "neutral")
    if 0 < sum(numerators) < sum(denominators):
        assert result.chi2 == pytest.approx(fingertips_chi2(numerators, denominators), rel=1e-6, abs=1e-9)
        assert result.chi2 == pytest.approx(regression_chi2(numerators, denominators), rel=1e-6, abs=1e-9)
        assert result.p_value == pytest.approx(stats.chi2.sf(result.chi2, 1))


@FAST
@given(st.integers(min_value=0, max_value=50_000), st.integers(min_value=1, max_value=500), levels)
def test_wilson_matches_the_closed_form_phe_gives(successes, extra, level):
    # Fingertips technical guidance "Proportions": (2O + z² ± z√(z² + 4Oq)) / 2(n + z²), q = 1 - O/n.
    trials = successes + extra
    z = stats.norm.ppf(1 - (1 - level) / 2)
    root = z * math.sqrt(z * z + 4 * successes * (1 - successes / trials))
    interval = wilson_interval(successes, trials, level)
    assert interval.lower == pytest.approx((2 * successes + z * z - root) / (2 * (trials + z * z)), abs=1e-12)
    assert interval.upper == pytest.approx((2 * successes + z * z + root) / (2 * (trials + z * z)), abs=1e-12)


def test_byars_is_within_the_published_accuracy_of_exact_limits():
    # PHE "Technical Guide: Confidence Intervals" (2018): at 95% "Byar's method is within 0.2% of the exact
    # value for numerators of 10 or more". Exact limits here are the chi-squared ones (Garwood).
    for count in [*range(10, 1001), 2500, 10_000, 100_000, 1_000_000]:
        byars = byars_interval(count)
        exact_lower = stats.chi2.ppf(0.025, 2 * count) / 2
        exact_upper = stats.chi2.ppf(0.975, 2 * count + 2) / 2
        assert byars.lower == pytest.approx(exact_lower, rel=0.002)
        assert byars.upper == pytest.approx(exact_upper, rel=0.002)


# --- Properties --------------------------------------------------------------------------------------------------


@FAST
@given(counts, levels)
def test_byars_interval_holds_the_count(count, level):
    interval = byars_interval(count, level)
    assert 0 <= interval.lower <= count <= interval.upper
    assert interval.level == level


@FAST
@given(counts)
def test_wider_interval_at_higher_confidence(count):
    narrow, wide = byars_interval(count, 0.95), byars_interval(count, 0.998)
    assert wide.lower <= narrow.lower and narrow.upper < wide.upper


@FAST
@given(st.integers(min_value=1, max_value=20_000))
def test_relative_width_shrinks_as_count_grows(count):
    def relative_width(c):
        interval = byars_interval(c)
        return (interval.upper - interval.lower) / c

    assert relative_width(count + 1) < relative_width(count)


@FAST
@given(counts, st.floats(min_value=1, max_value=1e7), st.sampled_from([1, 100, 1000, 100_000]), levels)
def test_rate_interval_holds_the_rate_and_scales_with_per(count, population, per, level):
    interval = rate_interval(count, population, per, level)
    rate = count / population * per
    assert 0 <= interval.lower <= rate * (1 + 1e-12) and rate <= interval.upper
    doubled = rate_interval(count, population, per * 2, level)
    assert (doubled.lower, doubled.upper) == (pytest.approx(interval.lower * 2), pytest.approx(interval.upper * 2))
    wide = rate_interval(count, population, per, 0.998)
    assert wide.lower <= interval.lower * (1 + 1e-12) and interval.upper <= wide.upper * (1 + 1e-12)


@FAST
@given(st.integers(min_value=0, max_value=5000), st.integers(min_value=0, max_value=5000), levels)
def test_wilson_interval_is_a_proportion_holding_the_estimate(successes, failures, level):
    trials = successes + failures
    if trials == 0:
        return
    interval = wilson_interval(successes, trials, level)
    assert 0 <= interval.lower <= successes / trials <= interval.upper <= 1
    wide = wilson_interval(successes, trials, 0.998)
    narrow = wilson_interval(successes, trials, 0.95)
    assert wide.lower <= narrow.lower + 1e-15 and narrow.upper <= wide.upper + 1e-15


@FAST
@given(st.floats(0, 100), st.floats(0, 100), st.floats(0, 100), polarities)
def test_benchmark_judgement_flips_with_polarity(a, b, benchmark, polarity):
    interval = Interval(min(a, b), max(a, b), 0.95)
    judgement = compare_with_benchmark(interval, benchmark, polarity)
    flipped = compare_with_benchmark(interval, benchmark, FLIP_POLARITY[polarity])
    assert flipped == (judgement if polarity == "neutral" else FLIP_WORD[judgement])
    # Similar exactly when the benchmark is inside the interval; otherwise the side decides the word.
    assert (judgement == SIMILAR) == (not interval.excludes(benchmark))
    assert compare_with_benchmark(interval, benchmark, "neutral") in {
        SIMILAR: {SIMILAR}, BETTER: {HIGHER, LOWER}, WORSE: {HIGHER, LOWER}, HIGHER: {HIGHER}, LOWER: {LOWER},
    }[judgement]
    if interval.lower > benchmark:
        assert compare_with_benchmark(interval, benchmark, "higher_is_better") == BETTER


@FAST
@given(st.integers(0, 3000), st.integers(0, 3000), polarities, levels)
def test_swapping_the_counts_flips_the_comparison(current, previous, polarity, level):
    forward = compare_counts(current, previous, polarity, level)
    backward = compare_counts(previous, current, polarity, level)
    assert backward.p_value == pytest.approx(forward.p_value, rel=1e-9, abs=1e-300)
    assert backward.direction == FLIP_WORD[forward.direction]
    assert backward.judgement == FLIP_WORD[forward.judgement]
    assert 0 <= forward.p_value <= 1
    assert forward.beyond_chance == (forward.p_value < 1 - level)
    if forward.ratio is not None and forward.ratio > 0:
        assert backward.ratio == pytest.approx(1 / forward.ratio)
        assert backward.ratio_interval.lower == pytest.approx(1 / forward.ratio_interval.upper)
        assert forward.ratio_interval.lower <= forward.ratio <= forward.ratio_interval.upper


@pytest.mark.parametrize(("current", "previous", "current_exposure", "previous_exposure"), [
    (30, 12, 2.0, 1.0), (7, 40, 1000.0, 3000.0), (120, 95, 12.0, 9.0),
])
def test_swapping_counts_with_their_exposures_flips_the_comparison(
        current, previous, current_exposure, previous_exposure):
    forward = compare_counts(current, previous, "lower_is_better", 0.95, current_exposure, previous_exposure)
    backward = compare_counts(previous, current, "lower_is_better", 0.95, previous_exposure, current_exposure)
    assert backward.p_value == pytest.approx(forward.p_value, rel=1e-9)
    assert backward.direction == FLIP_WORD[forward.direction]
    assert backward.ratio == pytest.approx(1 / forward.ratio)


@FAST
@given(st.integers(0, 2000), st.integers(0, 2000), st.floats(0.1, 10), st.floats(0.1, 10), st.floats(0.5, 1000))
def test_comparison_depends_only_on_the_ratio_of_exposures(current, previous, e1, e2, scale):
    plain = compare_counts(current, previous, "neutral", 0.95, e1, e2)
    scaled = compare_counts(current, previous, "neutral", 0.95, e1 * scale, e2 * scale)
    assert scaled.p_value == pytest.approx(plain.p_value, rel=1e-6, abs=1e-12)
    assert scaled.ratio == pytest.approx(plain.ratio)


@FAST
@given(st.integers(1, 100_000), st.integers(0, 100_000), polarities)
def test_a_constant_series_has_no_trend(denominator, count, polarity):
    count = min(count, denominator)
    result = recent_trend([count] * 5, [denominator] * 5, polarity)
    assert (result.direction, result.label, result.symbol) == ("No significant change", "No significant change", "▶")
    assert result.chi2 == pytest.approx(0, abs=1e-9)


@FAST
@given(proportion_series(), st.integers(2, 50))
def test_scaling_counts_and_denominators_scales_chi_squared(series, factor):
    numerators, denominators = series
    plain = recent_trend(numerators, denominators, "neutral")
    scaled = recent_trend([r * factor for r in numerators], [n * factor for n in denominators], "neutral")
    assert scaled.chi2 == pytest.approx(plain.chi2 * factor, rel=1e-6, abs=1e-9)


@FAST
@given(proportion_series(), polarities)
def test_reversing_time_reverses_the_trend(series, polarity):
    numerators, denominators = series
    forward = recent_trend(numerators, denominators, polarity)
    backward = recent_trend(numerators[::-1], denominators[::-1], polarity)
    assert backward.chi2 == pytest.approx(forward.chi2, rel=1e-9, abs=1e-12)
    flip = {"Increasing": "Decreasing", "Decreasing": "Increasing", "No significant change": "No significant change"}
    assert backward.direction == flip[forward.direction]


@FAST
@given(proportion_series(), polarities)
def test_trend_wording_follows_polarity(series, polarity):
    result = recent_trend(*series, polarity)
    opposite = recent_trend(*series, FLIP_POLARITY[polarity])
    assert opposite.direction == result.direction
    swapped = result.label.replace("better", "WAS").replace("worse", "better").replace("WAS", "worse")
    assert opposite.label == (result.label if polarity == "neutral" else swapped)
    assert result.label.startswith(result.direction)


# --- Edge cases --------------------------------------------------------------------------------------------------


def test_levels_and_significance():
    assert LEVELS == (0.95, 0.998)
    assert TREND_SIGNIFICANCE == 0.002


def test_zero_count_interval_starts_at_zero():
    assert byars_interval(0).lower == 0
    assert byars_interval(0).upper == pytest.approx((1 - 1 / 9 + stats.norm.ppf(0.975) / 3) ** 3)
    # At 99.8% Byar's cube turns negative for a single event; no count can be below zero.
    assert byars_interval(1, 0.998).lower == 0


@pytest.mark.parametrize("count", [-1, float("nan"), float("inf")])
def test_impossible_counts_are_refused(count):
    with pytest.raises(ValueError):
        byars_interval(count)
    with pytest.raises(ValueError):
        rate_interval(count, 1000)


@pytest.mark.parametrize("population", [0, -5, float("nan")])
def test_rate_needs_a_population(population):
    with pytest.raises(ValueError, match="population"):
        rate_interval(10, population)


@pytest.mark.parametrize("level", [0, 1, 95, -0.5])
def test_level_is_a_fraction(level):
    with pytest.raises(ValueError, match="confidence level"):
        byars_interval(10, level)


@pytest.mark.parametrize(("successes", "trials"), [(0, 0), (3, 2), (-1, 5), (1.5, 4)])
def test_wilson_refuses_impossible_proportions(successes, trials):
    with pytest.raises(ValueError):
        wilson_interval(successes, trials)


def test_interval_excludes_only_values_strictly_outside():
    interval = Interval(2.0, 5.0, 0.95)
    assert [interval.excludes(v) for v in (1.99, 2.0, 3.5, 5.0, 5.01)] == [True, False, False, False, True]


@pytest.mark.parametrize(("interval", "reference", "polarity", "expected"), [
    (Interval(6, 8, 0.95), 5, "higher_is_better", BETTER),
    (Interval(6, 8, 0.95), 5, "lower_is_better", WORSE),
    (Interval(6, 8, 0.95), 5, "neutral", HIGHER),
    (Interval(2, 4, 0.95), 5, "higher_is_better", WORSE),
    (Interval(2, 4, 0.95), 5, "lower_is_better", BETTER),
    (Interval(2, 4, 0.95), 5, "neutral", LOWER),
    (Interval(2, 5, 0.95), 5, "lower_is_better", SIMILAR),
    (None, 5, "neutral", NOT_COMPARED),
    (Interval(2, 4, 0.95), None, "neutral", NOT_COMPARED),
    (Interval(2, 4, 0.95), float("nan"), "higher_is_better", NOT_COMPARED),
])
def test_benchmark_wording(interval, reference, polarity, expected):
    assert compare_with_benchmark(interval, reference, polarity) == expected


def test_every_stored_polarity_is_understood_and_others_refused():
    for polarity in POLARITIES:
        assert compare_with_benchmark(Interval(1, 2, 0.95), 1.5, polarity) == SIMILAR
    with pytest.raises(ValueError, match="polarity"):
        compare_with_benchmark(Interval(1, 2, 0.95), 1.5, "up")
    with pytest.raises(ValueError, match="polarity"):
        recent_trend([1] * 5, [10] * 5, "")


def test_two_zero_counts_are_similar():
    result = compare_counts(0, 0, "lower_is_better")
    assert (result.p_value, result.direction, result.judgement, result.ratio, result.ratio_interval) == (
        1.0, SIMILAR, SIMILAR, None, None)
    assert not result.beyond_chance


def test_a_rise_from_zero_has_no_ratio_but_can_be_beyond_chance():
    few = compare_counts(5, 0, "lower_is_better")
    assert (few.ratio, few.ratio_interval, few.direction) == (None, None, SIMILAR)
    assert few.p_value == pytest.approx(2 * 0.5**5)
    many = compare_counts(10, 0, "lower_is_better")
    assert (many.direction, many.judgement) == (HIGHER, WORSE)


def test_a_fall_to_zero_has_a_ratio_of_zero():
    result = compare_counts(0, 12, "lower_is_better")
    assert result.ratio == 0 and result.ratio_interval.lower == 0
    assert (result.direction, result.judgement) == (LOWER, BETTER)
    # Neutral polarity keeps Fingertips' Higher / Lower words.
    assert compare_counts(0, 12, "neutral").judgement == LOWER


@pytest.mark.parametrize(("current", "previous", "exposure"), [(-1, 3, 1.0), (2.5, 3, 1.0), (2, 3, 0.0)])
def test_compare_counts_refuses_impossible_input(current, previous, exposure):
    with pytest.raises(ValueError):
        compare_counts(current, previous, "neutral", current_exposure=exposure)


@pytest.mark.parametrize(("numerators", "denominators", "points"), [
    ([10, 12, 14, 16], [100] * 4, 4),  # fewer than five points
    ([], [], 0),
    ([10, 12, 14, 16, 18], [100, 100, 0, 100, 100], 5),  # a zero denominator
    ([10, 12, 140, 16, 18], [100] * 5, 5),  # more events than people
    ([10, 12, float("nan"), 16, 18], [100] * 5, 5),  # a missing value
    ([10, -2, 14, 16, 18], [100] * 5, 5),
])
def test_trend_that_cannot_be_calculated(numerators, denominators, points):
    result = recent_trend(numerators, denominators, "lower_is_better")
    assert (result.direction, result.label, result.symbol, result.chi2, result.p_value, result.points) == (
        "Could not be calculated", "Could not be calculated", "–", None, None, points)


def test_trend_uses_only_the_latest_points():
    # An unusable early value is outside the five latest, so the trend is still calculated.
    result = recent_trend([999, 10, 20, 40, 80, 160], [1, 1000, 1000, 1000, 1000, 1000], "lower_is_better")
    assert (result.direction, result.label, result.points) == ("Increasing", "Increasing and getting worse", 5)


def test_all_zero_series_is_no_change():
    result = recent_trend([0] * 5, [500] * 5, "neutral")
    assert (result.direction, result.chi2, result.p_value) == ("No significant change", 0.0, 1.0)


def test_one_outlying_point_is_not_a_trend():
    # Chi-squared is huge, but leaving out the last point turns the slope round: Fingertips' outlier rule.
    result = recent_trend([100, 101, 99, 100, 300], [10_000] * 5, "lower_is_better")
    assert result.p_value < TREND_SIGNIFICANCE
    assert result.direction == "No significant change"


@pytest.mark.parametrize(("numerators", "polarity", "label", "symbol"), [
    ([100, 120, 140, 160, 180], "higher_is_better", "Increasing and getting better", "▲"),
    ([100, 120, 140, 160, 180], "lower_is_better", "Increasing and getting worse", "▲"),
    ([100, 120, 140, 160, 180], "neutral", "Increasing", "▲"),
    ([180, 160, 140, 120, 100], "higher_is_better", "Decreasing and getting worse", "▼"),
    ([180, 160, 140, 120, 100], "lower_is_better", "Decreasing and getting better", "▼"),
    ([180, 160, 140, 120, 100], "neutral", "Decreasing", "▼"),
])
def test_trend_wording(numerators, polarity, label, symbol):
    result = recent_trend(numerators, [1000] * 5, polarity)
    assert (result.label, result.symbol) == (label, symbol)


def test_zero_points_in_a_series_still_give_a_direction():
    # A 0% point has no logit; the trend's direction then comes from the test's own score.
    result = recent_trend([0, 0, 30, 60, 90], [1000] * 5, "neutral")
    assert result.direction == "Increasing"


def test_trend_refuses_mismatched_series():
    with pytest.raises(ValueError, match="denominators"):
        recent_trend([1, 2, 3, 4, 5], [10, 10, 10, 10], "neutral")
