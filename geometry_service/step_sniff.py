"""Tell a STEP file from anything else by its first bytes, without OCCT.

The HTTP process rejects empty and non-STEP uploads before they reach a
geometry worker, and must not import OCP to do so; the worker's reader runs
the same check, so a file that reaches OCCT always passed it.
"""

from __future__ import annotations

from .errors import PermanentError

STEP_MAGIC = b"ISO-10303-21"
SNIFF_BYTES = 4096
UTF8_BOM = b"\xef\xbb\xbf"


def looks_like_step(head: bytes) -> bool:
    """Sniff content, not the extension: a STEP file opens with ISO-10303-21."""
    return STEP_MAGIC in head[:SNIFF_BYTES].lstrip(UTF8_BOM + b" \t\r\n")[: len(STEP_MAGIC) + 64]


def check_step_head(head: bytes) -> None:
    """Raise the classified error for an empty or non-STEP file's first bytes."""
    if not head:
        raise PermanentError("empty_file", "The file is empty.", 400)
    if not looks_like_step(head):
        raise PermanentError(
            "not_step", "The file is not a STEP file (no ISO-10303-21 header).", 415
        )
