"""What a recognizer module hands back before the orchestrator numbers it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Candidate:
    """A recognized feature: its type, faces and measured parameters, not yet numbered."""

    type: str
    face_ids: list[int]
    parameters: dict[str, Any] = field(default_factory=dict)
    subtype: str | None = None
    confidence: float = 0.75
