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

**Verdict.** ``now failing`` (a replicate ok in BASE failed in NEW) and ``fixed`` (the reverse)
first; ``new`` / ``missing`` for rows on one side only; with at least 2 pairs, ``worse`` or
``better`` when q <= alpha *and* the mean difference exceeds the metric's practical tolerance
(:class:`~gmmlearn.metrics.base.Sense`) in its direction, ``changed`` for a direction-less metric,
else ``unchanged``. Differences within relative 1e-8 of the values (round-off between machines and
BLAS builds, which is orders of magnitude smaller) are ``unchanged`` and not tested. With a single
pair there is no test: ``inconclusive`` when the difference exceeds the tolerance.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from .metrics import METRICS
from .results import STATUSES, check_unique_rows

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
REQUIRED = ("sweep", "cell_id", "replicate", "metric", "estimator", "value", "status")
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


# -- reading runs ---------------------------------------------------------------------------------


def _read_table(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        reason = " ".join(str(exc).split())
        raise ValueError(f"{path}: not a readable CSV table ({reason})") from None
    with open(path, "rb") as handle:  # every line a CSV writer writes ends with a line break
        handle.seek(-1, 2)
        if handle.read(1) != b"\n":
            raise ValueError(f"{path}: the last line is cut short (a truncated file?)")
    missing = [c for c in REQUIRED if c not in frame]
    if missing:
        raise ValueError(f"{path}: not a gmmlearn results table: missing column(s) {missing}")
    if frame.empty:
        raise ValueError(f"{path}: has a header but no rows")
    broken = frame[["sweep", "cell_id", "replicate", "metric", "status"]].isna().any(axis=1)
    broken |= ~frame["status"].isin(STATUSES)
    broken |= pd.to_numeric(frame["value"], errors="coerce").isna() & frame["value"].notna()
    if broken.any():
        line = int(np.flatnonzero(broken.to_numpy())[0]) + 2
        raise ValueError(f"{path}: line {line} is incomplete or malformed (a truncated file?)")
    return frame.assign(
        estimator=frame["estimator"].fillna(""),
        value=frame["value"].astype(float),
        replicate=frame["replicate"].astype(int),
        source=str(path),
    )


def load_run(path) -> pd.DataFrame:
    """Rows of a run: a results folder (one sub-folder per sweep), a sweep folder, or a CSV file."""
    path = Path(path)
    if path.is_file():
        files = [path]
    elif (path / "results.csv").is_file():
        files = [path / "results.csv"]
    elif path.is_dir():
        files = sorted(path.glob("*/results.csv"))
        if not files:
            raise ValueError(f"{path}: no results.csv in it or in its sub-folders (one per sweep)")
    else:
        raise ValueError(f"{path}: no such file or folder")
    frame = pd.concat([_read_table(f) for f in files], ignore_index=True, sort=False)
    check_unique_rows(frame)
    return frame


# -- selecting settings ---------------------------------------------------------------------------


def parse_filter(text: str) -> dict:
    """``"learner=diffusion_poly,partition=warm_start"`` -> a dict; values are read as YAML."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text + ","):
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    out = {}
    for part in filter(str.strip, parts):
        if "=" not in part:
            raise ValueError(f"expected key=value[,key=value...], got {part!r} in {text!r}")
        key, raw = part.split("=", 1)
        try:
            out[key.strip()] = yaml.safe_load(raw)
        except yaml.YAMLError:
            out[key.strip()] = raw
    return out


def filter_column(frame: pd.DataFrame, key: str, where: str = "filter") -> str:
    """The column a filter key names: itself, or a learner / target parameter of that name."""
    for column in (key, f"p_learner_{key}", f"p_target_{key}"):
        if column in frame:
            return column
    params = sorted(c.split("_", 2)[2] for c in frame if c.startswith(("p_learner_", "p_target_")))
    raise ValueError(
        f"{where}: no column or parameter {key!r}; parameters here: {', '.join(params)}"
    )


def _equals(series: pd.Series, value) -> pd.Series:
    if value is None:
        return series.isna()
    if isinstance(value, bool):
        return series.astype(str).str.lower() == str(value).lower()
    if isinstance(value, (int, float)):
        return pd.to_numeric(series, errors="coerce") == value
    if isinstance(value, (list, dict)):  # stored as canonical JSON text (results._param_value)
        return series.astype(str) == json.dumps(value, sort_keys=True)
    return series.astype(str) == str(value)


def row_keys(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One text key per row from ``columns``; missing values read ``nan`` (``astype(str)`` would
    keep them missing under pandas 3's string dtype)."""
    keys = pd.Series("", index=frame.index, dtype=object)
    for column in columns:
        keys = keys + "|" + frame[column].map(str)
    return keys


def select_rows(frame: pd.DataFrame, filters: dict, where: str = "filter") -> pd.DataFrame:
    """Rows whose columns (or learner / target parameters) equal every filter value."""
    keep = pd.Series(True, index=frame.index)
    for key, value in filters.items():
        keep &= _equals(frame[filter_column(frame, key, where)], value)
    return frame[keep]


# -- pairing --------------------------------------------------------------------------------------


def _describe_columns(frame: pd.DataFrame) -> list[str]:
    tparams = sorted(c for c in frame if c.startswith("p_target_"))
    lparams = sorted(c for c in frame if c.startswith("p_learner_"))
    return ["sweep", "cell_id", "family", *tparams, "learner", *lparams, "n_train", "n_eval"]


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
        base_rows, new_rows, _describe_columns(pd.concat([base_rows, new_rows])), alpha
    )
    return Comparison(table, str(base), str(new), alpha, notes)


def compare_settings(run, a: dict, b: dict, *, alpha: float = ALPHA) -> Comparison:
    """Compare two learner settings of one run (BASE = ``a``, NEW = ``b``), paired by the rest of the
    cell (target, n_train, n_eval, other learner parameters) and the replicate."""
    rows = load_run(run)
    side_a, side_b = select_rows(rows, a, "--a"), select_rows(rows, b, "--b")
    for flag, side, filters in (("--a", side_a, a), ("--b", side_b, b)):
        if side.empty:
            raise ValueError(f"{flag} {filters} selects no row of {run}")
    if side_a.index.intersection(side_b.index).size:
        raise ValueError(f"--a {a} and --b {b} select some of the same rows: they must differ")
    named = {filter_column(rows, key) for key in {**a, **b}}
    tparams = sorted(c for c in rows if c.startswith("p_target_"))
    shared = [
        c
        for c in ["learner", *sorted(c for c in rows if c.startswith("p_learner_"))]
        if c not in named and side_a[c].notna().any() and side_b[c].notna().any()
    ]
    key = ["sweep", "family", *tparams, "n_train", "n_eval", *shared]

    def with_units(side, flag):
        side = side.assign(unit=row_keys(side, key))
        crowded = side.duplicated(["unit", "replicate", "metric", "estimator"], keep=False)
        if crowded.any():
            varying = [
                c
                for c in side
                if c.startswith("p_learner_")
                and c not in key
                and side.loc[crowded].groupby("unit")[c].nunique().max() > 1
            ]
            raise ValueError(
                f"{flag} selects several cells per target and n_train (they differ in "
                f"{', '.join(v.removeprefix('p_learner_') for v in varying) or 'cell_id'}): "
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


# -- statistics -----------------------------------------------------------------------------------


def paired_t(mean: np.ndarray, sd: np.ndarray, n: np.ndarray, level: float = 0.95):
    """Two-sided paired t test of mean differences (sd with ddof=1, n pairs >= 2): p-values and the
    Student-t interval. A zero sd gives p = 1 for a zero mean and p = 0 otherwise (the limit)."""
    mean, sd, n = (np.asarray(v, dtype=np.float64) for v in (mean, sd, n))
    df = np.maximum(n - 1, 1)
    se = sd / np.sqrt(np.maximum(n, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, np.abs(mean) / se, np.where(mean == 0, 0.0, np.inf))
    p = 2 * stats.t.sf(t, df)
    half = stats.t.ppf(0.5 + level / 2, df) * se
    return p, mean - half, mean + half


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """BH adjusted p-values (q-values) of the finite entries of ``p``; NaN stays NaN."""
    p = np.asarray(p, dtype=np.float64)
    q = np.full_like(p, np.nan)
    tested = np.isfinite(p)
    if tested.any():
        q[tested] = stats.false_discovery_control(p[tested], method="bh")
    return q


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
        now_failing=on["base"] & ~on["new"] & np.isin(other["new"], ["failed", "timeout"]),
        fixed=on["new"] & ~on["base"] & np.isin(other["base"], ["failed", "timeout"]),
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
            groups["n_base"] > 0, "ok", np.where(groups["n_fixed"] > 0, "failed", "absent")
        ),
        status_new=np.where(
            groups["n_new"] > 0, "ok", np.where(groups["n_now_failing"] > 0, "failed", "absent")
        ),
    )


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
