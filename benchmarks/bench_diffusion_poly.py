"""Accuracy and speed of diffusion_poly against the targets of issue 3, next to scikit-learn's
GaussianMixture (correct k). Not a test: timings depend on the machine. Run:

    python benchmarks/bench_diffusion_poly.py            # everything (~5 min on 2 cores)
    python benchmarks/bench_diffusion_poly.py accuracy   # or: speed

Accuracy: n_train = 2e4, n_eval = 1e5, projected TV (1-D and 2-D planes, mean) against the
exact-sample floor, default parameters. Speed: isotropic_gmm(dim 10, k 4, separation 6),
n_train = 1e5, degree 6, subspace pca:4 -- fit and sampling of 1e5 points, and the process's
peak resident memory (``ru_maxrss``: everything, data included; an upper bound for the learner's
own use, exact for the speed part when it runs alone). tracemalloc is not used: its bookkeeping
slowed the fit by a quarter.
"""

from __future__ import annotations

import resource
import sys
import time

from sklearn.mixture import GaussianMixture

import gmmlearn as gl

ACCURACY = [
    ("isotropic_gmm", dict(dim=3, k=5, separation=3.0, seed=0), 5, {}),
    ("far_groups", dict(L=12.0), 4, {}),
    ("far_groups", dict(L=12.0), 4, {"partition": "global"}),
]


def _tv(target, Y, seed=5):
    rows = gl.evaluate(target, None, Y, ["tv_projected"], random_state=seed)
    return {r["estimator"]: r for r in rows if r["estimator"].endswith("mean")}


def _line(name, rows, fit_s, sample_s):
    cells = "  ".join(f"{e}: {r['value']:.4f} (floor {r['floor']:.4f}, excess {r['value'] - r['floor']:+.4f}"
                      f" ± {((r['stderr']**2 + r['floor_stderr']**2) ** 0.5):.4f})" for e, r in rows.items())
    print(f"  {name:32s} fit {fit_s:6.1f}s  sample {sample_s:5.1f}s  {cells}", flush=True)


def accuracy():
    print("accuracy: n_train=2e4, n_eval=1e5, default parameters")
    for family, params, k, learner_params in ACCURACY:
        target = gl.make_target(family, **params)
        X = target.sample(20_000, random_state=1)
        print(f" {family}{params}")
        start = time.perf_counter()
        learner = gl.make_learner("diffusion_poly", **learner_params).fit(X, random_state=2)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        Y = learner.sample(100_000, random_state=3)
        label = "diffusion_poly" + "".join(f" {k}={v}" for k, v in learner_params.items())
        _line(label, _tv(target, Y), fit_s, time.perf_counter() - start)
        if learner_params:
            continue
        start = time.perf_counter()
        gmm = GaussianMixture(n_components=k, covariance_type="full", n_init=5, random_state=2).fit(X)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        Y = gmm.sample(100_000)[0]
        _line(f"sklearn GaussianMixture(k={k})", _tv(target, Y), fit_s, time.perf_counter() - start)


def speed():
    print("speed: isotropic_gmm(dim 10, k 4, separation 6), n_train=1e5, degree 6, pca:4")
    target = gl.make_target("isotropic_gmm", dim=10, k=4, separation=6.0, seed=0)
    X = target.sample(100_000, random_state=1)
    start = time.perf_counter()
    learner = gl.make_learner("diffusion_poly", degree=6, subspace="pca:4").fit(X, random_state=2)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    Y = learner.sample(100_000, random_state=3)
    sample_s = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)
    print(f"  diffusion_poly: fit {fit_s:.1f} s (target <= 30), sampling 1e5 {sample_s:.1f} s (target <= 10), "
          f"peak resident memory of the process {peak:.0f} MB (target <= 1500); levels {len(learner.levels_)}, "
          f"max cells {max(d['cells'] for d in learner.diagnostics_)}")
    _line("diffusion_poly", _tv(target, Y), fit_s, sample_s)
    start = time.perf_counter()
    gmm = GaussianMixture(n_components=4, covariance_type="full", n_init=5, random_state=2).fit(X)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    Y = gmm.sample(100_000)[0]
    _line("sklearn GaussianMixture(k=4)", _tv(target, Y), fit_s, time.perf_counter() - start)


if __name__ == "__main__":
    chosen = sys.argv[1:] or ["accuracy", "speed"]
    for name in chosen:
        {"accuracy": accuracy, "speed": speed}[name]()
