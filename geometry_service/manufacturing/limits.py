"""The shop's limits that DFM warnings are measured against.

Picklable and free of OCP, so the HTTP process builds it from the settings
(config.py, documented in README_PRODUCTION.md) and sends it to the worker
inside the analysis request.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..config import Settings


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

    @classmethod
    def from_settings(cls, settings: Settings) -> "ShopLimits":
        """The ``shop_*`` settings, each under its name here."""
        return cls(
            peck_drill_ratio=settings.shop_peck_drill_ratio,
            gun_drill_ratio=settings.shop_gun_drill_ratio,
            max_tool_reach_ratio=settings.shop_max_tool_reach_ratio,
            min_wall_mm=settings.shop_min_wall_mm,
            drill_size_tolerance_mm=settings.shop_drill_size_tolerance_mm,
            tap_drill_tolerance_mm=settings.shop_tap_drill_tolerance_mm,
            tolerance_limit_mm=settings.shop_tolerance_limit_mm,
            machine_envelope_mm=tuple(settings.shop_machine_envelope_mm),
            stock_allowance_mm=settings.shop_stock_allowance_mm,
        )

    def to_json(self) -> dict:
        return {**asdict(self), "machine_envelope_mm": list(self.machine_envelope_mm)}
