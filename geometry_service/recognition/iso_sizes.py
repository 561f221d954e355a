"""Nearest ISO metric drill and tap sizes, so a quote can name the tool.

Drills: the ISO 235 metric series as stocked (0.1 mm steps to 13 mm, 0.5 mm to
20 mm, 1 mm to 50 mm). Taps: ISO 261 coarse threads with the ISO 2306 tap
drill (nominal minus pitch); a hole is matched to the thread whose tap drill
is nearest its diameter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DRILLS = np.round(
    np.concatenate(
        [np.arange(1.0, 13.0, 0.1), np.arange(13.0, 20.0, 0.5), np.arange(20.0, 50.01, 1.0)]
    ),
    2,
)

# (thread, nominal diameter, coarse pitch), ISO 261.
COARSE_THREADS: tuple[tuple[str, float, float], ...] = (
    ("M1.6", 1.6, 0.35),
    ("M2", 2.0, 0.4),
    ("M2.5", 2.5, 0.45),
    ("M3", 3.0, 0.5),
    ("M4", 4.0, 0.7),
    ("M5", 5.0, 0.8),
    ("M6", 6.0, 1.0),
    ("M8", 8.0, 1.25),
    ("M10", 10.0, 1.5),
    ("M12", 12.0, 1.75),
    ("M14", 14.0, 2.0),
    ("M16", 16.0, 2.0),
    ("M18", 18.0, 2.5),
    ("M20", 20.0, 2.5),
    ("M22", 22.0, 2.5),
    ("M24", 24.0, 3.0),
    ("M27", 27.0, 3.0),
    ("M30", 30.0, 3.5),
    ("M36", 36.0, 4.0),
    ("M42", 42.0, 4.5),
    ("M48", 48.0, 5.0),
)
_TAP_DRILLS = np.array([nominal - pitch for _, nominal, pitch in COARSE_THREADS])


@dataclass(frozen=True)
class DrillMatch:
    size: float
    difference: float  # hole diameter minus drill size, mm

    def to_json(self) -> dict:
        return {"size": self.size, "difference": self.difference}


@dataclass(frozen=True)
class TapMatch:
    thread: str
    pitch: float
    tap_drill: float
    difference: float  # hole diameter minus tap drill, mm

    def to_json(self) -> dict:
        return {
            "thread": self.thread,
            "pitch": self.pitch,
            "tap_drill": self.tap_drill,
            "difference": self.difference,
        }


def nearest_drill(diameter: float) -> DrillMatch | None:
    """The stocked drill nearest the diameter; None past the series (a bore
    that large is bored or milled, not drilled)."""
    if diameter > DRILLS[-1] + 1.0:
        return None
    size = float(DRILLS[int(np.argmin(np.abs(DRILLS - diameter)))])
    return DrillMatch(size, float(round(diameter - size, 9)))


def nearest_tap(diameter: float) -> TapMatch | None:
    """The coarse thread whose tap drill is nearest the diameter; None past
    the largest (M48)."""
    if diameter > _TAP_DRILLS[-1] + COARSE_THREADS[-1][2]:
        return None
    index = int(np.argmin(np.abs(_TAP_DRILLS - diameter)))
    thread, _, pitch = COARSE_THREADS[index]
    tap_drill = float(round(_TAP_DRILLS[index], 3))
    return TapMatch(thread, pitch, tap_drill, float(round(diameter - tap_drill, 9)))
