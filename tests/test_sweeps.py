"""Workflow configs: schema validation, clear errors, grid expansion."""

import copy
from pathlib import Path

import pytest

from gmmlearn.sweeps import load_config
from gmmlearn.validation import ConfigError

REPO = Path(__file__).resolve().parents[1]

BASE = {"sweeps": {"s": {"replicates": 2, "n_eval": 500, "grid": [{
    "target": {"name": "isotropic_gmm", "params": {"dim": 2, "k": [2, 3]}},
    "learner": {"name": "oracle", "params": {"n_steps": [10, 20], "schedule": "benton"}},
}]}}}


def _with(path, value):
    config = copy.deepcopy(BASE)
    node = config
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return config


@pytest.mark.parametrize("config_file", sorted((REPO / "workflows" / "config").glob("*.yaml")))
def test_shipped_configs_are_valid(config_file):
    config = load_config(config_file)
    assert config.sweeps and all(s.cells for s in config.sweeps.values())


def test_grid_is_a_product_of_list_valued_parameters():
    sweep = load_config(BASE).sweeps["s"]
    assert len(sweep.cells) == 4 and sweep.replicates == 2
    assert {(c.target_params["k"], c.learner_params["n_steps"]) for c in sweep.cells.values()} == {
        (2, 10), (2, 20), (3, 10), (3, 20)}


def test_a_list_of_lists_is_a_literal_list():
    config = _with(["sweeps", "s", "grid", 0, "target", "params"], {"dim": 2, "k": 2, "weights": [[0.3, 0.7]]})
    (cell, *_) = load_config(config).sweeps["s"].cells.values()
    assert cell.target_params["weights"] == [0.3, 0.7]


def test_learner_parameters_can_follow_the_target():
    config = _with(["sweeps", "s", "grid", 0, "learner"], {"name": "em", "params": {"n_components": "@target.k"}})
    config["sweeps"]["s"]["grid"][0]["n_train"] = 100
    cells = load_config(config).sweeps["s"].cells.values()
    assert sorted(c.learner_params["n_components"] for c in cells) == [2, 3]
    bad = _with(["sweeps", "s", "grid", 0, "learner"], {"name": "em", "params": {"n_components": "@target.kk"}})
    with pytest.raises(ConfigError, match="refers to a target parameter"):
        load_config(bad)


def test_cell_ids_do_not_depend_on_the_rest_of_the_grid():
    small = set(load_config(BASE).sweeps["s"].cells)
    bigger = _with(["sweeps", "s", "grid", 0, "learner", "params", "n_steps"], [5, 10, 20])
    assert small < set(load_config(bigger).sweeps["s"].cells)


@pytest.mark.parametrize("path,value,match", [
    (["sweeps", "s", "replicates"], 0, r"sweeps\.s\.replicates: 0 is less than the minimum of 1"),
    (["sweeps", "s", "grid"], [], r"sweeps\.s\.grid"),
    (["sweeps", "s", "colour"], "red", "Additional properties are not allowed"),
    (["sweeps", "s", "grid", 0, "target", "name"], "gmm9", "unknown target family 'gmm9'; valid names"),
    (["sweeps", "s", "grid", 0, "learner", "params", "n_stpes"], 3, r"unknown parameter\(s\) \['n_stpes'\]"),
    (["sweeps", "s", "grid", 0, "learner", "params", "target"], "x", "supplied by the workflow"),
    (["sweeps", "s", "metrics"], ["tv_projected", "kl"], "unknown metric 'kl'"),
    (["sweeps", "s", "figure"], "nope", "unknown figure 'nope'"),
    (["sweeps", "s", "grid", 0, "n_train"], 0, r"grid\.0\.n_train"),
])
def test_invalid_configs_raise_config_errors_naming_the_place(path, value, match):
    with pytest.raises(ConfigError, match=match):
        load_config(_with(path, value))


def test_unreadable_config_is_a_config_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("sweeps: [unclosed")
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(bad)
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.yaml")
