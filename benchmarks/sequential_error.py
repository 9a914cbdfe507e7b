"""Error rates of the claims' verdicts under planned looks (docs/theory.md §6), by simulation.

For a quantity whose true mean sits exactly on a region's edge (region ``q <= 0``, mean 0,
standard deviation 1), the share of simulated runs that ever *pass* over all the looks of a
design -- the wrong pass the verdict must keep at most alpha = 0.025 -- with its binomial
standard error; for normal replicate values and for skewed ones (gamma, skewness 0.5, 1, 2),
because the t test behind a verdict assumes roughly normal per-replicate quantities. Then, for
a mean clearly inside the region (0.5, 1 and 2 standard deviations), the share of runs that
pass and the median number of replicates they used: what stopping early buys. Last, the
intersection-union rule over 4 instances (one on the edge, three well inside): the claim's
wrong-pass rate.

    python benchmarks/sequential_error.py [--sims 4000] [--seed 0]
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from gmmlearn.core.sequential import ALPHA, Design, Region, combine, instance_verdict

REGION = Region(high=0.0)


def draws(rng, n: int, skew: float) -> np.ndarray:
    """n values with mean 0, standard deviation 1 and the given skewness (gamma; 0: normal)."""
    if skew == 0:
        return rng.standard_normal(n)
    shape = (2 / skew) ** 2
    return rng.gamma(shape, 1 / math.sqrt(shape), n) - math.sqrt(shape)


class Doubling(Design):
    """Looks at 5, 10, 20, 40: a design whose batches double."""

    def looks(self) -> list[int]:
        return [5, 10, 20, 40]


DESIGNS = {
    "one look at 5": Design.fixed(5),
    "one look at 40": Design.fixed(40),
    "5..40 by 5 (8 looks)": Design(5, 40, 5),
    "5, 10, 20, 40 (4 looks)": Doubling(5, 40, 5),
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sims", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    designs = DESIGNS
    se = math.sqrt(ALPHA * (1 - ALPHA) / args.sims)
    print(
        f"wrong pass at the edge (mean 0, region q <= 0), {args.sims} runs each; nominal "
        f"{ALPHA} (binomial se at the nominal rate {se:.4f})"
    )
    print(f"{'design':26s} {'normal':>8s} {'skew 0.5':>9s} {'skew 1':>8s} {'skew 2':>8s}")
    for name, design in designs.items():
        rates = []
        for skew in (0.0, 0.5, 1.0, 2.0):
            wrong = sum(
                instance_verdict(draws(rng, design.max, skew), REGION, design).verdict == "pass"
                for _ in range(args.sims)
            )
            rates.append(wrong / args.sims)
        print(f"{name:26s} " + " ".join(f"{r:8.4f}" for r in rates))
    print("\nmean inside the region (normal values, sd 1): share passing, median replicates used")
    for name, design in designs.items():
        cells = []
        for gap in (0.5, 1.0, 2.0):
            verdicts = [
                instance_verdict(-gap + rng.standard_normal(design.max), REGION, design)
                for _ in range(max(args.sims // 4, 200))
            ]
            passed = np.mean([v.verdict == "pass" for v in verdicts])
            used = np.median([v.n if v.decided else design.max for v in verdicts])
            cells.append(f"{gap:g} sd: {passed:.2f} / {used:.0f}")
        print(f"{name:26s} " + "   ".join(cells))
    design = Design(5, 40, 5)
    wrong = 0
    for _ in range(args.sims):
        instances = [
            instance_verdict(draws(rng, design.max, 0.0) + shift, REGION, design, instance=str(i))
            for i, shift in enumerate((0.0, -2.0, -2.0, -2.0))
        ]
        wrong += combine(instances)[0] == "pass"
    rate = wrong / args.sims
    print(
        f"\nintersection-union, 4 instances (one on the edge, three 2 sd inside), 8 looks: "
        f"wrong pass {rate:.4f} ± {math.sqrt(rate * (1 - rate) / args.sims):.4f}"
    )


if __name__ == "__main__":
    main()
