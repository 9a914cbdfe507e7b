"""gmmlearn: a reproducible benchmark of learning Gaussian mixtures with diffusion models.

Quick tour (see README.md)::

    import gmmlearn as gl
    target = gl.make_target("isotropic_gmm", dim=2, k=3, separation=8.0, seed=0)
    learner = gl.make_learner("oracle", target=target, n_steps=400).fit()
    Y = learner.sample(20_000, random_state=3)
    rows = gl.evaluate(target, learner, Y, metrics=["tv_projected", "w2"], random_state=4)
"""

from importlib.metadata import PackageNotFoundError, version

from .learners import LEARNERS, make_learner
from .metrics import METRICS, evaluate
from .targets import FAMILIES, make_target, target_from_dict
from .validation import ConfigError

try:
    __version__ = version("gmmlearn")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

__all__ = [
    "ConfigError",
    "FAMILIES",
    "LEARNERS",
    "METRICS",
    "__version__",
    "evaluate",
    "make_learner",
    "make_target",
    "target_from_dict",
]
