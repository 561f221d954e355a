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

EXTRA_CLASSES: tuple[str, ...] = ("boss", "contour")

FEATURE_TYPES: tuple[str, ...] = MFCADPP_CLASSES + TURNING_CLASSES + EXTRA_CLASSES

# The two vocabularies. A feature's ``type`` is the rules' name for the whole
# feature, richer than MFCAD++ where MFCAD++ has no name (a counterbored or
# countersunk hole, a closed pocket with islands, an open pocket, a boss, a
# contour, the turned types); a face's ``label`` is always its MFCAD++ class
# where there is one. The parts of a hole that MFCAD++ names apart, by the
# segment kind the hole module reports: a counterbore (its wall and shoulder)
# is a blind hole sunk over the hole, a countersink a chamfer round its rim.
MFCADPP_FACE_READING: dict[str, str] = {
    "counterbore": "blind_hole",
    "countersink": "chamfer",
    "exit_countersink": "chamfer",
}
# What tier 1 counts as agreeing with a rules feature of such a subtype, on any of its faces.
MFCADPP_READINGS: dict[str, frozenset[str]] = {
    "counterbore": frozenset({"blind_hole", "through_hole"}),
    "countersink": frozenset({"chamfer"}),
    "exit_countersink": frozenset({"chamfer"}),
}

# Names by wall count, for the prismatic families.
PASSAGE_BY_SIDES = {3: "triangular_passage", 4: "rectangular_passage", 6: "6sides_passage"}
POCKET_BY_SIDES = {3: "triangular_pocket", 4: "rectangular_pocket", 6: "6sides_pocket"}

# The fixed vocabulary the quote site groups features by (``features[].family``);
# the types above keep their meaning, each belongs to one family. A passage is a
# pocket through the part; an O-ring seat is a groove.
FAMILIES: tuple[str, ...] = (
    "hole",
    "pocket",
    "slot",
    "step",
    "fillet",
    "chamfer",
    "groove",
    "turned",
    "boss",
    "other",
)
OTHER_FAMILY = "other"
FAMILY_BY_TYPE: dict[str, str] = {
    "chamfer": "chamfer",
    "through_hole": "hole",
    "blind_hole": "hole",
    "triangular_passage": "pocket",
    "rectangular_passage": "pocket",
    "6sides_passage": "pocket",
    "triangular_through_slot": "slot",
    "rectangular_through_slot": "slot",
    "circular_through_slot": "slot",
    "rectangular_through_step": "step",
    "2sides_through_step": "step",
    "slanted_through_step": "step",
    "Oring": "groove",
    "triangular_pocket": "pocket",
    "rectangular_pocket": "pocket",
    "6sides_pocket": "pocket",
    "circular_end_pocket": "pocket",
    "rectangular_blind_slot": "slot",
    "v_circular_end_blind_slot": "slot",
    "h_circular_end_blind_slot": "slot",
    "triangular_blind_step": "step",
    "circular_blind_step": "step",
    "rectangular_blind_step": "step",
    "round": "fillet",
    "turned_diameter": "turned",
    "groove": "groove",
    "taper": "turned",
    "turned_face": "turned",
    "boss": "boss",
    "contour": "step",  # the part's outside milled down to a flange: a step all round
}
