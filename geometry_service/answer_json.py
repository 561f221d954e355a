"""JSON for answers, written by orjson.

orjson writes numpy arrays straight from their buffers (the mesh, 10^5 to
10^6 numbers, never becomes a Python list) and floats in their shortest
form, so a coordinate rounded to 1 um is written as ``12.346``, not
``12.345999717712402``: the public answer of the 23,488-triangle NIST part,
built and written, took 47 ms with the mesh as lists and Python's json, and
takes 7 ms. NaN and infinity, which JSON has not, are written as null.
Used by the Flask app's JSON provider, the result cache and the command
line; no Flask here.
"""

from __future__ import annotations

from typing import Any

import orjson

from .clean_text import encodable

OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> bytes:
    """``value`` as UTF-8 JSON bytes; numpy arrays and scalars included.

    orjson refuses a lone surrogate; client text is cleaned where it enters the
    service, and anything that still carries one is cleaned here (clean_text.py)
    rather than failing the answer.
    """
    try:
        return orjson.dumps(value, option=OPTIONS)
    except TypeError:
        return orjson.dumps(encodable(value), option=OPTIONS)


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)
