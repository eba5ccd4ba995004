"""Confidence intervals, benchmark comparisons and trend tests, by the methods Fingertips (OHID, formerly PHE) uses.

Every distribution function comes from scipy; nothing here approximates what scipy computes exactly.

Methods and references:

``byars_interval``
    Byar's approximation to the exact Poisson interval for a count:
    ``O(1 - 1/9O - z/3√O)³`` to ``(O+1)(1 - 1/9(O+1) + z/3√(O+1))³``, z from ``scipy.stats.norm``.
    Breslow NE, Day NE (1987) *Statistical methods in cancer research, vol. II*, IARC; APHO Technical Briefing 3
    "Commonly used public health statistics and their confidence intervals" (Eayres 2008); Fingertips public health
    technical guidance, "Rates". It is within 0.2% of the exact limits at 95% from a count of 10.
``rate_interval``
    The interval of the count scaled by ``per / population``, as Fingertips and the R package PHEindicatormethods
    (``phe_rate``) compute a crude rate's: Byar's method from a count of 10, and below 10 the exact Poisson limits
    from the chi-squared distribution (``chi2(α/2; 2O)/2`` to ``chi2(1-α/2; 2O+2)/2``; Armitage & Berry 2002),
    because Byar's method is poor for small counts.
``wilson_interval``
    Wilson's score interval without continuity correction, from ``scipy.stats.binomtest(...).proportion_ci(
    method="wilson")``. Wilson EB (1927) JASA 22:209; Newcombe & Altman in *Statistics with confidence* (2000);
    Fingertips technical guidance, "Proportions".
``compare_with_benchmark``
    Fingertips' comparison with a benchmark value: Higher (or Lower) only when the whole confidence interval lies
    above (or below) the benchmark, otherwise Similar; worded Better / Worse by the indicator's polarity.
``compare_counts``
    The exact conditional test for two Poisson counts (Przyborowski & Wilenski 1940; the method of R's
    ``poisson.test``): given the total, the current count is Binomial(total, p0) with p0 the current share of the
    exposure; two-sided p from ``scipy.stats.binomtest``. The rate ratio's interval transforms binomtest's exact
    (Clopper-Pearson) interval for the proportion p: ratio = p/(1-p) × previous exposure / current exposure.
``recent_trend``
    Fingertips' recent-trend marker for a numerator and denominator series ("Fingertips trend markers",
    technical guidance): the chi-squared test for trend in proportions (Cochran 1954; Armitage 1955; Altman,
    *Practical statistics for medical research* §10.7) over the five latest points, p from ``scipy.stats.chi2``
    with 1 degree of freedom, significant below 0.002 (the 99.8% level; Fingertips' critical value 9.5495).
    As Fingertips does, a significant trend is only reported when the slope of the logit of the proportions keeps
    its sign whichever single point is left out; otherwise one outlying point is judged to be driving it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

LEVELS = (0.95, 0.998)
TREND_SIGNIFICANCE = 0.002

BETTER, SIMILAR, WORSE, HIGHER, LOWER, NOT_COMPARED = "Better", "Similar", "Worse", "Higher", "Lower", "Not compared"

_HIGHER_IS_BETTER, _LOWER_IS_BETTER, _NEUTRAL = "higher_is_better", "lower_is_better", "neutral"
_POLARITIES = (_HIGHER_IS_BETTER, _LOWER_IS_BETTER, _NEUTRAL)

_INCREASING, _DECREASING = "Increasing", "Decreasing"
_NO_CHANGE, _NOT_CALCULATED = "No significant change", "Could not be calculated"
_TREND_SYMBOLS = {_INCREASING: "▲", _DECREASING: "▼", _NO_CHANGE: "▶", _NOT_CALCULATED: "–"}
# Below this count Fingertips gives a rate exact Poisson limits rather than Byar's approximation.
_EXACT_BELOW = 10


@dataclass(frozen=True)
class Interval:
    """A confidence interval [lower, upper] at ``level`` (0.95 for 95%)."""

    lower: float
    upper: float
    level: float

    def excludes(self, value: float) -> bool:
        """True when ``value`` lies strictly outside the interval (a value on a limit is inside)."""
        return value < self.lower or value > self.upper


@dataclass(frozen=True)
class CountComparison:
    """Whether the change from a previous count to the current one is beyond chance, and which way it went."""

    current: float
    previous: float
    ratio: float | None
    ratio_interval: Interval | None
    p_value: float
    direction: str
    judgement: str

    @property
    def beyond_chance(self) -> bool:
        """True when the counts differ by more than chance would explain at the level tested."""
        return self.direction != SIMILAR


@dataclass(frozen=True)
class TrendResult:
    """Fingertips' recent-trend marker: its direction, the wording with polarity, the test and a cell symbol."""

    direction: str
    label: str
    chi2: float | None
    p_value: float | None
    points: int
    symbol: str


def byars_interval(count: float, level: float = 0.95) -> Interval:
    """Byar's confidence interval for an observed count of events (a Poisson count)."""
    _check_level(level)
    if not math.isfinite(count) or count < 0:
        raise ValueError(f"a count must be zero or more, not {count!r}")
    z = _z(level)
    upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * math.sqrt(count + 1))) ** 3
    if count == 0:
        return Interval(0.0, upper, level)
    lower = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    # The cube goes negative for a count of about 1 at 99.8%, where the approximation fails; no count is below 0.
    return Interval(max(lower, 0.0), upper, level)


def rate_interval(count: float, population: float, per: float = 1000, level: float = 0.95) -> Interval:
    """The confidence interval of a crude rate per ``per`` residents: Byar's from a count of 10, exact below."""
    if not math.isfinite(population) or population <= 0:
        raise ValueError(f"a population must be more than zero, not {population!r}")
    if not math.isfinite(per) or per <= 0:
        raise ValueError(f"a rate must be per a positive number of residents, not {per!r}")
    counts = _exact_poisson_interval(count, level) if 0 <= count < _EXACT_BELOW else byars_interval(count, level)
    scale = per / population
    return Interval(counts.lower * scale, counts.upper * scale, level)


def wilson_interval(successes: int, trials: int, level: float = 0.95) -> Interval:
    """Wilson's score interval (no continuity correction) for the proportion ``successes / trials``, on 0..1."""
    _check_level(level)
    if not math.isfinite(trials) or trials != int(trials) or trials <= 0:
        raise ValueError(f"a proportion needs a whole number of trials above zero, not {trials!r}")
    if not math.isfinite(successes) or successes != int(successes) or not 0 <= successes <= trials:
        raise ValueError(f"successes must be a whole number from 0 to {trials}, not {successes!r}")
    ci = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence_level=level, method="wilson")
    # Rounding can leave the limits a hair outside [0, 1] at 0 or all successes.
    return Interval(min(max(float(ci.low), 0.0), 1.0), min(max(float(ci.high), 0.0), 1.0), level)


def compare_with_benchmark(interval: Interval | None, benchmark: float | None, polarity: str) -> str:
    """Fingertips' judgement of an area against a benchmark value, from the area's confidence interval."""
    _check_polarity(polarity)
    if interval is None or benchmark is None or not _all_finite(interval.lower, interval.upper, benchmark):
        return NOT_COMPARED
    if interval.lower > benchmark:
        return judged(HIGHER, polarity)
    if interval.upper < benchmark:
        return judged(LOWER, polarity)
    return SIMILAR


def compare_counts(
    current: int,
    previous: int,
    polarity: str,
    level: float = 0.95,
    current_exposure: float = 1.0,
    previous_exposure: float = 1.0,
) -> CountComparison:
    """Is the change between two Poisson counts beyond chance? The exact conditional (binomial) test.

    Exposures (populations, or numbers of months) make it a comparison of rates; equal exposures compare counts.
    """
    _check_polarity(polarity)
    _check_level(level)
    for name, value in (("current", current), ("previous", previous)):
        if not math.isfinite(value) or value != int(value) or value < 0:
            raise ValueError(f"the {name} count must be a whole number, zero or more, not {value!r}")
    for name, exposure in (("current", current_exposure), ("previous", previous_exposure)):
        if not math.isfinite(exposure) or exposure <= 0:
            raise ValueError(f"the {name} exposure must be more than zero, not {exposure!r}")
    current, previous = int(current), int(previous)
    total = current + previous
    if total == 0:
        return CountComparison(0, 0, None, None, 1.0, SIMILAR, SIMILAR)
    share = current_exposure / (current_exposure + previous_exposure)
    test = stats.binomtest(current, total, share)
    p_value = float(test.pvalue)
    ratio = ratio_interval = None
    if previous > 0:
        ratio = (current / current_exposure) / (previous / previous_exposure)
        ci = test.proportion_ci(confidence_level=level, method="exact")
        odds_to_ratio = previous_exposure / current_exposure
        ratio_interval = Interval(
            float(ci.low) / (1 - float(ci.low)) * odds_to_ratio,
            float(ci.high) / (1 - float(ci.high)) * odds_to_ratio,
            level,
        )
    direction = SIMILAR
    # The verdict follows the p-value. As in R's poisson.test, the ratio's exact interval can disagree with it at the
    # margin, because the two-sided p and the Clopper-Pearson limits are built from the tails differently.
    if p_value < 1 - level:
        direction = HIGHER if current / current_exposure > previous / previous_exposure else LOWER
    return CountComparison(current, previous, ratio, ratio_interval, p_value, direction, judged(direction, polarity))


def recent_trend(
    counts: Sequence[float],
    denominators: Sequence[float],
    polarity: str,
    points: int = 5,
    significance: float = TREND_SIGNIFICANCE,
) -> TrendResult:
    """Fingertips' recent trend of ``counts / denominators`` over the latest ``points`` values (oldest first)."""
    _check_polarity(polarity)
    if len(counts) != len(denominators):
        raise ValueError(f"{len(counts)} counts but {len(denominators)} denominators")
    if points < 3:
        raise ValueError("a trend needs at least 3 points (one may be left out to check for an outlier)")
    if not 0 < significance < 1:
        raise ValueError(f"significance must be between 0 and 1, not {significance!r}")
    numerators = np.asarray(counts, dtype=float)[-points:]
    totals = np.asarray(denominators, dtype=float)[-points:]
    if len(numerators) < points or not _usable_proportions(numerators, totals):
        return _trend(_NOT_CALCULATED, polarity, None, None, len(numerators))
    times = np.arange(1.0, points + 1)
    chi2 = _chi2_for_trend(numerators, totals, times)
    p_value = float(stats.chi2.sf(chi2, df=1))
    direction = _NO_CHANGE
    if p_value < significance:
        sign = _slope_sign(numerators, totals, times)
        if _no_outlier(numerators, totals, times, sign):
            direction = _INCREASING if sign > 0 else _DECREASING
    return _trend(direction, polarity, chi2, p_value, points)


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"a confidence level is a fraction such as 0.95, not {level!r}")


def _check_polarity(polarity: str) -> None:
    if polarity not in _POLARITIES:
        raise ValueError(f"polarity must be one of {', '.join(_POLARITIES)}, not {polarity!r}")


def _all_finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)


def _z(level: float) -> float:
    """The two-sided normal quantile for a confidence level (1.959964 for 95%)."""
    return float(stats.norm.ppf(1 - (1 - level) / 2))


def _exact_poisson_interval(count: float, level: float) -> Interval:
    """Exact Poisson limits for a count, from the chi-squared distribution (Garwood's interval)."""
    _check_level(level)
    alpha = 1 - level
    lower = float(stats.chi2.ppf(alpha / 2, 2 * count)) / 2 if count > 0 else 0.0
    upper = float(stats.chi2.ppf(1 - alpha / 2, 2 * count + 2)) / 2
    return Interval(lower, upper, level)


def judged(direction: str, polarity: str) -> str:
    """Fingertips' word for a direction: Better / Worse where a direction is good, else Higher / Lower."""
    if direction == SIMILAR or polarity == _NEUTRAL:
        return direction
    return BETTER if (direction == HIGHER) == (polarity == _HIGHER_IS_BETTER) else WORSE


def _usable_proportions(numerators: np.ndarray, totals: np.ndarray) -> bool:
    return bool(
        np.all(np.isfinite(numerators)) and np.all(np.isfinite(totals))
        and np.all(totals > 0) and np.all(numerators >= 0) and np.all(numerators <= totals)
    )


def _chi2_for_trend(numerators: np.ndarray, totals: np.ndarray, times: np.ndarray) -> float:
    """The chi-squared statistic for a linear trend in proportions (Armitage's form, 1 df)."""
    events, population = numerators.sum(), totals.sum()
    if events == 0 or events == population:
        # Every point is 0% (or 100%): there is no variation to test, and no change.
        return 0.0
    share = events / population
    centred = times - np.dot(totals, times) / population
    score = np.dot(numerators, centred)
    variance = share * (1 - share) * np.dot(totals, centred**2)
    return float(score**2 / variance)


def _slope_sign(numerators: np.ndarray, totals: np.ndarray, times: np.ndarray) -> int:
    """The sign Fingertips reads the trend's direction from: the least-squares slope of each proportion's logit.

    Where a point is 0% or 100% its logit is infinite, so the trend test's own score (observed minus expected
    events, weighted by time) gives the sign instead. A slope within rounding of zero is flat (0).
    """
    if np.all(numerators > 0) and np.all(numerators < totals):
        logits = np.log(numerators / (totals - numerators))
        terms = (times - times.mean()) * (logits - logits.mean())
    else:
        terms = numerators * (times - np.dot(totals, times) / totals.sum())
    slope = terms.sum()
    return 0 if abs(slope) <= 1e-9 * np.abs(terms).sum() else int(np.sign(slope))


def _no_outlier(numerators: np.ndarray, totals: np.ndarray, times: np.ndarray, sign: int) -> bool:
    """Fingertips' outlier check: the slope keeps its sign whichever single point is left out."""
    every = np.arange(len(times))
    return sign != 0 and all(
        _slope_sign(numerators[every != out], totals[every != out], times[every != out]) == sign for out in every
    )


def _trend(direction: str, polarity: str, chi2: float | None, p_value: float | None, points: int) -> TrendResult:
    return TrendResult(direction, _trend_label(direction, polarity), chi2, p_value, points, _TREND_SYMBOLS[direction])


def _trend_label(direction: str, polarity: str) -> str:
    """Fingertips' wording: 'Increasing and getting worse' and so on, or the bare direction where neither is good."""
    if direction not in (_INCREASING, _DECREASING) or polarity == _NEUTRAL:
        return direction
    better = (direction == _INCREASING) == (polarity == _HIGHER_IS_BETTER)
    return f"{direction} and getting {'better' if better else 'worse'}"
