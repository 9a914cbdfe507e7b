"""YAML 1.2 (core schema) scalars for configs and command-line values.

PyYAML implements YAML 1.1: ``5e-1`` and ``1e3`` stay strings (its floats need a dot), while
``yes``, ``no``, ``on``, ``off`` become booleans and ``010`` is octal. YAML 1.2's core schema,
which a reader of a config expects, resolves plain scalars as

* null: ``null``, ``Null``, ``NULL``, ``~`` or empty;
* bool: ``true``/``True``/``TRUE``, ``false``/``False``/``FALSE`` (nothing else);
* int: ``[-+]?[0-9]+`` (decimal, ``010`` is ten), ``0o[0-7]+``, ``0x[0-9a-fA-F]+``;
* float: ``[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?``, ``[-+]?.inf``, ``.nan``;

and everything else as a string. :func:`load` reads YAML text that way, :func:`load_file` a file,
and :func:`resolve` re-resolves the *strings* of data that another loader left unresolved (the
values of Snakemake's ``--config``): the one place this project turns text into scalars.
"""

from __future__ import annotations

import math
import os
import re

import yaml

#: what load / load_file raise on malformed YAML
YAMLError = yaml.YAMLError

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


def _to_int(text: str) -> int:
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _to_float(text: str) -> float:
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return -math.inf if lowered.startswith("-") else math.inf
    if lowered == ".nan":
        return math.nan
    return float(text)


#: (tag, pattern, first characters a match can start with, converter)
_RESOLVERS = [
    ("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""], lambda _: None),
    ("tag:yaml.org,2002:bool", _BOOL, list("tTfF"), lambda text: text.lower() == "true"),
    ("tag:yaml.org,2002:int", _INT, list("-+0123456789"), _to_int),
    ("tag:yaml.org,2002:float", _FLOAT, list("-+.0123456789"), _to_float),
]


class Loader(yaml.SafeLoader):
    """PyYAML's safe loader with the YAML 1.2 core schema's implicit scalar types."""


Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if not tag.endswith((":null", ":bool", ":int", ":float", ":timestamp"))
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, _pattern, _first, _convert in _RESOLVERS:
    Loader.add_implicit_resolver(_tag, _pattern, _first)
    Loader.add_constructor(
        _tag, lambda loader, node, convert=_convert: convert(loader.construct_scalar(node))
    )


def load(text: str):
    """Parse YAML text with YAML 1.2 scalars (``5e-1`` is 0.5, ``yes`` is a string)."""
    return yaml.load(text, Loader=Loader)  # noqa: S506  (a SafeLoader subclass)


def load_file(path: str | os.PathLike):
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=Loader)  # noqa: S506


def resolve(value):
    """Resolve every string in ``value`` (nested lists and dicts) as a YAML 1.2 plain scalar."""
    if isinstance(value, str):
        for _, pattern, _, convert in _RESOLVERS:
            if pattern.match(value):
                return convert(value)
        return value
    if isinstance(value, dict):
        return {key: resolve(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [resolve(item) for item in value]
    return value
