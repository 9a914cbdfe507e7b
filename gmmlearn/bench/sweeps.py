"""Sweep configs: load, validate against the package's ``schemas/config.schema.yaml``, expand
grids into cells -- everything a cell needs.

A sweep's ``grid`` is a union of blocks (like benchopt's parameter grids); each block is the
product of its targets, learners, ``n_train`` values and every list-valued parameter. To pass a
list as a literal value (``weights``, ``means``), wrap it: ``weights: [[0.7, 0.3]]``. A learner
parameter may follow the cell's target: ``n_components: "@target.k"`` takes the target's ``k``.
Names of families, learners, metrics and their parameters are checked here, and so are the
values of learner and metric parameters against their declared constraints, so a typo or an
out-of-range value fails before anything runs; target parameter values are checked when a cell
runs, and a bad one fails that cell only. Configs are read as YAML 1.2
(:mod:`gmmlearn.core.yaml12`): ``5e-1`` is a number, ``yes`` a string.

What needs the claims or the figures (a claim pointed at a sweep, a figure's name) is checked by
:mod:`gmmlearn.workflow`, above this layer.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jsonschema

from ..core import yaml12
from ..core.seeds import digest
from ..core.sequential import Design
from ..core.validation import ConfigError, ParameterError
from ..learners import LEARNERS
from ..metrics import METRICS
from ..metrics.base import INJECTED as METRIC_INJECTED
from ..targets import FAMILIES
from .cell import INJECTED, CellSpec
from .experiment import check_timeout


def default_config_dir() -> Path:
    """``workflows/config`` of the checkout the package was imported from."""
    return Path(__file__).resolve().parents[2] / "workflows" / "config"


def schema() -> dict:
    with resources.files("gmmlearn").joinpath("schemas/config.schema.yaml").open() as handle:
        return yaml12.load(handle.read())


#: most cells of light learners one job runs (one process: one interpreter start-up for all)
CHUNK_CELLS = 12


@dataclass
class Sweep:
    name: str
    seed: int
    design: Design
    figure: str | None
    timeout: float | None
    cells: dict[str, CellSpec]
    config_hash: str
    description: str = ""

    @property
    def replicates(self) -> int:
        """The most replicates a cell of the sweep runs (the design's ``max``)."""
        return self.design.max

    @property
    def sequential(self) -> bool:
        """Whether the claims over the sweep are evaluated at several looks."""
        return self.design.n_looks > 1

    def targets(self) -> dict[str, dict]:
        """Distinct target specs of the sweep, by target id."""
        return {
            c.target_id(): {"name": c.target, "params": c.target_params}
            for c in self.cells.values()
        }

    def chunks(self, cells=None) -> dict[str, list[str]]:
        """The sweep's jobs: chunk id -> the ids of the cells one job runs (of ``cells``, by
        default all). A cell of a learner that declares itself ``light`` (oracle, exact, the
        moment methods: no fit worth a process of its own) shares a job with the other light
        cells of its target, at most :data:`CHUNK_CELLS` per job; every other cell is a job of
        its own, whose chunk id is its cell id. Chunks are a matter of cost only: a cell's rows
        are the same in any chunk."""
        chosen = sorted(self.cells if cells is None else cells)
        chunks: dict[str, list[str]] = {}
        light: dict[str, list[str]] = {}
        for cell_id in chosen:
            spec = self.cells[cell_id]
            if getattr(LEARNERS.get(spec.learner).factory, "light", False):
                light.setdefault(spec.target_id(), []).append(cell_id)
            else:
                chunks[cell_id] = [cell_id]
        for ids in light.values():
            for start in range(0, len(ids), CHUNK_CELLS):
                part = ids[start : start + CHUNK_CELLS]
                chunks[part[0] if len(part) == 1 else digest(part)] = part
        return dict(sorted(chunks.items()))


def _validate(config: dict) -> dict:
    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        # the most specific error (inside a oneOf, the alternative the value was meant for)
        first = jsonschema.exceptions.best_match([errors[0]])
        where = ".".join(str(p) for p in first.absolute_path) or "<top>"
        message = first.message
        if first.context:  # no alternative fits: say why each does not
            reasons = "; ".join(sorted({error.message for error in first.context}))
            message = f"{message} ({reasons})"
        raise ConfigError(f"invalid config at {where}: {message}")
    return config


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _expand_params(params: dict) -> list[dict]:
    """Product over list-valued parameters (a list of lists gives literal lists)."""
    keys = sorted(params)
    axes = [_as_list(params[k]) for k in keys]
    return [dict(zip(keys, combo)) for combo in itertools.product(*axes)]


def _resolve_target_references(learner_params: dict, target_params: dict, where: str) -> dict:
    """Replace ``"@target.<name>"`` values by the target parameter ``<name>`` of the cell."""
    resolved = {}
    for key, value in learner_params.items():
        if isinstance(value, str) and value.startswith("@target."):
            name = value[len("@target.") :]
            if name not in target_params:
                raise ConfigError(
                    f"{where}.{key}: {value!r} refers to a target parameter the target "
                    f"does not set; it sets {sorted(target_params)}"
                )
            value = target_params[name]
        resolved[key] = value
    return resolved


def _check_component(registry, comp: dict, where: str, injected=()) -> None:
    try:
        entry = registry.get(comp["name"])
    except ValueError as exc:
        raise ConfigError(f"{where}.name: {exc}") from None
    unknown = sorted(set(comp.get("params") or {}) - set(entry.parameters) - set(injected))
    if unknown:
        raise ConfigError(
            f"{where}.params: unknown parameter(s) {unknown} for {registry.kind} "
            f"{comp['name']!r}; valid: {', '.join(entry.parameters)}"
        )
    if set(comp.get("params") or {}) & set(injected):
        raise ConfigError(f"{where}.params: {sorted(injected)} is supplied by the workflow")


def _check_values(registry, name: str, params: dict, where: str) -> None:
    """The values of a cell's parameters against the declared constraints."""
    try:
        registry.validate(name, params)
    except ParameterError as exc:
        raise ConfigError(f"{where}.{exc.name}: {registry.kind} {name!r}: {exc}") from None


def _check_metric(spec, where: str) -> None:
    name = spec if isinstance(spec, str) else spec["name"]
    try:
        entry = METRICS.get(name)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    params = {} if isinstance(spec, str) else spec.get("params") or {}
    unknown = sorted(set(params) - set(entry.parameters) - set(METRIC_INJECTED))
    if unknown:
        raise ConfigError(f"{where}: unknown parameter(s) {unknown} for metric {name!r}")
    _check_values(METRICS, name, params, f"{where}.params")


def _design(replicates, where: str) -> Design:
    """A sweep's ``replicates``: a number (one look) or a sequential design {min, max, batch}."""
    try:
        if isinstance(replicates, dict):
            return Design(replicates["min"], replicates["max"], replicates["batch"])
        return Design.fixed(replicates)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def expand_sweep(name: str, sweep: dict) -> Sweep:
    cells: dict[str, CellSpec] = {}
    default_metrics = sweep.get("metrics", ["tv_projected", "w2"])
    for b, block in enumerate(sweep["grid"]):
        where = f"sweeps.{name}.grid[{b}]"
        metrics = block.get("metrics", default_metrics)
        for m, spec in enumerate(metrics):
            _check_metric(spec, f"{where}.metrics[{m}]")
        targets, learners = _as_list(block["target"]), _as_list(block["learner"])
        for i, t in enumerate(targets):
            _check_component(FAMILIES, t, f"{where}.target[{i}]")
        for i, lr in enumerate(learners):
            _check_component(LEARNERS, lr, f"{where}.learner[{i}]", injected=INJECTED)
        for t, lr, n_train in itertools.product(targets, learners, _as_list(block.get("n_train"))):
            for tp, lp in itertools.product(
                _expand_params(t.get("params") or {}), _expand_params(lr.get("params") or {})
            ):
                lp = _resolve_target_references(lp, tp, f"{where}.learner.params")
                _check_values(LEARNERS, lr["name"], lp, f"{where}.learner.params")
                try:
                    spec = CellSpec(
                        target=t["name"],
                        target_params=tp,
                        learner=lr["name"],
                        learner_params=lp,
                        n_train=n_train,
                        n_eval=block.get("n_eval", sweep.get("n_eval", 10_000)),
                        metrics=list(metrics),
                    )
                except ValueError as exc:
                    raise ConfigError(f"{where}: {exc}") from None
                cells.setdefault(spec.cell_id(), spec)
    try:
        timeout = check_timeout(sweep.get("timeout"))
    except ValueError as exc:
        raise ConfigError(f"sweeps.{name}.timeout: {exc}") from None
    return Sweep(
        name=name,
        seed=int(sweep.get("seed", 0)),
        design=_design(sweep.get("replicates", 3), f"sweeps.{name}.replicates"),
        figure=sweep.get("figure"),
        timeout=timeout,
        cells=cells,
        # what a replicate computes: not the design (adding replicates reruns nothing), the
        # figure or the description
        config_hash=digest(
            {k: v for k, v in sweep.items() if k not in ("figure", "description", "replicates")}
        ),
        description=sweep.get("description", ""),
    )


@dataclass
class WorkflowConfig:
    name: str
    results_dir: str
    figures_dir: str
    sweeps: dict[str, Sweep]
    #: claim id -> the sweep it reads, where the config points a claim at another sweep
    claim_sweeps: dict[str, str] = field(default_factory=dict)
    #: the workflow fails when any cell failed or timed out (its tables are still written)
    strict: bool = False


def _claim_sweeps(config: dict, sweeps: dict) -> dict[str, str]:
    """The config's ``claims`` section: the sweep each claim is pointed at must be one of the
    config's sweeps (that the claim exists is checked by :mod:`gmmlearn.workflow`)."""
    out = {}
    for claim, spec in (config.get("claims") or {}).items():
        sweep = spec["sweep"]
        if sweep not in sweeps:
            raise ConfigError(
                f"claims.{claim}.sweep: {sweep!r} is not a sweep of this config; "
                f"its sweeps are {sorted(sweeps)}"
            )
        out[claim] = sweep
    return out


def _read_yaml(path: Path) -> dict:
    """A config file as plain data (YAML 1.2 scalars), or a ConfigError saying why not."""
    try:
        config = yaml12.load_file(path)
    except (OSError, yaml12.YAMLError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from None
    if not isinstance(config, dict):
        raise ConfigError(f"config {path} must be a YAML mapping")
    return config


def resolve_includes(config: dict, base: Path) -> dict:
    """The config with the sweeps of every file in ``include`` (paths relative to ``base``)
    added to its own; the including file's other keys win, a sweep defined twice is an error."""
    includes = config.get("include") or []
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        raise ConfigError("include must be a list of config file names")
    sweeps = dict(config.get("sweeps") or {})
    for name in includes:
        path = base / name
        included = resolve_includes(_read_yaml(path), path.parent)
        for sweep, definition in (included.get("sweeps") or {}).items():
            if sweep in sweeps:
                raise ConfigError(f"sweep {sweep!r} is defined twice (again in included {path})")
            sweeps[sweep] = definition
    resolved = {key: value for key, value in config.items() if key != "include"}
    if sweeps:
        resolved["sweeps"] = sweeps
    return resolved


def load_config(config: dict | str | Path, base: str | Path | None = None) -> WorkflowConfig:
    """Validate a config (a dict or a YAML path) and expand every sweep's grid. ``include``d
    files are read relative to the config file, or to ``base`` for a dict (default: the
    package's ``workflows/config``)."""
    if isinstance(config, dict):
        base = Path(base) if base is not None else default_config_dir()
    else:
        path = Path(config)
        config, base = _read_yaml(path), path.parent
    config = resolve_includes(json.loads(json.dumps(config)), base)  # plain data, detached
    _validate(config)
    sweeps = {name: expand_sweep(name, sweep) for name, sweep in config["sweeps"].items()}
    return WorkflowConfig(
        name=config.get("name", "custom"),
        results_dir=config.get("results_dir", "results"),
        figures_dir=config.get("figures_dir", "paper_figures"),
        sweeps=sweeps,
        claim_sweeps=_claim_sweeps(config, sweeps),
        strict=config.get("strict", False),
    )


def merge_config(base: dict, override: dict) -> dict:
    """``base`` updated by ``override``, nested mappings merged key by key (as Snakemake merges
    several --configfile and --config)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            value = merge_config(merged[key], value)
        merged[key] = value
    return merged


def merged_config(config_files, overrides: dict) -> dict:
    """Config files read as YAML 1.2 (Snakemake's own loader is YAML 1.1) and merged in order,
    then the --config values, whose text Snakemake leaves unresolved, resolved as YAML 1.2
    scalars (``strict=true`` is a boolean, ``5e-1`` a number)."""
    config: dict = {}
    for path in config_files:
        config = merge_config(config, _read_yaml(Path(path)))
    return merge_config(config, yaml12.resolve(dict(overrides)))
