"""Parts the network was unsure of, kept as candidates for its next training set.

An unsure network is not a failure (the rules answered, and the customer got
features), so these parts stay out of the dead-letter queue, which is for what
needs an operator. They are exactly the parts the network has not learnt yet,
though: the file is copied here under its sha256 with one JSON line of why,
until ``max_files`` are kept; labelling and training them is a person's job
(models/MODEL_CARD.md). Nothing here may fail a request: a full disk or a
missing folder is logged and the part is skipped.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .json_logging import log_event

log = logging.getLogger("geometry_service.training_candidates")

INDEX_NAME = "candidates.jsonl"


class TrainingCandidates:
    """A folder of candidate parts (``<sha256>.<format>``) and an index of why each is there."""

    def __init__(self, directory: Path, max_files: int) -> None:
        self.directory = directory
        self.max_files = max_files
        self._lock = threading.Lock()

    def keep(self, source: Path, file_hash: str, file_format: str, why: dict[str, Any]) -> bool:
        """Copy ``source`` in once per file hash while there is room; True when kept now."""
        if self.max_files <= 0:
            return False
        target = self.directory / f"{file_hash}.{file_format}"
        with self._lock:
            try:
                if target.exists() or self.count() >= self.max_files:
                    return False
                self.directory.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                line = {
                    "file_hash": file_hash,
                    "file": target.name,
                    "kept_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    **why,
                }
                with open(self.directory / INDEX_NAME, "a", encoding="utf-8") as index:
                    index.write(json.dumps(line) + "\n")
            except OSError as exc:
                target.unlink(missing_ok=True)
                log_event(
                    log,
                    logging.WARNING,
                    "training_candidate_not_kept",
                    file_hash=file_hash,
                    error=f"{type(exc).__name__}: {exc}",
                )
                return False
        return True

    def count(self) -> int:
        if not self.directory.is_dir():
            return 0
        return sum(1 for path in self.directory.iterdir() if path.name != INDEX_NAME)
