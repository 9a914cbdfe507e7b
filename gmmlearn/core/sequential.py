"""Verdicts with error control: one-sided t tests of a region, planned looks (group-sequential,
Bonferroni over the looks), intersection-union over instances, Holm over a table of claims.

A claim's quantity q is computed per replicate and per *instance* (a configuration the claim is
about: a condition number, a shape in an ambient dimension, a sampler). Its mean theta is tested
against the claim's expected region R (``q <= high``, ``q >= low`` or ``low <= q <= high``):

* ``p_pass``: one-sided Student-t p-value of H0 "theta lies on the edge of R or outside it"
  (for an interval region, the larger of the two one-sided p-values: two one-sided tests);
* ``p_fail``: one-sided p-value of H0 "theta lies in R or on its edge" (for an interval region,
  twice the smaller one: either side may be the one outside).

With alpha = 0.025 a single look gives ``pass`` exactly when the 95% two-sided t interval lies
inside R, ``fail`` when it lies outside: the rule the claims table used before.

**Planned looks.** A sequential design ``{min, max, batch}`` looks after min, min + batch, ...,
max replicates (K looks). At each look every p-value is multiplied by K (Bonferroni over the
planned looks: alpha spent equally); an instance is decided at the first look where its adjusted
p_pass or p_fail reaches alpha, and stays decided. By the union bound the chance that an instance
whose theta sits exactly on the edge ever passes is at most K * (alpha / K) = alpha, whatever the
stopping rule and however the looks depend on each other (they share replicates).

**Instances.** A claim over several instances passes when every instance passes (an
intersection-union test: to pass wrongly, the instance at the edge must pass wrongly, chance
<= alpha, with no correction for the number of instances) and fails when any instance fails at
level alpha / m (Bonferroni over the m instances, so that a claim whose every instance sits on
the edge fails wrongly with chance <= alpha); otherwise it is undecided (``inconclusive``).

**A table of claims.** Each verdict errs with chance <= alpha at its edge; over a table of C
verdicts the expected number of wrong ones at their edges is at most C * alpha, and the Holm
step-down over the decisions' p-values (:func:`holm`) bounds the chance of *any* wrong decision
in the table by alpha.

:func:`holm` is :func:`gmmlearn.core.stats.holm`, re-exported here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .stats import holm

#: one-sided level of a verdict: a single look at 0.025 is the 95% two-sided t interval
ALPHA = 0.025
#: no verdict rests on fewer ok replicates than this
MIN_REPLICATES = 5


@dataclass(frozen=True)
class Design:
    """Planned looks of a sweep: after ``min``, ``min + batch``, ... and ``max`` replicates."""

    min: int
    max: int
    batch: int

    def __post_init__(self):
        if not (
            isinstance(self.min, int) and isinstance(self.max, int) and isinstance(self.batch, int)
        ):
            raise ValueError(f"a sequential design takes integers, got {self}")
        if self.min < 1:
            raise ValueError(f"replicates.min must be >= 1, got {self.min}")
        if self.max < self.min:
            raise ValueError(f"replicates.max ({self.max}) must be >= replicates.min ({self.min})")
        if self.batch < 1:
            raise ValueError(f"replicates.batch must be >= 1, got {self.batch}")

    @classmethod
    def fixed(cls, replicates: int) -> Design:
        """A single look after ``replicates`` replicates (a sweep without a sequential design)."""
        return cls(replicates, replicates, max(replicates, 1))

    def text(self) -> str:
        """``min,max,batch`` (:meth:`parse` reads it back)."""
        return f"{self.min},{self.max},{self.batch}"

    @classmethod
    def parse(cls, text: str) -> Design:
        """A design from ``min,max,batch``, or a ValueError saying what it expects."""
        parts = str(text).split(",")
        try:
            numbers = [int(part) for part in parts]
        except ValueError:
            numbers = []
        if len(numbers) != 3:
            raise ValueError(f"a design is min,max,batch (three integers), got {text!r}")
        return cls(*numbers)

    def looks(self) -> list[int]:
        """The replicate counts at which the claims are evaluated."""
        counts = list(range(self.min, self.max, self.batch)) + [self.max]
        return sorted(set(counts))

    @property
    def n_looks(self) -> int:
        return len(self.looks())


@dataclass(frozen=True)
class Region:
    """Where a claim expects its quantity: ``low <= q <= high`` (either side may be open)."""

    low: float = -math.inf
    high: float = math.inf

    def __post_init__(self):
        if math.isnan(self.low) or math.isnan(self.high) or self.low > self.high:
            raise ValueError(f"a region needs low <= high, got [{self.low}, {self.high}]")

    def text(self) -> str:
        if math.isinf(self.low):
            return f"<= {self.high:g}"
        if math.isinf(self.high):
            return f">= {self.low:g}"
        return f"in [{self.low:g}, {self.high:g}]"

    def verdict(self, ci_low: float, ci_high: float) -> str:
        """``pass`` when [ci_low, ci_high] lies inside, ``fail`` when it lies outside,
        ``inconclusive`` when it straddles an edge or is not finite."""
        if not (np.isfinite(ci_low) and np.isfinite(ci_high)):
            return "inconclusive"
        if self.low <= ci_low and ci_high <= self.high:
            return "pass"
        if ci_high < self.low or ci_low > self.high:
            return "fail"
        return "inconclusive"

    def distance_to_edge(self, theta: float) -> float:
        """How far ``theta`` lies from the nearest edge (>= 0)."""
        return float(min(abs(theta - e) for e in (self.low, self.high) if math.isfinite(e)))


def _one_sided(mean: float, se: float, df: int, edge: float, above: bool) -> float:
    """p-value of H0 "theta <= edge" against "theta > edge" (``above``), or the mirror image."""
    if se == 0:
        beyond = mean > edge if above else mean < edge
        return 0.0 if beyond else 1.0
    t = (mean - edge) / se
    return float(stats.t.sf(t, df) if above else stats.t.cdf(t, df))


def region_p_values(values, region: Region) -> tuple[float, float]:
    """(p_pass, p_fail) of the replicate values' mean against the region (module docstring);
    NaN for fewer than 2 finite values."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return math.nan, math.nan
    mean, se, df = float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size)), x.size - 1
    inside, outside = [], []
    if math.isfinite(region.high):
        inside.append(_one_sided(mean, se, df, region.high, above=False))  # theta < high
        outside.append(_one_sided(mean, se, df, region.high, above=True))  # theta > high
    if math.isfinite(region.low):
        inside.append(_one_sided(mean, se, df, region.low, above=True))
        outside.append(_one_sided(mean, se, df, region.low, above=False))
    return max(inside), min(1.0, len(outside) * min(outside))


def t_bounds(values, alpha: float) -> tuple[float, float, float]:
    """(mean, lower, upper): one-sided Student-t bounds, each at level 1 - alpha."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return (float(x.mean()) if x.size else math.nan), math.nan, math.nan
    mean, se = float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))
    half = float(stats.t.ppf(1 - alpha, x.size - 1)) * se
    return mean, mean - half, mean + half


@dataclass
class InstanceVerdict:
    """The verdict of one instance of a claim after the looks taken so far."""

    instance: str
    verdict: str  # pass | fail | inconclusive
    n: int  # replicates in the look that decided it (or the last look)
    look: int  # 1-based index of that look (0: no look had enough replicates)
    estimate: float
    ci_low: float  # bounds at the level of that look (alpha / K each side)
    ci_high: float
    p_pass: float  # adjusted for the looks (times K), capped at 1
    p_fail: float
    reason: str = ""

    @property
    def decided(self) -> bool:
        return self.verdict in ("pass", "fail")


def instance_verdict(
    values,
    region: Region,
    design: Design,
    *,
    instance: str = "",
    alpha: float = ALPHA,
    fail_alpha: float | None = None,
) -> InstanceVerdict:
    """The sequential verdict of one instance from its per-replicate values (in replicate
    order): looks at the design's replicate counts, each at level alpha / K; decided at the
    first look where it passes (adjusted p_pass <= alpha) or fails (adjusted p_fail <=
    ``fail_alpha``, default alpha). Replicates beyond the last look available are ignored; a
    look needs MIN_REPLICATES finite values."""
    x = np.asarray(values, dtype=np.float64)
    fail_alpha = alpha if fail_alpha is None else fail_alpha
    K = design.n_looks
    last = None
    for index, n in enumerate(design.looks(), start=1):
        if x.size < n:
            break
        window = x[:n]
        finite = window[np.isfinite(window)]
        if finite.size < MIN_REPLICATES:
            last = InstanceVerdict(
                instance,
                "inconclusive",
                n,
                index,
                math.nan,
                math.nan,
                math.nan,
                math.nan,
                math.nan,
                f"{finite.size} of {n} replicates have a value; at least {MIN_REPLICATES} needed",
            )
            continue
        p_pass, p_fail = region_p_values(finite, region)
        p_pass, p_fail = min(1.0, K * p_pass), min(1.0, K * p_fail)
        mean, low, high = t_bounds(finite, alpha / K)
        verdict = "pass" if p_pass <= alpha else "fail" if p_fail <= fail_alpha else "inconclusive"
        last = InstanceVerdict(
            instance, verdict, int(finite.size), index, mean, low, high, p_pass, p_fail
        )
        if last.decided:
            return last
    if last is None:
        return InstanceVerdict(
            instance,
            "inconclusive",
            int(x.size),
            0,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            f"{x.size} replicate(s); the first look needs {design.looks()[0]}",
        )
    if not last.reason:
        last.reason = "the interval straddles the region's edge"
    return last


def combine(instances: list[InstanceVerdict]) -> tuple[str, float, float]:
    """A claim's verdict over its instances (intersection-union for pass, any for fail) and its
    decision p-values: p_pass = the largest instance p_pass, p_fail = m x the smallest."""
    if not instances:
        return "inconclusive", math.nan, math.nan
    m = len(instances)
    p_pass = max(v.p_pass if np.isfinite(v.p_pass) else 1.0 for v in instances)
    p_fail = min(1.0, m * min(v.p_fail if np.isfinite(v.p_fail) else 1.0 for v in instances))
    if any(v.verdict == "fail" for v in instances) and p_fail <= ALPHA:
        return "fail", p_pass, p_fail
    if all(v.verdict == "pass" for v in instances):
        return "pass", p_pass, p_fail
    return "inconclusive", p_pass, p_fail


def replicates_needed(values, region: Region, design: Design, alpha: float = ALPHA) -> float:
    """Replicates the current effect and spread suggest a decision would need at the design's
    last-look level: the smallest n with t_{1 - alpha/K, n-1} sd / sqrt(n) <= |mean - edge|
    (inf when the mean sits on the edge)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return math.nan
    gap, sd = region.distance_to_edge(float(x.mean())), float(x.std(ddof=1))
    if gap == 0:
        return math.inf
    if sd == 0:
        return float(x.size)
    level = alpha / design.n_looks
    n = max(2, math.ceil((stats.norm.ppf(1 - level) * sd / gap) ** 2))
    while stats.t.ppf(1 - level, n - 1) * sd / math.sqrt(n) > gap and n < 10**7:
        n += max(1, n // 20)
    return float(n)


__all__ = [
    "ALPHA",
    "MIN_REPLICATES",
    "Design",
    "InstanceVerdict",
    "Region",
    "combine",
    "holm",
    "instance_verdict",
    "region_p_values",
    "replicates_needed",
    "t_bounds",
]
