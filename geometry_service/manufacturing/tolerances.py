"""Tolerances from the file: each AP242 PMI entry (geometry/pmi.py) attached to the
recognized features whose faces it names, and the DFM warnings it gives.

An entry belongs to the features that own its faces, the one owning most of
them first (a "2X Ø" callout names the faces of two holes). An entry whose
faces are all stock faces, or that names no face of the part, stays
unattached and says why. ``tight_tolerance`` compares half the band (upper -
lower, or a geometric tolerance's zone) with the shop's +/- limit: the
band is what the process must hold. A value OCCT read as 0 is
``tolerance_unread``, never replaced by a guess.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..geometry.pmi import PartPmi, PmiEntry
from .dfm import INFO, WARNING, DfmWarning
from .limits import ShopLimits

NO_FACES = "names no face of the part"
STOCK_FACES = "its faces belong to no recognized feature"


@dataclass
class AttachedTolerance:
    entry: PmiEntry
    feature_ids: list[int]  # the owners of its faces, the one owning most first

    @property
    def feature_id(self) -> int | None:
        return self.feature_ids[0] if self.feature_ids else None

    @property
    def not_attached(self) -> str | None:
        if self.feature_ids:
            return None
        return STOCK_FACES if self.entry.face_ids else NO_FACES

    def to_json(self) -> dict[str, Any]:
        return {
            **self.entry.to_json(),
            "feature_id": self.feature_id,
            "feature_ids": self.feature_ids,
            "not_attached": self.not_attached,
        }


def attach_tolerances(
    pmi: PartPmi | None, face_feature: list[int | None]
) -> list[AttachedTolerance]:
    """Every PMI entry with the features it measures; none for a file without PMI."""
    if pmi is None:
        return []
    attached = []
    for entry in pmi.entries:
        owners = Counter(
            face_feature[face]
            for face in entry.face_ids
            if face < len(face_feature) and face_feature[face] is not None
        )
        ranked = sorted(owners, key=lambda fid: (-owners[fid], fid))
        attached.append(AttachedTolerance(entry, ranked))
    return attached


def pmi_summary(pmi: PartPmi | None, attached: list[AttachedTolerance]) -> dict[str, Any] | None:
    """Counts of what the file's PMI held and how much of it found a feature."""
    if pmi is None:
        return None
    kinds = Counter(item.entry.kind for item in attached)
    return {
        "dimensions": kinds["dimension"],
        "geometric_tolerances": kinds["geometric_tolerance"],
        "datums": kinds["datum"],
        "attached": sum(1 for item in attached if item.feature_ids),
        "read_as_zero": sum(1 for item in attached if item.entry.unread),
        "graphic_only": pmi.graphic_only,
        "extract_ms": pmi.extract_ms,
    }


def tolerance_warnings(attached: list[AttachedTolerance], limits: ShopLimits) -> list[DfmWarning]:
    """``tight_tolerance`` for a band tighter than the shop's +/- limit;
    ``tolerance_unread`` for a value or tolerance OCCT read as 0."""
    warnings = []
    for item in attached:
        entry = item.entry
        if entry.unread:
            warnings.append(_unread_warning(item))
            continue
        band = entry.band
        if entry.unit != "mm" or band is None or band <= 0.0:
            continue
        half = band / 2.0
        if half < limits.tolerance_limit_mm:
            warnings.append(_tight_warning(item, half, limits))
    return warnings


def _describe(entry: PmiEntry) -> str:
    what = entry.type.replace("_", " ")
    if entry.kind == "dimension":
        symbol = "Ø" if entry.type == "diameter" else ""
        return f"{what} {symbol}{entry.value:g} {entry.unit}"
    datums = f" to {'|'.join(entry.datums)}" if entry.datums else ""
    return f"{what} tolerance{datums}"


def _tight_warning(item: AttachedTolerance, half: float, limits: ShopLimits) -> DfmWarning:
    entry = item.entry
    if entry.kind == "geometric_tolerance":
        held = f"a zone of {entry.value:g} mm"
    else:
        held = f"+{entry.upper:g}/{entry.lower:g} mm"
    return DfmWarning(
        "tight_tolerance",
        WARNING,
        entry.face_ids,
        item.feature_id,
        round(half, 6),
        limits.tolerance_limit_mm,
        "mm",
        f"{_describe(entry)} is held to {held} (±{half:g} mm), tighter than the shop's "
        f"±{limits.tolerance_limit_mm:g} mm",
        "open the tolerance where the function allows, or quote a finishing pass "
        "(ream, bore, grind) and its inspection",
    )


def _unread_warning(item: AttachedTolerance) -> DfmWarning:
    entry = item.entry
    read = " and ".join(entry.unread)
    return DfmWarning(
        "tolerance_unread",
        INFO,
        entry.face_ids,
        item.feature_id,
        0.0,
        None,
        entry.unit,
        f"the file's {_describe(entry)}{f' ({entry.name})' if entry.name else ''}: "
        f"OCCT read its {read} as 0; no value is assumed",
        "take this value from the drawing or the CAD system before quoting the tolerance",
    )
