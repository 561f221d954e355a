"""Feature type names: the one list that every recognizer and the evaluation use.

The 25 MFCAD++ classes (their names and order), so that tier 1 (the network,
trained on that taxonomy) and tier 2 (the rules) answer alike, plus the
turned-part types that MFCAD++ lacks and the boss that the rules report.
"""

from __future__ import annotations

MFCADPP_CLASSES: tuple[str, ...] = (
    "chamfer",
    "through_hole",
    "triangular_passage",
    "rectangular_passage",
    "6sides_passage",
    "triangular_through_slot",
    "rectangular_through_slot",
    "circular_through_slot",
    "rectangular_through_step",
    "2sides_through_step",
    "slanted_through_step",
    "Oring",
    "blind_hole",
    "triangular_pocket",
    "rectangular_pocket",
    "6sides_pocket",
    "circular_end_pocket",
    "rectangular_blind_slot",
    "v_circular_end_blind_slot",
    "h_circular_end_blind_slot",
    "triangular_blind_step",
    "circular_blind_step",
    "rectangular_blind_step",
    "round",
    "stock",
)

TURNING_CLASSES: tuple[str, ...] = ("turned_diameter", "groove", "taper", "turned_face")

EXTRA_CLASSES: tuple[str, ...] = ("boss",)

FEATURE_TYPES: tuple[str, ...] = MFCADPP_CLASSES + TURNING_CLASSES + EXTRA_CLASSES

STOCK = "stock"

# Names by wall count, for the prismatic families.
PASSAGE_BY_SIDES = {3: "triangular_passage", 4: "rectangular_passage", 6: "6sides_passage"}
POCKET_BY_SIDES = {3: "triangular_pocket", 4: "rectangular_pocket", 6: "6sides_pocket"}
