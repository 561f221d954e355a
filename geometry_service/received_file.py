"""An uploaded or downloaded file, spooled to disk while it is hashed and measured.

The geometry workers read files by path, the cache and the dead-letter queue
need the sha256, and the size cap must hold before the whole file is in
memory: one streaming pass does all three.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .clean_text import encodable
from .errors import PermanentError
from .file_format import SNIFF_BYTES, CadFormat, sniff_format

CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ReceivedFile:
    path: Path
    file_name: str
    size: int
    sha256: str

    def sniff_format(self) -> CadFormat:
        """The file's CAD format; raises the classified error for an empty or unsupported file."""
        with open(self.path, "rb") as handle:
            return sniff_format(handle.read(SNIFF_BYTES))

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def receive_file(
    chunks: Iterable[bytes], file_name: str, max_bytes: int, directory: Path | None = None
) -> ReceivedFile:
    """Write ``chunks`` to a temporary file; PermanentError 413 past ``max_bytes``."""
    digest = hashlib.sha256()
    size = 0
    handle, name = tempfile.mkstemp(prefix="upload-", suffix=".step", dir=directory)
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise file_too_large(max_bytes)
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return ReceivedFile(
        path=path, file_name=encodable(file_name), size=size, sha256=digest.hexdigest()
    )


def file_too_large(max_bytes: int) -> PermanentError:
    return PermanentError(
        "file_too_large",
        f"The file is larger than the limit of {max_bytes / 1024 / 1024:.0f} MB.",
        413,
        {"max_bytes": max_bytes},
    )


def read_chunks(stream, chunk_bytes: int = CHUNK_BYTES) -> Iterable[bytes]:
    """Chunks of a file-like object until it is exhausted."""
    while chunk := stream.read(chunk_bytes):
        yield chunk
