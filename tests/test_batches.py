"""Replicate-level work (docs/theory.md §6, README "Workflow"): a replicate's numbers do not
depend on the batch it ran in, light cells share a job, a target is drawn anew per replicate
unless pinned, a sequential design is validated, and a look stops the cells of decided claims."""

import json

import numpy as np
import pandas as pd
import pytest

from gmmlearn.bench.cell import CellSpec
from gmmlearn.bench.experiment import instance_seed, make_cell_target
from gmmlearn.bench.sweeps import CHUNK_CELLS, load_config
from gmmlearn.claims.base import Arm, Claim
from gmmlearn.claims.looks import decide
from gmmlearn.cli import main
from gmmlearn.core.sequential import Design, Region
from gmmlearn.core.validation import ConfigError
from gmmlearn.results.schema import VALUES
from gmmlearn.workflow import load_workflow_config

ORACLE = CellSpec(
    target="isotropic_gmm",
    target_params={"dim": 1, "k": 2, "separation": 4.0},
    learner="oracle",
    learner_params={"n_steps": 20},
    n_eval=500,
    metrics=["tv_projected"],
)


def _cell_rows(tmp_path, first, last, name):
    out = tmp_path / f"{name}.csv"
    code = main(
        ["cell", "--spec", json.dumps(ORACLE.as_dict()), "--sweep", "s", "--sweep-seed", "7"]
        + ["--first", str(first), "--last", str(last), "--out", str(out)]
    )
    assert code == 0
    return pd.read_csv(out)


def test_a_replicate_is_bit_identical_in_any_batch(tmp_path):
    together = _cell_rows(tmp_path, 0, 2, "together")
    alone = _cell_rows(tmp_path, 1, 1, "alone")
    later = _cell_rows(tmp_path, 2, 3, "later")
    key = ["replicate", "metric", "estimator"]
    for part, replicates in ((alone, [1]), (later, [2])):
        mine = part[part["replicate"].isin(replicates)].sort_values(key).reset_index(drop=True)
        theirs = together[together["replicate"].isin(replicates)].sort_values(key)
        pd.testing.assert_frame_equal(
            mine[key + VALUES], theirs.reset_index(drop=True)[key + VALUES]
        )
    assert set(together["replicate"]) == {0, 1, 2}


def test_a_target_is_drawn_per_replicate_unless_its_seed_is_pinned():
    seeds = [instance_seed(ORACLE, 7, r) for r in range(4)]
    assert len(set(seeds)) == 4 and all(isinstance(s, int) for s in seeds)
    assert seeds == [instance_seed(ORACLE, 7, r) for r in range(4)]  # reproducible
    pinned = CellSpec(**{**ORACLE.as_dict(), "target_params": {**ORACLE.target_params, "seed": 3}})
    assert instance_seed(pinned, 7, 0) is None
    unseeded = CellSpec(target="far_groups", learner="exact", target_params={"L": 3.0})
    assert instance_seed(unseeded, 7, 0) is None
    # every learner of a replicate sees the same instance: the seed depends on sweep and replicate
    other = CellSpec(**{**ORACLE.as_dict(), "learner": "exact", "learner_params": {}})
    assert instance_seed(other, 7, 2) == seeds[2]
    a, b = (make_cell_target(ORACLE, seeds[1]).to_dict() for _ in range(2))
    assert a == b and a != make_cell_target(ORACLE, seeds[2]).to_dict()


def test_rows_record_the_instance_seed(tmp_path):
    rows = _cell_rows(tmp_path, 0, 1, "seeds")
    by_replicate = rows.groupby("replicate")["instance_seed"].unique()
    assert [list(v) for v in by_replicate] == [[instance_seed(ORACLE, 7, r)] for r in (0, 1)]
    assert rows["p_target_seed"].isna().all()  # drawn, not a parameter: replicates group together


def _config(replicates, grid=None, **extra):
    grid = grid or [
        {"target": {"name": "far_groups"}, "learner": {"name": "oracle", "params": {"n_steps": 5}}}
    ]
    return {"sweeps": {"s": {"replicates": replicates, "grid": grid, **extra}}}


def test_light_cells_of_a_target_share_a_job_costly_ones_do_not():
    grid = [
        {
            "target": {"name": "far_groups", "params": {"L": [3.0, 4.0]}},
            "learner": [
                {"name": "oracle", "params": {"n_steps": list(range(5, 5 + CHUNK_CELLS + 2))}},
                {"name": "exact"},
                {"name": "diffusion_poly", "params": {"n_levels": 5}},
            ],
            "n_train": 100,
        }
    ]
    sweep = load_config(_config(3, grid)).sweeps["s"]
    chunks = sweep.chunks()
    assert sum(len(c) for c in chunks.values()) == len(sweep.cells)
    for chunk_id, cells in chunks.items():
        specs = [sweep.cells[c] for c in cells]
        assert len({s.target_id() for s in specs}) == 1 and len(cells) <= CHUNK_CELLS
        if any(s.learner == "diffusion_poly" for s in specs):
            assert cells == [chunk_id]  # a costly cell is a job of its own, named by its id
    assert chunks == sweep.chunks()  # deterministic
    some = sorted(sweep.cells)[:3]
    assert sorted(c for cells in sweep.chunks(some).values() for c in cells) == some


def test_a_sequential_design_is_validated():
    sweep = load_config(_config({"min": 5, "max": 20, "batch": 5})).sweeps["s"]
    assert sweep.design.looks() == [5, 10, 15, 20] and sweep.sequential
    with pytest.raises(ConfigError, match=r"sweeps\.s\.replicates.*max \(4\) must be >= .*min"):
        load_config(_config({"min": 5, "max": 4, "batch": 1}))
    with pytest.raises(ConfigError, match="replicates"):
        load_config(_config({"min": 5, "max": 9, "batch": 0}))
    with pytest.raises(ConfigError, match="no claim reads sweep 's'"):
        load_workflow_config(_config({"min": 5, "max": 20, "batch": 5}))
    pointed = _config({"min": 5, "max": 20, "batch": 5})
    pointed["claims"] = {"C7a": {"sweep": "s"}}
    assert load_workflow_config(pointed).sweeps["s"].sequential


def test_adding_replicates_changes_no_cell_and_no_config_hash():
    three, five = (load_config(_config(n)).sweeps["s"] for n in (3, 5))
    assert three.config_hash == five.config_hash and list(three.cells) == list(five.cells)


class _MeanBelowZero(Claim):
    """A claim whose quantity is each replicate's value of the 'exact' rows."""

    id = "T0"
    statement = "test claim"
    sweep = "s"
    quantity = "value"
    kind = "max_excess"
    expected = Region(high=0.0)
    subject = Arm("exact")
    control = Arm("oracle")

    def per_replicate(self, rows, arm):
        return arm.select(rows).groupby("replicate")["value"].mean()


def _rows(values):
    n = len(values)
    return pd.DataFrame(
        {
            "sweep": "s",
            "cell_id": ["aaaaaaaaaaaa"] * n + ["bbbbbbbbbbbb"] * n,
            "family": "far_groups",
            "learner": ["exact"] * n + ["oracle"] * n,
            "replicate": list(range(n)) * 2,
            "metric": "tv_projected",
            "estimator": "hist1d_mean",
            "value": list(values) * 2,
            "status": "ok",
        }
    )


def test_a_look_stops_every_cell_once_the_claims_are_decided():
    design = Design(5, 20, 5)
    rng = np.random.default_rng(0)
    clear = _rows(-1.0 + 0.01 * rng.standard_normal(20))
    decision = decide(clear, [_MeanBelowZero()], design, 0)
    assert decision.claims == {"T0": "pass"} and decision.active == [] and decision.n == 5
    edge = _rows(rng.standard_normal(20) * np.array([1, -1] * 10))  # mean ~0: undecided
    for look in range(3):
        decision = decide(edge, [_MeanBelowZero()], design, look)
        assert decision.claims["T0"] == "inconclusive"
        assert decision.active == ["aaaaaaaaaaaa", "bbbbbbbbbbbb"]
    assert decide(edge, [_MeanBelowZero()], design, 3).active == []  # the last look


def test_a_look_sees_only_the_replicates_of_its_count():
    design = Design(5, 10, 5)
    values = np.r_[np.full(5, -1.0) + 0.01 * np.arange(5), np.full(5, 50.0)]
    first = decide(_rows(values), [_MeanBelowZero()], design, 0)
    assert first.claims["T0"] == "pass"  # replicates 5..9 (all 50) are not seen at look 0
