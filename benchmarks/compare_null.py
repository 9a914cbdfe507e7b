"""False-positive rate of ``gmmlearn compare`` under the null: two runs differing only in seeds.

Synthetic: many comparisons of two independent draws of the same skewed, correlated result
tables (:mod:`gmmlearn.compare.null`, the generator the tests use too), for 2, 3 and 5
replicates. Real (optional): a
results folder run with many replicates (e.g. the quick config with ``replicates: 12``) is cut
into disjoint groups of 3 replicates; every two groups are two runs of the same code with
independent seed streams. Prints, per setting, the share of comparisons flagging anything (the
family-wise rate BH controls under this null), the same for Holm's correction, the share of
single tests with p <= alpha before correction, and the share of comparisons with a gating
verdict. The numbers measured on this project's machine are in README "Comparing runs".

    python benchmarks/compare_null.py [--sims 4000] [--real results_dir_with_many_replicates]
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np
import pandas as pd

from gmmlearn.compare import ALPHA, GATING, compare_tables
from gmmlearn.compare.null import ROWS, null_sides
from gmmlearn.core.stats import benjamini_hochberg, holm
from gmmlearn.results.io import load_run


def rates(table: pd.DataFrame, comparison: pd.Series) -> tuple[float, float, float, float, int]:
    """(any q <= alpha, any Holm-adjusted p <= alpha, single p <= alpha, any gating verdict) over
    comparisons, and their number."""
    q = table.groupby(comparison)["p_value"].transform(lambda p: benjamini_hochberg(p.to_numpy()))
    h = table.groupby(comparison)["p_value"].transform(lambda p: holm(p.to_numpy()))
    relevant = table["diff"].abs() > table["tolerance"]
    bad_sign = np.select(
        [table["direction"] == "lower", table["direction"] == "higher"], [1, -1], 0
    )
    worse = (q <= ALPHA) & relevant & (np.sign(table["diff"]) == bad_sign)
    tested = table["p_value"].notna()
    return (
        (q <= ALPHA).groupby(comparison).any().mean(),
        (h <= ALPHA).groupby(comparison).any().mean(),
        (table.loc[tested, "p_value"] <= ALPHA).mean(),
        worse.groupby(comparison).any().mean(),
        comparison.nunique(),
    )


def synthetic(n_sims: int, replicates: int, n_cells: int = 12, seed: int = 0):
    sides = null_sides(n_sims, n_cells, replicates, np.random.default_rng(seed))
    table = compare_tables(sides[0], sides[1], describe=[])
    return rates(table, table["unit"].str.split("/").str[0])


def real(results_dir, group: int = 3):
    rows = load_run(results_dir)
    replicates = sorted(rows["replicate"].unique())
    groups = [replicates[i : i + group] for i in range(0, len(replicates) - group + 1, group)]
    sides = {}
    for g, members in enumerate(groups):
        part = rows[rows["replicate"].isin(members)]
        sides[g] = part.assign(
            replicate=part["replicate"].map({r: i for i, r in enumerate(members)})
        )
    tables = []
    for a, b in itertools.combinations(sides, 2):
        base, new = (
            sides[g].assign(unit=f"{a}-{b}/" + sides[g]["sweep"] + "/" + sides[g]["cell_id"])
            for g in (a, b)
        )
        tables.append(compare_tables(base, new, describe=[]))
    table = pd.concat(tables, ignore_index=True)
    pairs = table["unit"].str.split("/").str[0]
    independent = [f"{a}-{a + 1}" for a in range(0, len(groups) - 1, 2)]  # disjoint pairs of groups
    return (
        rates(table, pairs),
        rates(table[pairs.isin(independent)], pairs[pairs.isin(independent)]),
        len(groups),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sims", type=int, default=4000)
    parser.add_argument("--real", help="a results folder run with many replicates")
    args = parser.parse_args()
    print(f"alpha = {ALPHA}; gating verdicts {GATING}")
    for replicates in (2, 3, 5) if args.sims else ():
        flagged, holm_flagged, single, gating, n = synthetic(args.sims, replicates)
        se = np.sqrt(ALPHA * (1 - ALPHA) / n)
        print(
            f"synthetic, {replicates} replicates, {n} comparisons of {12 * len(ROWS)} tests: "
            f"any q <= alpha {flagged:.4f} (binomial se at alpha {se:.4f}), any Holm p <= alpha "
            f"{holm_flagged:.4f}, single p <= alpha {single:.4f}, gating {gating:.4f}"
        )
    if args.real:
        every, independent, n_groups = real(args.real)
        flagged, holm_flagged, single, gating, n = every
        i_flagged, _, _, i_gating, i_n = independent
        print(
            f"real ({args.real}): {n_groups} groups of 3 replicates, {n} comparisons (pairs of "
            f"groups): any q <= alpha {flagged:.4f}, any Holm p <= alpha {holm_flagged:.4f}, "
            f"single p <= alpha {single:.4f}, gating {gating:.4f}; the {i_n} independent ones: "
            f"any q <= alpha {i_flagged:.4f}, gating {i_gating:.4f}"
        )


if __name__ == "__main__":
    main()
