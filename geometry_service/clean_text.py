"""Text from clients made safe to encode: every store and JSON writer accepts the result.

A file name or JSON field a client sends can hold NUL (which Postgres text
and jsonb cannot hold) or lone surrogates (``"\\udc80"``, which no UTF-8
encoder accepts). Both become U+FFFD where client text enters the service,
so an answer or a failure record can always be written.
"""

from __future__ import annotations

import re
from typing import Any

_UNENCODABLE = re.compile("[\x00\ud800-\udfff]")


def encodable(value: Any) -> Any:
    """``value`` (a string, or dicts and lists of them) with NUL and lone surrogates as U+FFFD."""
    if isinstance(value, str):
        return _UNENCODABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {encodable(key): encodable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [encodable(item) for item in value]
    return value
