"""The model on disk and its version: the content hash that keys the result cache."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

NO_MODEL_VERSION = "none"


class ModelFile:
    """The model on disk and its version, re-hashed only when the file changes.

    The version (a content hash) keys the result cache, so a new model never
    serves an old model's answers. The HTTP process never loads the model;
    the workers do.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._version = NO_MODEL_VERSION

    @property
    def present(self) -> bool:
        return self.path.is_file()

    def version(self) -> str:
        try:
            stat = self.path.stat()
        except OSError:
            return NO_MODEL_VERSION
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                digest = hashlib.sha256(self.path.read_bytes()).hexdigest()
                self._version, self._stamp = f"{self.path.stem}-{digest[:12]}", stamp
            return self._version
