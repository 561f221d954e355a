"""The stock a part is cut from, and how much material comes off it.

Prismatic parts come from plate: the block square to the part's own faces
(recognition/stock.py chooses it) plus the cleanup allowance on every side,
its thickness rounded up to a stocked plate and its length and width sawn
to the next whole millimetre. Turned and mill-turn parts come from round
bar: the turned diameter plus the allowance, rounded up to a stocked bar,
and the length plus the allowance for facing both ends.

The size tables are the common metric ranges of European stockists for
EN AW-6082 aluminium plate and bright round bar (the sizes most catalogues
list); a shop with another supplier replaces them. Past a table's end the
size is rounded up to the next 10 mm (a sawn block or a forged bar).

Removal per feature is estimated from its measured dimensions (a prism for
a pocket, slot or step, a cylinder for a hole, a ring for a turned
diameter or groove), not by a boolean; what the features do not account
for is the facing and contouring of the outside.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..fields_dict import fields_dict
from ..recognition.taxonomy import FAMILY_BY_TYPE, OTHER_FAMILY

# Tables of sizes read better as tables.
# fmt: off
PLATE_THICKNESSES = np.array([
    3, 4, 5, 6, 8, 10, 12, 15, 16, 20, 25, 30, 35, 40, 45, 50, 60, 70, 80, 90, 100, 110,
    120, 130, 140, 150, 160, 180, 200, 250, 300
], dtype=float)
BAR_DIAMETERS = np.array([
    3, 4, 5, 6, 8, 10, 12, 14, 15, 16, 18, 20, 22, 25, 28, 30, 32, 35, 36, 40, 45, 50, 55,
    60, 63, 65, 70, 75, 80, 85, 90, 100, 110, 120, 125, 130, 140, 150, 160, 180, 200, 250,
    300
], dtype=float)
# fmt: on
PAST_TABLE_STEP = 10.0
PRISM_FAMILIES = ("pocket", "slot", "step")


@dataclass
class Stock:
    form: str  # "plate" or "round_bar"
    size: list[float]  # plate: [length, width, thickness]; bar: [diameter, length]
    volume_mm3: float
    part_volume_mm3: float
    removed_mm3: float
    removed_share: float
    allowance_mm: float
    axes: list[list[float]]  # plate: its three axes (rows, as size); bar: [axis]
    size_source: str

    def to_json(self) -> dict[str, Any]:
        return fields_dict(self)


def plate_stock(
    block_axes: np.ndarray, block_size: np.ndarray, part_volume: float, allowance: float
) -> Stock:
    """The plate for a prismatic part: its thinnest side is the plate's thickness."""
    order = np.argsort(block_size)[::-1]  # length, width, thickness
    length, width, thickness = (float(block_size[k]) + 2.0 * allowance for k in order)
    size = [
        float(math.ceil(length)),
        float(math.ceil(width)),
        _stocked(thickness, PLATE_THICKNESSES),
    ]
    volume = float(np.prod(size))
    axes = [np.asarray(block_axes[k], dtype=float).tolist() for k in order]
    return _stock("plate", size, volume, part_volume, allowance, axes, "plate thickness")


def bar_stock(
    diameter: float, length: float, axis: list[float], part_volume: float, allowance: float
) -> Stock:
    """The round bar for a turned part."""
    size = [
        _stocked(diameter + 2.0 * allowance, BAR_DIAMETERS),
        float(math.ceil(length + 2.0 * allowance)),
    ]
    volume = math.pi / 4.0 * size[0] ** 2 * size[1]
    return _stock("round_bar", size, volume, part_volume, allowance, [list(axis)], "bar diameter")


def _stock(
    form: str,
    size: list[float],
    volume: float,
    part_volume: float,
    allowance: float,
    axes: list[list[float]],
    sized: str,
) -> Stock:
    removed = max(volume - part_volume, 0.0)
    return Stock(
        form,
        size,
        volume,
        part_volume,
        removed,
        removed / volume if volume else 0.0,
        allowance,
        axes,
        f"{sized} from a common metric stockist range (stock_removal.py)",
    )


def _stocked(size: float, table: np.ndarray) -> float:
    """The smallest stocked size that holds ``size``."""
    fitting = table[table >= size - 1e-9]
    if len(fitting):
        return float(fitting[0])
    return float(math.ceil(size / PAST_TABLE_STEP) * PAST_TABLE_STEP)


def feature_removal(feature: dict[str, Any], bar_diameter: float | None) -> float | None:
    """Material a feature takes off, from its measured dimensions; None where it has
    none to measure."""
    family = FAMILY_BY_TYPE.get(feature["type"], OTHER_FAMILY)
    p = feature["parameters"]
    if family == "hole" and p.get("diameter") and p.get("depth"):
        return math.pi / 4.0 * float(p["diameter"]) ** 2 * float(p["depth"])
    if feature["type"] == "circular_through_slot" and all(
        p.get(k) for k in ("radius", "arc_deg", "length")
    ):  # a round-bottomed channel: the circular segment its wall's arc cuts off, along it
        angle = math.radians(float(p["arc_deg"]))
        return float(p["length"]) * float(p["radius"]) ** 2 / 2.0 * (angle - math.sin(angle))
    if family in PRISM_FAMILIES and all(p.get(k) for k in ("length", "width", "depth")):
        corner = float(p.get("min_corner_radius") or 0.0)
        return float(p["length"]) * float(p["width"]) * float(p["depth"]) - (
            4.0 - math.pi
        ) * corner**2 * float(p["depth"])
    if (
        feature["type"] == "turned_diameter"
        and bar_diameter
        and p.get("diameter")
        and p.get("length")
    ):
        return math.pi / 4.0 * (bar_diameter**2 - float(p["diameter"]) ** 2) * float(p["length"])
    if feature["type"] == "groove" and p.get("diameter") and p.get("width") and p.get("depth"):
        outer = float(p["diameter"]) + 2.0 * float(p["depth"])
        return math.pi / 4.0 * (outer**2 - float(p["diameter"]) ** 2) * float(p["width"])
    return None
