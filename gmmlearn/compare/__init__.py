"""Comparing runs: pairing and verdicts (:mod:`.pairing`), the report and forest plot
(:mod:`.report`), runs at git refs (:mod:`.refs`), runs kept by commit (:mod:`.history`), the
committed baseline (:mod:`.baseline`) and synthetic runs under the null (:mod:`.null`).

The names of :mod:`.pairing` are loaded on first use (PEP 562), so that ``import
gmmlearn.compare.history`` does not load the metrics (which pairing needs for their senses).
"""

from __future__ import annotations

import importlib

_PAIRING = (
    "ALPHA",
    "GATING",
    "NOT_OK",
    "ROUNDOFF",
    "VERDICTS",
    "Comparison",
    "compare_runs",
    "compare_settings",
    "compare_tables",
)


def __getattr__(name: str):
    if name in _PAIRING:
        return getattr(importlib.import_module("gmmlearn.compare.pairing"), name)
    raise AttributeError(f"module 'gmmlearn.compare' has no attribute {name!r}")


__all__ = list(_PAIRING)
