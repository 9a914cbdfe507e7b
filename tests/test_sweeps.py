"""Workflow configs: schema validation, clear errors, grid expansion."""

import copy
from pathlib import Path

import numpy as np
import pytest

from gmmlearn.core.validation import ConfigError
from gmmlearn.workflow import load_workflow_config as load_config

REPO = Path(__file__).resolve().parents[1]

BASE = {
    "sweeps": {
        "s": {
            "replicates": 2,
            "n_eval": 500,
            "grid": [
                {
                    "target": {"name": "isotropic_gmm", "params": {"dim": 2, "k": [2, 3]}},
                    "learner": {
                        "name": "oracle",
                        "params": {"n_steps": [10, 20], "schedule": "benton"},
                    },
                }
            ],
        }
    }
}


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
        (2, 10),
        (2, 20),
        (3, 10),
        (3, 20),
    }


def test_a_list_of_lists_is_a_literal_list():
    config = _with(
        ["sweeps", "s", "grid", 0, "target", "params"], {"dim": 2, "k": 2, "weights": [[0.3, 0.7]]}
    )
    (cell, *_) = load_config(config).sweeps["s"].cells.values()
    assert cell.target_params["weights"] == [0.3, 0.7]


def test_learner_parameters_can_follow_the_target():
    config = _with(
        ["sweeps", "s", "grid", 0, "learner"],
        {"name": "em", "params": {"n_components": "@target.k"}},
    )
    config["sweeps"]["s"]["grid"][0]["n_train"] = 100
    cells = load_config(config).sweeps["s"].cells.values()
    assert sorted(c.learner_params["n_components"] for c in cells) == [2, 3]
    bad = _with(
        ["sweeps", "s", "grid", 0, "learner"],
        {"name": "em", "params": {"n_components": "@target.kk"}},
    )
    with pytest.raises(ConfigError, match="refers to a target parameter"):
        load_config(bad)


def test_cell_ids_do_not_depend_on_the_rest_of_the_grid():
    small = set(load_config(BASE).sweeps["s"].cells)
    bigger = _with(["sweeps", "s", "grid", 0, "learner", "params", "n_steps"], [5, 10, 20])
    assert small < set(load_config(bigger).sweeps["s"].cells)


@pytest.mark.parametrize(
    "path,value,match",
    [
        (
            ["sweeps", "s", "replicates"],
            0,
            r"sweeps\.s\.replicates: 0 is less than the minimum of 1",
        ),
        (["sweeps", "s", "grid"], [], r"sweeps\.s\.grid"),
        (["sweeps", "s", "colour"], "red", "Additional properties are not allowed"),
        (
            ["sweeps", "s", "grid", 0, "target", "name"],
            "gmm9",
            "unknown target family 'gmm9'; valid names",
        ),
        (
            ["sweeps", "s", "grid", 0, "learner", "params", "n_stpes"],
            3,
            r"unknown parameter\(s\) \['n_stpes'\]",
        ),
        (
            ["sweeps", "s", "grid", 0, "learner", "params", "target"],
            "x",
            "supplied by the workflow",
        ),
        (["sweeps", "s", "metrics"], ["tv_projected", "kl"], "unknown metric 'kl'"),
        (["sweeps", "s", "figure"], "nope", "unknown figure 'nope'"),
        (
            ["sweeps", "s", "grid", 0, "learner", "params", "n_steps"],
            0,
            r"grid\[0\]\.learner\.params\.n_steps: learner 'oracle': n_steps must be an "
            r"integer >= 1, got 0",
        ),
        (
            ["sweeps", "s", "grid", 0, "learner", "params", "sampler"],
            "euler",
            r"sampler must be one of \['ddpm', 'exponential', 'heun'\], got 'euler'",
        ),
        (
            ["sweeps", "s", "metrics"],
            [{"name": "w2", "params": {"n_repeats": 1}}],
            r"metrics\[0\]\.params\.n_repeats: metric 'w2': n_repeats must be an integer >= 2",
        ),
        (["sweeps", "s", "grid", 0, "n_train"], 0, r"grid\.0\.n_train"),
    ],
)
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


def test_config_numbers_are_yaml_1_2(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "sweeps: {s: {seed: 0x10, timeout: 5e1, grid: [{target: {name: isotropic_gmm, params: "
        "{dim: 2, k: 2, sigma: 5e-1, separation: 1e1}}, learner: {name: exact}}]}}"
    )
    sweep = load_config(path).sweeps["s"]
    (cell,) = sweep.cells.values()
    assert cell.target_params == {"dim": 2, "k": 2, "sigma": 0.5, "separation": 10.0}
    assert (sweep.seed, sweep.timeout) == (16, 50.0)


@pytest.mark.parametrize(
    "path,value,match",
    [
        (["sweeps", "s", "seed"], True, "is not of type 'integer'"),
        (["sweeps", "s", "replicates"], "yes", "is not of type 'integer'"),
        (["sweeps", "s", "timeout"], float("nan"), r"sweeps\.s\.timeout: timeout must be > 0"),
        (["sweeps", "s", "timeout"], float("inf"), r"sweeps\.s\.timeout: timeout must be > 0"),
        (["sweeps", "s", "grid", 0, "n_eval"], 4, r"n_eval=4 is too small for metric 'w2'"),
        (["strict"], "yes", "is not of type 'boolean'"),
    ],
)
def test_config_values_of_the_wrong_kind_are_refused(path, value, match):
    with pytest.raises(ConfigError, match=match):
        load_config(_with(path, value))


def test_booleans_are_not_integers():
    from gmmlearn.core.validation import check_int

    for value in (True, False, np.bool_(True)):
        with pytest.raises(ValueError, match="must be an integer"):
            check_int("n", value)
    assert check_int("n", 3.0) == 3 and check_int("n", np.int64(4)) == 4


def test_yaml12_scalars():
    from gmmlearn.core import yaml12

    text = (
        "a: 5e-1\nb: 1e3\nc: yes\nd: 010\ne: 0o17\nf: 0x1F\ng: on\nh: .inf\ni: ~\nj: 12:30\n"
        "k: True\nl: '1e3'"
    )
    assert yaml12.load(text) == {
        "a": 0.5,
        "b": 1000.0,
        "c": "yes",
        "d": 10,
        "e": 15,
        "f": 31,
        "g": "on",
        "h": float("inf"),
        "i": None,
        "j": "12:30",
        "k": True,
        "l": "1e3",
    }
    assert yaml12.resolve({"x": ["5e-1", "true", "no", "3"]}) == {"x": [0.5, True, "no", 3]}
