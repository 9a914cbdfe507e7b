"""Claims as code: a claim of the papers, the quantity that tests it, and its verdict.

A :class:`Claim` declares, once, its id, the sweep it reads, the figure that draws it, the
learner setting it is about (its *subject* :class:`Arm`), a quantity computed **per replicate**
from that sweep's result rows, and the region where the claim expects the quantity
(:class:`Region`); ``@CLAIMS.register`` registers it under its id. The quantity's mean over
replicates gets a 95% Student-t interval (:func:`gmmlearn.core.stats.mean_interval`); replicates
are paired wherever the quantity compares learners, because learners of a sweep share their
training data and evaluation streams (common random numbers). Arms select rows by the rows'
own resolved parameters, never by looking defaults up. The verdict:

* ``pass``: the interval lies inside the expected region;
* ``fail``: the interval lies entirely outside it;
* ``inconclusive``: it straddles the region's edge, or fewer than 2 replicates have every value
  the quantity needs (missing sweep, failed cells) -- the row says why.

Every claim also names a *control*: an arm for which the same quantity must come out ``fail``
(a learner with a deliberately wrong score, or a setting the claim says is not covered). A claim
whose control does not fail proves nothing; both rows are reported (docs/theory.md §6).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.registry import Registry
from ..core.sequential import Region
from ..core.stats import mean_interval
from ..results.schema import FAILURES

VERDICTS = ("pass", "fail", "inconclusive")
#: the kinds of quantity a claim may compute (declared by each claim, checked at registration)
QUANTITY_KINDS = ("slope", "paired_difference", "trend", "max_excess")
#: fewer ok replicates than this give an inconclusive verdict
MIN_REPLICATES = 2


class ClaimRegistry(Registry):
    """The claims, registered under the id each declares: ``@CLAIMS.register`` on the class."""

    def __init__(self):
        super().__init__("claim")

    def register(self, cls):
        if not (isinstance(cls, type) and issubclass(cls, Claim) and cls.id):
            raise TypeError(f"@CLAIMS.register decorates a Claim subclass with an id, got {cls!r}")
        return super().register(cls.id)(cls)

    def of_figure(self, figure: str) -> list[Claim]:
        """The claims a figure draws (each declares its ``figure``), in id order."""
        claims = [self.get(name).factory() for name in self.names()]
        return [claim for claim in claims if claim.figure == figure]


#: registry of claims: id -> Claim subclass
CLAIMS = ClaimRegistry()


class MissingData(ValueError):
    """The rows a claim needs are absent, failed or skipped (the verdict is inconclusive, with this
    reason)."""


@dataclass(frozen=True)
class Arm:
    """One learner setting of a sweep: the learner's name and the parameters that pick it out.

    A parameter given as ``value`` matches rows whose ``p_learner_<name>`` equals it (rows
    record resolved parameters: a default is a value like any other); ``None`` matches rows where
    it is None. Other parameters are free."""

    learner: str
    params: dict = field(default_factory=dict)
    family: str | None = None  # only rows of this target family (None: any)
    label: str = ""

    def name(self) -> str:
        if self.label:
            return self.label
        shown = ", ".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        name = f"{self.learner}({shown})" if shown else self.learner
        return f"{name} on {self.family}" if self.family else name

    def but(self, **changes) -> Arm:
        """The same arm with other learner parameters (``learner=`` changes the learner)."""
        learner = changes.pop("learner", self.learner)
        params = {**self.params, **changes} if learner == self.learner else changes
        return Arm(learner, params, self.family)

    def select(self, rows: pd.DataFrame) -> pd.DataFrame:
        """The rows (or summary rows) of this arm."""
        keep = rows["learner"] == self.learner
        if self.family is not None:
            keep &= rows["family"] == self.family
        for key, value in self.params.items():
            given = learner_param(rows, key)
            if value is None:
                keep &= given.isna()
            else:
                keep &= _matches(given, value)
        return rows[keep]


def _matches(column: pd.Series, value) -> pd.Series:
    """Where a column equals ``value`` (numbers by value, anything else by its text)."""
    return pd.Series([_same(v, value) for v in column], index=column.index, dtype=bool)


def _same(a, b) -> bool:
    if isinstance(a, float) and np.isnan(a):
        return False
    if isinstance(b, (int, float)) and not isinstance(b, bool):
        try:
            return float(a) == float(b)
        except (TypeError, ValueError):
            return False
    return str(a) == str(b)


@dataclass
class ClaimResult:
    """One row of the claims table."""

    claim: str
    role: str  # "claim" or "control"
    statement: str
    sweep: str
    subject: str
    quantity: str
    estimate: float
    ci_low: float
    ci_high: float
    expected: str
    verdict: str
    n_replicates: int
    reason: str = ""

    def as_dict(self) -> dict:
        return dict(vars(self))


class Claim:
    """A claim of the papers and the per-replicate quantity that tests it (module docstring).

    Subclasses set the class attributes below and implement :meth:`per_replicate`, which
    returns the quantity for each replicate (a Series indexed by replicate) or raises
    :class:`MissingData`."""

    id: str = ""
    statement: str = ""
    sweep: str = ""
    figure: str = ""  # the registered figure that draws this claim's sweep
    quantity: str = ""  # what is computed, in words
    kind: str = ""  # one of QUANTITY_KINDS
    expected: Region  # every claim declares its region
    subject: Arm
    control: Arm
    control_note: str = ""  # why the control must fail

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.kind and cls.kind not in QUANTITY_KINDS:
            raise ValueError(
                f"claim {cls.id}: unknown quantity kind {cls.kind!r}; valid: {QUANTITY_KINDS}"
            )
        if not cls.__dict__.get("__doc__"):  # `gmmlearn list claims` shows the statement
            cls.__doc__ = (
                f"{cls.statement} (sweep {cls.sweep}: {cls.quantity}, "
                f"expected {cls.expected.text()})"
            )

    def per_replicate(self, rows: pd.DataFrame, arm: Arm) -> pd.Series:
        raise NotImplementedError

    def evaluate(self, rows: pd.DataFrame | None, role: str = "claim") -> ClaimResult:
        """The claim's row (``role='claim'``: the subject) or its control's (``'control'``)."""
        arm = self.subject if role == "claim" else self.control
        reason = ""
        try:
            if rows is None:
                raise MissingData(f"no results for sweep {self.sweep!r}")
            values = self.per_replicate(rows, arm).dropna()
        except MissingData as exc:
            values, reason = pd.Series(dtype=float), str(exc)
        mean, _, low, high = mean_interval(values.to_numpy(float))
        if len(values) < MIN_REPLICATES:
            verdict = "inconclusive"
            reason = (
                reason
                or f"{len(values)} replicate(s) with every value needed; "
                f"at least {MIN_REPLICATES} needed"
            )
        else:
            verdict = self.expected.verdict(low, high)
        statement = (
            self.statement if role == "claim" else f"control (must fail): {self.control_note}"
        )
        return ClaimResult(
            claim=self.id,
            role=role,
            statement=statement,
            sweep=self.sweep,
            subject=arm.name(),
            quantity=self.quantity,
            estimate=mean,
            ci_low=low,
            ci_high=high,
            expected=self.expected.text(),
            verdict=verdict,
            n_replicates=len(values),
            reason=reason,
        )


# -- per-replicate building blocks ---------------------------------------------------------------


def ok_rows(
    rows: pd.DataFrame, arm: Arm, metric: str, estimator: str | None = None, **equal
) -> pd.DataFrame:
    """The arm's ok rows of one metric (and estimator), with ``column == value`` filters."""
    sel = arm.select(rows)
    sel = sel[sel["metric"] == metric]
    if estimator is not None:
        sel = sel[sel["estimator"] == estimator]
    for column, value in equal.items():
        sel = sel[_matches(sel[column], value)]
    if sel.empty:
        raise MissingData(
            f"no rows of {arm.name()} for {metric}" + (f"/{estimator}" if estimator else "")
        )
    ok = sel[sel["status"] == "ok"]
    if ok.empty:
        failed = int(sel["status"].isin(FAILURES).sum())
        skipped = sel[sel["status"] == "skipped"]
        why = f"{failed} failed" + (
            f", {len(skipped)} skipped ({skipped['error'].iloc[0]})" if len(skipped) else ""
        )
        raise MissingData(f"every row of {arm.name()} for {metric} failed or was skipped: {why}")
    return ok


def learner_param(rows: pd.DataFrame, name: str) -> pd.Series:
    """The ``p_learner_<name>`` column (NaN where unset, or when no row sets it)."""
    column = f"p_learner_{name}"
    return rows[column] if column in rows else pd.Series(np.nan, index=rows.index)


def table(rows: pd.DataFrame, x: str | list[str], value: str = "value") -> pd.DataFrame:
    """Replicates x values: ``value`` (``"value"``, ``"floor"`` or ``"excess"`` = value - floor).
    Only replicates that have every x value are kept (a quantity over x needs them all)."""
    frame = rows.assign(excess=rows["value"] - rows["floor"])
    wide = frame.pivot_table(index="replicate", columns=x, values=value, aggfunc="mean")
    return wide.dropna(axis=0, how="any")


def slopes(wide: pd.DataFrame, log_x: bool = True, log_y: bool = True) -> pd.Series:
    """Least-squares slope of y on x per replicate (row); x are the columns."""
    x = np.asarray(wide.columns, dtype=float)
    y = wide.to_numpy(float)
    if x.size < 2:
        raise MissingData(f"a slope needs at least 2 x values, got {x.size}")
    if log_x:
        x = np.log10(x)
    if log_y:
        if np.any(y <= 0):
            raise MissingData("a log-log slope needs positive values")
        y = np.log10(y)
    xc = x - x.mean()
    return pd.Series((y - y.mean(axis=1, keepdims=True)) @ xc / (xc @ xc), index=wide.index)


def paired(a: pd.Series, b: pd.Series) -> pd.Series:
    """``a - b`` over the replicates both have (common random numbers)."""
    both = a.index.intersection(b.index)
    if both.empty:
        raise MissingData("the compared arms share no replicate")
    return a.loc[both] - b.loc[both]
