"""What a cell computes: target and learner with their parameters, sample sizes, metrics.

A cell's identity (``cell_id``) is the digest of its spec *as given* -- not of the resolved
parameters, which the rows record (:func:`resolved_params`): adding a parameter with a default to
a learner changes no cell id, and the committed baseline keeps pairing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..core.seeds import digest
from ..core.validation import ParameterError, check_int
from ..learners import LEARNERS
from ..metrics import METRICS, metric_spec
from ..targets import FAMILIES

#: learner parameters the workflow supplies (the cell's target), never given by a config
INJECTED = ("target",)


@dataclass
class CellSpec:
    """What a cell computes; its hash is the cell's identity."""

    target: str
    learner: str
    target_params: dict = field(default_factory=dict)
    learner_params: dict = field(default_factory=dict)
    n_train: int | None = None
    n_eval: int = 10_000
    metrics: list = field(default_factory=lambda: ["tv_projected", "w2"])

    def __post_init__(self):
        if self.n_train is not None:
            self.n_train = check_int("n_train", self.n_train, minimum=1)
        self.n_eval = check_int("n_eval", self.n_eval, minimum=2)
        if not isinstance(self.metrics, list) or not self.metrics:
            raise ParameterError(
                "metrics", f"metrics must be a non-empty list, got {self.metrics!r}"
            )
        for spec in self.metrics:
            name, params = metric_spec(spec)
            METRICS.check_options(name, params)
            needed = METRICS.min_samples(name, params)
            if needed is not None and self.n_eval < needed:
                raise ParameterError(
                    "n_eval",
                    f"n_eval={self.n_eval} is too small for metric {name!r}: "
                    f"it needs n_eval >= {needed}",
                )
        LEARNERS.get(self.learner)
        for name, params in (
            ("target_params", self.target_params),
            ("learner_params", self.learner_params),
        ):
            if not isinstance(params, dict):
                raise ParameterError(
                    name, f"{name} must be a mapping of parameter names to values, got {params!r}"
                )

    @classmethod
    def from_dict(cls, data: dict) -> CellSpec:
        return cls(**data)

    def as_dict(self) -> dict:
        return asdict(self)

    def target_id(self) -> str:
        return digest({"target": self.target, "params": self.target_params})

    def cell_id(self) -> str:
        return digest(self.as_dict())


def resolved_params(spec: CellSpec) -> tuple[dict, dict]:
    """(target, learner) parameters with every unset one that has a declared default filled in
    (the learner's injected ``target`` left out); a name no registry knows keeps its params."""

    def resolve(registry, name, params, injected=()):
        if name not in registry:
            return dict(params)
        return registry.get(name).resolved(params, injected)

    return (
        resolve(FAMILIES, spec.target, spec.target_params),
        resolve(LEARNERS, spec.learner, spec.learner_params, INJECTED),
    )
