"""Tell a CAD file's format from its first bytes, without OCCT.

The HTTP process rejects empty and unsupported uploads before they reach a
geometry worker, and must not import OCP to do so; the worker's reader runs
the same sniff to pick its OCCT reader, so a file that reaches OCCT always
passed it. Content decides, never the file name.

- STEP (ISO 10303-21) opens with ``ISO-10303-21;``, after an optional UTF-8
  byte order mark, white space and ``/* comments */`` (OCCT reads those).
- IGES is a file of 80-column records; its first record is a Start section
  line: column 73 is ``S`` and columns 74-80 hold its sequence number.
"""

from __future__ import annotations

import re
from enum import Enum

from .errors import PermanentError

SNIFF_BYTES = 4096
UTF8_BOM = b"\xef\xbb\xbf"

_STEP_HEAD = re.compile(rb"\A(?:\s|/\*.*?\*/)*ISO-10303-21\s*;", re.DOTALL)
_IGES_START_RECORD = re.compile(rb"\A[^\r\n]{72}S[ 0-9]{6}[0-9]\r?$", re.MULTILINE)

_RECOGNISED = (
    # (what the caller is told it sent, how it opens); first match wins
    ("a PNG image", (b"\x89PNG",)),
    ("a JPEG image", (b"\xff\xd8\xff",)),
    ("a PDF document", (b"%PDF",)),
    ("a ZIP archive (send the STEP or IGES file inside it)", (b"PK\x03\x04",)),
    ("a gzip archive (send the file uncompressed)", (b"\x1f\x8b",)),
    ("a 7-Zip archive (send the file uncompressed)", (b"7z\xbc\xaf",)),
    ("an HTML page", (b"<!doctype html", b"<html")),
    ("an XML document", (b"<?xml",)),
    ("an STL mesh (no B-Rep faces to recognise features on)", (b"solid ",)),
    ("a JSON document", (b"{", b"[")),
    ("a Parasolid file (export STEP or IGES)", (b"**ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"PS\x00")),
    (
        "a DXF drawing (export a 3D STEP or IGES)",
        (b"0\r\nSECTION", b"0\nSECTION", b"  0\r\nSECTION", b"  0\nSECTION"),
    ),
)


class CadFormat(str, Enum):
    STEP = "step"
    IGES = "iges"


def sniff_format(head: bytes) -> CadFormat:
    """The format of a file from its first bytes; raises the classified error if none.

    Empty is 400 ``empty_file``; anything else unsupported is 415 ``not_step``
    (the code clients know), its message naming what the bytes look like.
    """
    if not head:
        raise PermanentError("empty_file", "The file is empty.", 400)
    body = head[:SNIFF_BYTES].removeprefix(UTF8_BOM)
    if _STEP_HEAD.match(body):
        return CadFormat.STEP
    if _IGES_START_RECORD.match(body.lstrip(b"\r\n")):
        return CadFormat.IGES
    raise PermanentError(
        "not_step",
        f"The file is not a STEP file nor an IGES file: it looks like {describe(body)}.",
        415,
    )


def describe(head: bytes) -> str:
    """What a file that is no CAD format we read looks like, in words for its sender."""
    opening = head.lstrip().lower()
    for words, prefixes in _RECOGNISED:
        if any(opening.startswith(prefix.lower()) for prefix in prefixes):
            return words
    if b"ISO-10303-21" in head:
        return "text that mentions ISO-10303-21 but does not open with the STEP header"
    if not opening:
        return "white space only"
    if b"\x00" in head or _is_binary(head):
        return "binary data of no known format"
    return "plain text"


def _is_binary(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False
