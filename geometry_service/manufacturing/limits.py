"""The shop's limits that DFM warnings are measured against.

Picklable and free of OCP, so the HTTP process builds it from the settings
(composition.py; documented in README_PRODUCTION.md), overrides it with the
request's own ``shop_limits`` where the caller sends any (a shop quoting for a
machine with a bigger envelope, a customer's tighter wall rule), and sends it
to the worker inside the analysis request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

from ..errors import PermanentError
from ..fields_dict import fields_dict

ENVELOPE_AXES = 3
NOT_NEGATIVE = ("stock_allowance_mm",)  # no allowance is a choice; every other limit is > 0


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
        return {**fields_dict(self), "machine_envelope_mm": list(self.machine_envelope_mm)}

    def overridden(self, overrides: Any) -> ShopLimits:
        """These limits with a request's overrides (a JSON object of some of the
        fields, in the units their names say); None overrides nothing. Raises a 400
        ``invalid_shop_limits`` naming the first field that is unknown or out of range."""
        if overrides is None:
            return self
        if not isinstance(overrides, dict):
            raise _invalid("shop_limits must be a JSON object of limits by name")
        names = {field.name for field in fields(self)}
        changes: dict[str, Any] = {}
        for name, value in overrides.items():
            if name not in names:
                raise _invalid(f"unknown limit {name!r}; known: {', '.join(sorted(names))}")
            if name == "machine_envelope_mm":
                if not isinstance(value, list) or len(value) != ENVELOPE_AXES:
                    raise _invalid("machine_envelope_mm must be [x, y, z] in mm")
                changes[name] = tuple(_limit(name, item) for item in value)
            else:
                changes[name] = _limit(name, value)
        return replace(self, **changes)


def _limit(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _invalid(f"{name} must be a finite number")
    if value < 0 or (value == 0 and name not in NOT_NEGATIVE):
        raise _invalid(f"{name} must be {'at least 0' if name in NOT_NEGATIVE else 'above 0'}")
    return float(value)


def _invalid(message: str) -> PermanentError:
    return PermanentError("invalid_shop_limits", message, 400)
