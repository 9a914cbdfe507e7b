"""Selecting rows of a table by column or parameter: ``learner=em,n_steps=20`` (the
``--a``/``--b`` of ``gmmlearn compare`` and the ``--where`` of ``gmmlearn history``).

Values are read as YAML 1.2 (:mod:`gmmlearn.core.yaml12`): ``sigma=5e-1`` is the number 0.5,
``flag=yes`` the text "yes". A key names a column, or a learner or target parameter
(``p_learner_<key>`` / ``p_target_<key>``); rows record resolved parameters, so a default
matches like any other value.
"""

from __future__ import annotations

import json

import pandas as pd

from ..core import yaml12
from .schema import LEARNER_PREFIX, TARGET_PREFIX, param_name


def parse_filter(text: str) -> dict:
    """``"learner=diffusion_poly,partition=warm_start"`` -> a dict; values are YAML 1.2."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text + ","):
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    out = {}
    for part in filter(str.strip, parts):
        if "=" not in part:
            raise ValueError(f"expected key=value[,key=value...], got {part!r} in {text!r}")
        key, raw = part.split("=", 1)
        try:
            out[key.strip()] = yaml12.load(raw)
        except yaml12.YAMLError:
            out[key.strip()] = raw
    return out


def filter_column(frame: pd.DataFrame, key: str, where: str = "filter") -> str:
    """The column a filter key names: itself, or a learner / target parameter of that name."""
    for column in (key, f"{LEARNER_PREFIX}{key}", f"{TARGET_PREFIX}{key}"):
        if column in frame:
            return column
    params = sorted(param_name(c) for c in frame if c.startswith((LEARNER_PREFIX, TARGET_PREFIX)))
    raise ValueError(
        f"{where}: no column or parameter {key!r}; parameters here: {', '.join(params)}"
    )


def _equals(series: pd.Series, value) -> pd.Series:
    if value is None:
        return series.isna()
    if isinstance(value, bool):
        return series.astype(str).str.lower() == str(value).lower()
    if isinstance(value, (int, float)):
        return pd.to_numeric(series, errors="coerce") == value
    if isinstance(value, (list, dict)):  # stored as canonical JSON text (schema.param_value)
        return series.astype(str) == json.dumps(value, sort_keys=True)
    return series.astype(str) == str(value)


def select_rows(frame: pd.DataFrame, filters: dict, where: str = "filter") -> pd.DataFrame:
    """Rows whose columns (or learner / target parameters) equal every filter value."""
    keep = pd.Series(True, index=frame.index)
    for key, value in filters.items():
        keep &= _equals(frame[filter_column(frame, key, where)], value)
    return frame[keep]


def row_keys(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One text key per row from ``columns``; missing values read ``nan`` (``astype(str)`` would
    keep them missing under pandas 3's string dtype)."""
    keys = pd.Series("", index=frame.index, dtype=object)
    for column in columns:
        keys = keys + "|" + frame[column].map(str)
    return keys
