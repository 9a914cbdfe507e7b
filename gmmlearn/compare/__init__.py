"""Comparing runs: pairing and verdicts (:mod:`.pairing`), the report and forest plot
(:mod:`.report`), runs at git refs (:mod:`.refs`), runs kept by commit (:mod:`.history`), the
committed baseline (:mod:`.baseline`) and synthetic runs under the null (:mod:`.null`)."""

from .pairing import (
    ALPHA,
    GATING,
    NOT_OK,
    ROUNDOFF,
    VERDICTS,
    Comparison,
    compare_runs,
    compare_settings,
    compare_tables,
)

__all__ = [
    "ALPHA",
    "GATING",
    "NOT_OK",
    "ROUNDOFF",
    "VERDICTS",
    "Comparison",
    "compare_runs",
    "compare_settings",
    "compare_tables",
]
