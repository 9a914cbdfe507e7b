"""Seeds and digests that are the same on every machine and in every run.

:func:`stable_seed` turns any parts (names, numbers) into a 63-bit integer; :func:`digest` turns
plain data into the 12-hex-digit identity of a cell, a target or a config (canonical JSON, keys
sorted). Neither depends on the process (no ``hash()``), the platform or the order of dict keys.
"""

from __future__ import annotations

import hashlib
import json


def stable_seed(*parts) -> int:
    """A 63-bit integer from the text of ``parts``: identical on every machine and run."""
    digest_bytes = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest_bytes[:8], "little") >> 1


def digest(obj) -> str:
    """12 hex digits identifying plain data (canonical JSON: sorted keys, no spaces)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return f"{stable_seed(text):016x}"[:12]
