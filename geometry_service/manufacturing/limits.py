"""The shop's limits that DFM warnings are measured against.

Picklable and free of OCP, so the HTTP process builds it from the settings
(composition.py; documented in README_PRODUCTION.md) and sends it to the
worker inside the analysis request.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ShopLimits:
    """Thresholds of the DFM checks; the defaults are the documented ones."""

    peck_drill_ratio: float = 4.0  # hole depth : diameter above which the drill pecks
    gun_drill_ratio: float = 10.0  # above which it takes a gun drill
    max_tool_reach_ratio: float = 4.0  # end mill reach : diameter of a standard tool
    min_wall_mm: float = 1.0  # thinner walls chatter and deflect
    drill_size_tolerance_mm: float = 0.01  # off a stocked drill by more: non-standard
    tap_drill_tolerance_mm: float = 0.05  # this close to a tap drill: threadable
    tolerance_limit_mm: float = 0.01  # tolerances tighter than +- this need grinding or a check
    machine_envelope_mm: tuple[float, ...] = (762.0, 406.0, 508.0)  # X, Y, Z travels (a Haas VF-2)
    stock_allowance_mm: float = 1.0  # cleanup per side, on plates and bars

    def to_json(self) -> dict:
        return {**asdict(self), "machine_envelope_mm": list(self.machine_envelope_mm)}
