"""Compare two runs, or two learner settings inside one run: paired tests over replicates, verdicts.

**Pairing.** Rows pair by (unit, replicate, metric, estimator), never by position. Between two runs
the unit is (sweep, cell_id): ``cell_id`` digests the cell's spec, which holds no code version, so
the same cell computed by two versions pairs; provenance columns (commit, versions, dates, host)
never enter the key. Two runs of a cell share their random streams (common random numbers: the
same training data, fitting noise and evaluation planes) only when their sweep seeds agree, so
runs whose ``sweep_seed`` differ are refused unless the caller accepts them as independent runs
(the paired test stays valid then; it only loses the power the shared noise gives). Between two
settings of one run (``--a`` / ``--b``) the unit is the cell without the parameters that select the
settings: target, n_train, n_eval and the other learner parameters, under the sweep's one seed.

**Test.** Per (unit, metric, estimator): the differences d_r = new_r - base_r over the common
replicates, their mean with a Student-t 95% interval, and the two-sided *paired t test*. Not the
Wilcoxon signed-rank test: with n pairs its smallest two-sided p-value is 2 / 2^n (0.25 at n = 3,
0.0625 at n = 5), so with the 2-5 replicates a sweep affords it can never reject at 5%. The t test
assumes normal differences; metric values are averages over thousands of samples, and under the
null of two runs differing only in their seed streams each d_r is exactly symmetric about 0, where
the t test errs on the conservative side (the simulated false-positive rate is in the README and
``tests/test_compare.py``).

**Correction.** Benjamini-Hochberg adjusted p-values (``q_value``) over every test of the
comparison (directional metrics; direction-less diagnostics form their own family). When nothing
changed, BH bounds the probability of any false flag by alpha, like Holm, so a CI gate on an
unchanged tree fails at most 5% of the time; when a change moves many cells (a learner change moves
every cell of that learner) BH keeps its power, where Holm divides alpha by the hundreds of tests
of a comparison and would need t > 60 at 2 degrees of freedom.

**Verdict.** ``now failing`` (a replicate ok in BASE failed, timed out or was skipped in NEW)
and ``fixed`` (the reverse) first; ``new`` / ``missing`` for rows on one side only; with at least
2 pairs, ``worse`` or ``better`` when q <= alpha *and* the mean difference exceeds the metric's
practical tolerance (:class:`~gmmlearn.metrics.base.Sense`) in its direction, ``changed`` for a
direction-less metric, else ``unchanged``. Differences within relative 1e-8 of the values
(round-off between machines and BLAS builds, which is orders of magnitude smaller) are
``unchanged`` and not tested. With a single pair there is no test: ``inconclusive`` when the
difference exceeds the tolerance. Rows that are not ok on either side (failed, timed out or
skipped on both) are ``unchanged``, whatever their statuses; the report lists those whose status
changed (e.g. failed -> skipped).

The statistics are :mod:`gmmlearn.core.stats`'s (the one paired t test, the one
Benjamini-Hochberg); rows are read by :func:`gmmlearn.results.io.load_run`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.stats import benjamini_hochberg, paired_t
from ..metrics import METRICS
from ..results.io import load_run
from ..results.schema import describing_columns, learner_params, param_name, target_params
from ..results.select import filter_column, row_keys, select_rows

ALPHA = 0.05
#: relative differences at or below this are floating-point round-off, never a change
ROUNDOFF = 1e-8
VERDICTS = (
    "worse",
    "now failing",
    "better",
    "fixed",
    "changed",
    "inconclusive",
    "new",
    "missing",
    "unchanged",
)
#: verdicts that make ``gmmlearn compare`` exit with code 1
GATING = ("worse", "now failing")
#: statuses that are not ok: ok -> any of them is ``now failing``, any of them -> ok ``fixed``
NOT_OK = ("failed", "timeout", "skipped")
ROW = ["unit", "metric", "estimator"]


@dataclass
class Comparison:
    """The table of a comparison (one row per unit, metric and estimator) and its context."""

    table: pd.DataFrame
    base: str
    new: str
    alpha: float = ALPHA
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = self.table["verdict"].value_counts()
        return {v: int(counts.get(v, 0)) for v in VERDICTS}

    @property
    def regressed(self) -> bool:
        return bool(self.table["verdict"].isin(GATING).any())


# -- pairing --------------------------------------------------------------------------------------


def _seed_notes(base: pd.DataFrame, new: pd.DataFrame, allow_mismatch: bool) -> list[str]:
    notes = []
    for sweep in sorted(set(base["sweep"]) & set(new["sweep"])):
        seeds = [
            set(side.loc[side["sweep"] == sweep, "sweep_seed"].dropna().astype(int))
            if "sweep_seed" in side
            else set()
            for side in (base, new)
        ]
        if not (seeds[0] and seeds[1]):
            notes.append(
                f"sweep {sweep}: the sweep seed of one side is not recorded; pairs are assumed "
                "to share their random streams"
            )
        elif seeds[0] != seeds[1]:
            message = (
                f"sweep {sweep}: the sweep seeds differ (BASE {sorted(seeds[0])}, NEW "
                f"{sorted(seeds[1])}), so its cells are not common-random-number pairs"
            )
            if not allow_mismatch:
                raise ValueError(
                    message + "; compare runs of one seed, or pass --allow-seed-mismatch "
                    "to test them as independent runs"
                )
            notes.append(message + ": tested as independent runs")
    return notes


def compare_runs(
    base, new, *, allow_seed_mismatch: bool = False, alpha: float = ALPHA
) -> Comparison:
    """Compare two runs (folders or result tables) cell by cell."""
    base_rows, new_rows = load_run(base), load_run(new)
    common = set(base_rows["sweep"]) & set(new_rows["sweep"])
    if not common:
        raise ValueError(
            f"no sweep in common: {base} has {sorted(set(base_rows['sweep']))}, "
            f"{new} has {sorted(set(new_rows['sweep']))}"
        )
    notes = _seed_notes(base_rows, new_rows, allow_seed_mismatch)
    for label, rows in (("BASE", base_rows), ("NEW", new_rows)):
        commits = (
            sorted(set(rows["git_commit"].fillna("(unrecorded)").astype(str)))
            if "git_commit" in rows
            else []
        )
        notes.append(f"{label} commit(s): {', '.join(commits) or '(unrecorded)'}")
    base_rows, new_rows = (
        f.assign(unit=f["sweep"].astype(str) + "/" + f["cell_id"].astype(str))
        for f in (base_rows, new_rows)
    )
    table = compare_tables(
        base_rows, new_rows, describing_columns(pd.concat([base_rows, new_rows])), alpha
    )
    return Comparison(table, str(base), str(new), alpha, notes)


def compare_settings(run, a: dict, b: dict, *, alpha: float = ALPHA) -> Comparison:
    """Compare two learner settings of one run (BASE = ``a``, NEW = ``b``), paired by the rest of
    the cell (target, n_train, n_eval, other learner parameters) and the replicate."""
    rows = load_run(run)
    side_a, side_b = select_rows(rows, a, "--a"), select_rows(rows, b, "--b")
    for flag, side, filters in (("--a", side_a, a), ("--b", side_b, b)):
        if side.empty:
            raise ValueError(f"{flag} {filters} selects no row of {run}")
    if side_a.index.intersection(side_b.index).size:
        raise ValueError(f"--a {a} and --b {b} select some of the same rows: they must differ")
    named = {filter_column(rows, key) for key in {**a, **b}}
    tparams = target_params(rows)
    shared = [
        c
        for c in ["learner", *learner_params(rows)]
        if c not in named and side_a[c].notna().any() and side_b[c].notna().any()
    ]
    key = ["sweep", "family", *tparams, "n_train", "n_eval", *shared]

    def with_units(side, flag):
        side = side.assign(unit=row_keys(side, key))
        crowded = side.duplicated(["unit", "replicate", "metric", "estimator"], keep=False)
        if crowded.any():
            varying = [
                c
                for c in learner_params(side)
                if c not in key and side.loc[crowded].groupby("unit")[c].nunique().max() > 1
            ]
            raise ValueError(
                f"{flag} selects several cells per target and n_train (they differ in "
                f"{', '.join(param_name(v) for v in varying) or 'cell_id'}): "
                "add that parameter to the filter"
            )
        return side

    side_a, side_b = with_units(side_a, "--a"), with_units(side_b, "--b")
    describe = ["sweep", "family", *tparams, *shared, "n_train", "n_eval"]
    table = compare_tables(side_a, side_b, describe, alpha)
    setting = [", ".join(f"{k}={v}" for k, v in filters.items()) for filters in (a, b)]
    return Comparison(
        table, *setting, alpha, [f"two settings of one run ({run}), paired by {', '.join(key)}"]
    )


# -- the comparison table -------------------------------------------------------------------------


def _registered_names(metrics) -> dict:
    names = {}
    for metric in metrics:
        try:
            names[metric] = METRICS.sense_of_row(metric)[0]
        except ValueError:  # a metric this version does not know: it can only be new or missing
            names[metric] = metric
    return names


def _status(frame: pd.DataFrame) -> pd.Series:
    """Per (unit, replicate, registered metric): ``ok``, or the status of its failure."""
    keys = ["unit", "replicate", "registered"]
    status = pd.Series("ok", index=frame.groupby(keys).size().index, name="status")
    failed = frame[frame["status"] != "ok"].groupby(keys)["status"].first()
    status.loc[failed.index] = failed
    return status


def compare_tables(
    base: pd.DataFrame, new: pd.DataFrame, describe: list[str], alpha: float = ALPHA
) -> pd.DataFrame:
    """The comparison table of two sides whose rows carry a pairing ``unit`` column."""
    names = _registered_names(set(base["metric"]) | set(new["metric"]))
    base, new = (f.assign(registered=f["metric"].map(names)) for f in (base, new))
    status = {side: _status(f) for side, f in (("base", base), ("new", new))}
    values = {
        side: f[f["status"] == "ok"].set_index([*ROW, "replicate"])["value"]
        for side, f in (("base", base), ("new", new))
    }
    rows = pd.merge(
        values["base"].rename("base"),
        values["new"].rename("new"),
        how="outer",
        left_index=True,
        right_index=True,
        indicator=True,
    ).reset_index()
    rows["registered"] = rows["metric"].map(names)
    status_key = pd.MultiIndex.from_frame(rows[["unit", "replicate", "registered"]])
    other = {side: status[side].reindex(status_key).to_numpy() for side in status}
    on = {
        "base": rows["_merge"].ne("right_only").to_numpy(),
        "new": rows["_merge"].ne("left_only").to_numpy(),
    }
    a, b = rows["base"].to_numpy(float), rows["new"].to_numpy(float)
    paired = on["base"] & on["new"] & np.isfinite(a) & np.isfinite(b)
    d = np.where(paired, b - a, np.nan)
    scale = np.maximum(np.abs(a), np.abs(b))
    rows = rows.assign(
        paired=paired,
        d=d,
        base_paired=np.where(paired, a, np.nan),
        new_paired=np.where(paired, b, np.nan),
        on_base=on["base"],
        on_new=on["new"],
        now_failing=on["base"] & ~on["new"] & np.isin(other["new"], NOT_OK),
        fixed=on["new"] & ~on["base"] & np.isin(other["base"], NOT_OK),
        new_status=np.where(on["new"], "ok", other["new"]),
        base_status=np.where(on["base"], "ok", other["base"]),
        beyond_roundoff=paired & (np.abs(d) > ROUNDOFF * scale),
        nan_both=on["base"] & on["new"] & np.isnan(a) & np.isnan(b),
    )
    groups = (
        rows.groupby(ROW, sort=False)
        .agg(
            registered=("registered", "first"),
            n_base=("on_base", "sum"),
            n_new=("on_new", "sum"),
            n_pairs=("paired", "sum"),
            n_now_failing=("now_failing", "sum"),
            n_fixed=("fixed", "sum"),
            base_not_ok=("base_status", _first_not_ok),
            new_not_ok=("new_status", _first_not_ok),
            beyond_roundoff=("beyond_roundoff", "any"),
            nan_both=("nan_both", "sum"),
            base_mean=("base_paired", "mean"),
            new_mean=("new_paired", "mean"),
            base_all=("base", "mean"),
            new_all=("new", "mean"),
            diff=("d", "mean"),
            diff_sd=("d", "std"),
        )
        .reset_index()
    )
    table = _verdicts(groups, alpha)
    table = pd.concat([table, _failure_only_rows(base, new, status)], ignore_index=True)
    described = pd.concat([base, new]).drop_duplicates("unit").set_index("unit")
    described = described[[c for c in describe if c in described]]
    table = table.join(described, on="unit")
    order = {v: i for i, v in enumerate(VERDICTS)}
    table = table.assign(
        _order=table["verdict"].map(order),
        _size=-(table["diff"].abs() / table["tolerance"]).fillna(0),
    )
    table = table.sort_values(["_order", "_size", "unit", "metric", "estimator"], kind="stable")
    columns = [
        "verdict",
        *described.columns,
        "metric",
        "estimator",
        "direction",
        "metric_unit",
        "n_base",
        "n_new",
        "n_pairs",
        "base_mean",
        "new_mean",
        "diff",
        "diff_ci_low",
        "diff_ci_high",
        "rel_diff",
        "tolerance",
        "p_value",
        "q_value",
        "status_base",
        "status_new",
        "unit",
    ]
    return table[columns].reset_index(drop=True)


def _verdicts(groups: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Tests, BH q-values and verdicts of the (unit, metric, estimator) groups."""
    senses = {m: METRICS.senses.get(m) for m in groups["registered"].unique()}
    direction = groups["registered"].map(lambda m: senses[m].direction if senses[m] else "none")
    no_pairs = groups["n_pairs"] == 0
    base_mean = groups["base_mean"].where(~no_pairs, groups["base_all"])
    new_mean = groups["new_mean"].where(~no_pairs, groups["new_all"])
    tolerance = np.array(
        [
            senses[m].tolerance(ref) if senses[m] else 0.0
            for m, ref in zip(groups["registered"], base_mean)
        ],
        dtype=np.float64,
    )
    tolerance = np.maximum(
        tolerance, ROUNDOFF * np.maximum(base_mean.abs(), new_mean.abs()).fillna(0)
    )
    n = groups["n_pairs"].to_numpy(float)
    tested = (n >= 2) & groups["beyond_roundoff"].to_numpy()
    p, low, high = paired_t(groups["diff"].fillna(0), groups["diff_sd"].fillna(0), n)
    p = np.where(tested, p, np.nan)
    q = np.full_like(p, np.nan)
    for family in (direction != "none", direction == "none"):
        family = family.to_numpy()
        q[family] = benjamini_hochberg(p[family])
    diff = groups["diff"].to_numpy(float)
    relevant = np.abs(diff) > tolerance
    significant = tested & (q <= alpha) & relevant
    sign = np.sign(diff) * np.where(direction == "lower", 1, np.where(direction == "higher", -1, 0))
    verdict = np.select(
        [
            groups["n_now_failing"] > 0,
            groups["n_fixed"] > 0,
            groups["n_new"] == 0,
            groups["n_base"] == 0,
            no_pairs & (groups["nan_both"] > 0),
            no_pairs | ((n == 1) & relevant & groups["beyond_roundoff"]),
            significant & (sign > 0),
            significant & (sign < 0),
            significant,
        ],
        [
            "now failing",
            "fixed",
            "missing",
            "new",
            "unchanged",
            "inconclusive",
            "worse",
            "better",
            "changed",
        ],
        default="unchanged",
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(base_mean != 0, diff / np.abs(base_mean), np.nan)
    return groups.assign(
        verdict=verdict,
        direction=direction,
        metric_unit=groups["registered"].map(lambda m: senses[m].unit if senses[m] else ""),
        base_mean=base_mean,
        new_mean=new_mean,
        diff_ci_low=np.where(n >= 2, low, np.nan),
        diff_ci_high=np.where(n >= 2, high, np.nan),
        rel_diff=rel,
        tolerance=tolerance,
        p_value=p,
        q_value=q,
        status_base=np.where(
            groups["n_base"] > 0,
            "ok",
            np.where(groups["n_fixed"] > 0, groups["base_not_ok"], "absent"),
        ),
        status_new=np.where(
            groups["n_new"] > 0,
            "ok",
            np.where(groups["n_now_failing"] > 0, groups["new_not_ok"], "absent"),
        ),
    )


def _first_not_ok(statuses: pd.Series) -> str:
    """The first status of a group that is a failure or a skip ('' if none)."""
    return next((s for s in statuses if s in NOT_OK), "")


def _failure_only_rows(base: pd.DataFrame, new: pd.DataFrame, status: dict) -> pd.DataFrame:
    """One row per (unit, metric) that has no ok row on either side: failing on both (unchanged),
    or failing on one side and absent on the other (new / missing)."""
    with_ok = set(
        map(
            tuple,
            pd.concat([base, new])
            .loc[lambda f: f["status"] == "ok", ["unit", "registered"]]
            .to_numpy(),
        )
    )
    state = {}
    for side, series in status.items():
        failed = series[series != "ok"].reset_index()
        state[side] = failed.groupby(["unit", "registered"])["status"].first()
    keys = state["base"].index.union(state["new"].index)
    keys = [k for k in keys if k not in with_ok]
    if not keys:
        return pd.DataFrame()
    index = pd.MultiIndex.from_tuples(keys, names=["unit", "registered"])
    frame = pd.DataFrame(
        {
            "status_base": state["base"].reindex(index).fillna("absent"),
            "status_new": state["new"].reindex(index).fillna("absent"),
        }
    ).reset_index()
    verdict = np.select(
        [frame["status_base"] == "absent", frame["status_new"] == "absent"],
        ["new", "missing"],
        default="unchanged",
    )
    senses = frame["registered"].map(METRICS.senses.get)
    return frame.assign(
        metric=frame["registered"],
        estimator="",
        verdict=verdict,
        direction=senses.map(lambda s: s.direction if s else "none"),
        metric_unit=senses.map(lambda s: s.unit if s else ""),
        n_base=0,
        n_new=0,
        n_pairs=0,
        tolerance=np.nan,
    )
