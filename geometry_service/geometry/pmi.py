"""AP242 semantic PMI of a STEP file: dimensions, geometric tolerances and datums,
each with the ids of the faces it is about.

OCCT's XCAF reader reads them with GD&T mode on (``STEPCAFControl_Reader``).
cad_reader.py uses that reader instead of the plain one only for a file whose
bytes name a PMI entity (``carries_pmi``), so the part is still read once and
every other file costs one byte scan. Values come in the session's unit, mm:
OCCT converts each measure by its own unit (an inch file's 0.8125 in reads
20.6375). Angles are degrees.

OCCT gives the lower deviation of a +/- tolerance as a magnitude (the file's
-0.02 reads 0.02); ``lower`` here is signed again (-0.02). A value or a
tolerance that OCCT reads as 0 is kept as read and named in ``unread``, never
replaced by a guess.
"""

from __future__ import annotations

import mmap
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from OCP.OCP.collections import Sequence_TDF_Label as LabelSequence
from OCP.STEPCAFControl import STEPCAFControl_Reader
from OCP.TCollection import TCollection_ExtendedString
from OCP.TDF import TDF_Label
from OCP.TDocStd import TDocStd_Document
from OCP.TopoDS import TopoDS_Shape
from OCP.XCAFDimTolObjects import (
    XCAFDimTolObjects_DimensionType as DimensionType,
)
from OCP.XCAFDoc import (
    XCAFDoc_Datum,
    XCAFDoc_Dimension,
    XCAFDoc_DimTolTool,
    XCAFDoc_DocumentTool,
    XCAFDoc_GeomTolerance,
    XCAFDoc_ShapeTool,
)

PMI_MARKERS = (b"DIMENSIONAL_SIZE", b"DIMENSIONAL_LOCATION", b"GEOMETRIC_TOLERANCE")
"""Entities that only a file with semantic PMI holds: dimensions of size and of
location, and the supertype every geometric tolerance of AP242 is written with.
Searched one by one: a regular expression of the three scanned 8x slower."""

GRAPHIC_ONLY = (
    DimensionType.XCAFDimTolObjects_DimensionType_DimensionPresentation,
    DimensionType.XCAFDimTolObjects_DimensionType_CommonLabel,
)
"""Dimension labels that hold only a drawn annotation (polylines and text), no value."""

ANGULAR = (
    DimensionType.XCAFDimTolObjects_DimensionType_Location_Angular,
    DimensionType.XCAFDimTolObjects_DimensionType_Size_Angular,
)

FacesOf = Callable[[TopoDS_Shape], list[int]]
"""The part's face ids (before any sewing) inside one shape the PMI points at."""


@dataclass
class PmiEntry:
    """One dimension, geometric tolerance or datum, as the file states it.

    ``kind``: dimension, geometric_tolerance or datum. ``type``: OCCT's type in
    snake case (diameter, linear_distance, position, flatness, ...; ``unknown``
    where OCCT gives none, ``name`` then says what the file called it).
    ``value``: the nominal (a dimension) or the zone width (a tolerance), in
    ``unit``. ``upper``/``lower``: signed deviations from the nominal, None where
    the file gives no +/- or range. ``tolerance``: plus_minus, range, class
    (a fit such as H7) or none (a basic dimension). ``unread``: what OCCT read
    as 0 (``value``, ``tolerance``).
    """

    kind: str
    type: str
    name: str | None
    value: float | None
    unit: str
    upper: float | None
    lower: float | None
    tolerance: str
    face_ids: list[int]
    datums: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)

    @property
    def band(self) -> float | None:
        """The whole tolerance band (upper - lower, or the zone width), in ``unit``."""
        if self.kind == "geometric_tolerance":
            return self.value
        if self.upper is None or self.lower is None:
            return None
        return self.upper - self.lower

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "type": self.type,
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "upper": self.upper,
            "lower": self.lower,
            "tolerance": self.tolerance,
            "face_ids": self.face_ids,
            "datums": self.datums,
            "unread": self.unread,
        }


@dataclass
class PartPmi:
    """The PMI of one file; ``graphic_only`` counts the annotations with no value."""

    entries: list[PmiEntry]
    graphic_only: int
    extract_ms: float

    def renumbered(self, new_id: list[int]) -> PartPmi:
        """The same PMI with face ``i`` renamed ``new_id[i]`` (faces mapped to -1 dropped)."""
        for entry in self.entries:
            entry.face_ids = sorted({new_id[f] for f in entry.face_ids if new_id[f] >= 0})
        return self


def carries_pmi(step_text: bytes | mmap.mmap) -> bool:
    """Whether a STEP file's bytes name a semantic PMI entity (a few ms a megabyte)."""
    return any(step_text.find(marker) >= 0 for marker in PMI_MARKERS)


def pmi_reader() -> tuple[STEPCAFControl_Reader, TDocStd_Document]:
    """The XCAF reader with GD&T on and every other XCAF mode off (the service reads
    names itself, and needs no colours, layers, materials or views), and its document."""
    reader = STEPCAFControl_Reader()
    reader.SetGDTMode(True)
    for off in (
        reader.SetColorMode,
        reader.SetNameMode,
        reader.SetLayerMode,
        reader.SetPropsMode,
        reader.SetSHUOMode,
        reader.SetViewMode,
        reader.SetMatMode,
        reader.SetMetaMode,
        reader.SetProductMetaMode,
    ):
        off(False)
    return reader, TDocStd_Document(TCollection_ExtendedString("pmi"))


def extract_pmi(document: TDocStd_Document, faces_of: FacesOf) -> PartPmi:
    """Every semantic dimension, geometric tolerance and datum of ``document``."""
    started = time.perf_counter()
    tool = XCAFDoc_DocumentTool.DimTolTool_s(document.Main())
    entries: list[PmiEntry] = []
    graphic_only = 0
    for label in _labels(tool.GetDimensionLabels):
        dimension = XCAFDoc_Dimension.Set_s(label).GetObject()
        if dimension.GetType() in GRAPHIC_ONLY:
            graphic_only += 1
            continue
        entries.append(_dimension(dimension, _face_ids(label, faces_of)))
    for label in _labels(tool.GetGeomToleranceLabels):
        tolerance = XCAFDoc_GeomTolerance.Set_s(label).GetObject()
        entries.append(_geometric_tolerance(tolerance, label, _face_ids(label, faces_of)))
    datums: dict[str | None, PmiEntry] = {}
    for label in _labels(tool.GetDatumLabels):
        # XCAF keeps a datum label per tolerance that refers to it, most without the
        # datum's faces: one entry per datum name, with faces where any label has them.
        name = _text(XCAFDoc_Datum.Set_s(label).GetObject().GetName())
        if name not in datums or not datums[name].face_ids:
            face_ids = _face_ids(label, faces_of)
            datums[name] = PmiEntry(
                "datum", "datum", name, None, "mm", None, None, "none", face_ids
            )
    entries.extend(datums.values())
    return PartPmi(entries, graphic_only, (time.perf_counter() - started) * 1000.0)


def _dimension(dimension, face_ids: list[int]) -> PmiEntry:
    kind = dimension.GetType()
    unit = "deg" if kind in ANGULAR else "mm"
    value = _mm(dimension.GetValue())
    upper = lower = None
    unread = [] if value != 0.0 else ["value"]
    if dimension.IsDimWithRange():
        low, high = _mm(dimension.GetLowerBound()), _mm(dimension.GetUpperBound())
        tolerance, upper, lower = "range", _mm(high - value), _mm(low - value)
        if low == 0.0 and high == 0.0:
            unread.append("tolerance")
    elif dimension.IsDimWithPlusMinusTolerance():
        tolerance = "plus_minus"
        upper = _mm(dimension.GetUpperTolValue())
        lower = _mm(-abs(dimension.GetLowerTolValue()))
        if upper == 0.0 and lower == 0.0:
            unread.append("tolerance")
    elif dimension.IsDimWithClassOfTolerance():
        tolerance = "class"
    else:
        tolerance = "none"
    return PmiEntry(
        "dimension",
        _snake(kind.name, "XCAFDimTolObjects_DimensionType_"),
        _text(dimension.GetSemanticName()),
        value,
        unit,
        upper,
        lower,
        tolerance,
        face_ids,
        unread=unread,
    )


def _geometric_tolerance(tolerance, label: TDF_Label, face_ids: list[int]) -> PmiEntry:
    value = _mm(tolerance.GetValue())
    datums = LabelSequence()
    XCAFDoc_DimTolTool.GetDatumWithObjectOfTolerLabels_s(label, datums)
    names = [
        _text(XCAFDoc_Datum.Set_s(datums.Value(i)).GetObject().GetName()) or ""
        for i in range(1, datums.Upper() + 1)
    ]
    return PmiEntry(
        "geometric_tolerance",
        _snake(tolerance.GetType().name, "XCAFDimTolObjects_GeomToleranceType_"),
        _text(tolerance.GetSemanticName()),
        value,
        "mm",
        None,
        None,
        "zone",
        face_ids,
        datums=names,
        unread=[] if value != 0.0 else ["tolerance"],
    )


def _mm(value: float) -> float:
    """To a nanometre: OCCT's unit conversion leaves 11.125200000044526 for 0.438 in."""
    return round(float(value), 6) + 0.0  # + 0.0: no -0.0


def _labels(getter) -> list[TDF_Label]:
    """The labels a DimTolTool getter fills in. A sequence's ``Upper()`` is its length:
    ``Length()`` and ``Size()`` cost 130-160 us a call in OCP (0.25 s of 0.3 s on STC 08)."""
    found = LabelSequence()
    getter(found)
    return [found.Value(i) for i in range(1, found.Upper() + 1)]


def _face_ids(label: TDF_Label, faces_of: FacesOf) -> list[int]:
    """The faces the annotation points at: those of its first shapes and of its second
    (a distance between two faces names both)."""
    first, second = LabelSequence(), LabelSequence()
    XCAFDoc_DimTolTool.GetRefShapeLabel_s(label, first, second)
    ids: set[int] = set()
    for shapes in (first, second):
        for index in range(1, shapes.Upper() + 1):
            ids.update(faces_of(XCAFDoc_ShapeTool.GetShape_s(shapes.Value(index))))
    return sorted(ids)


def _text(handle) -> str | None:
    if handle is None:
        return None
    text = handle.ToCString()
    return text or None


def _snake(enum_name: str, prefix: str) -> str:
    """``..._Size_Diameter`` -> ``diameter``, ``..._ProfileOfSurface`` -> ``profile_of_surface``."""
    name = enum_name.removeprefix(prefix)
    for group in ("Location_", "Size_"):
        name = name.removeprefix(group)
    if name == "None":
        return "unknown"
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower()
