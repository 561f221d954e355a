"""Read a STEP file into an OCCT shape, with the STEP name of every face.

Only this package imports OCP. The reader converts every length to
millimetres whatever unit the file declares (OCCT's default system unit), and
checks what it got: a file that reads to no solid is an error, not an empty part.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from OCP.IFSelect import IFSelect_RetDone
from OCP.Message import Message, Message_Fail
from OCP.STEPConstruct import STEPConstruct
from OCP.STEPControl import STEPControl_Reader
from OCP.StepShape import StepShape_FaceSurface
from OCP.TopAbs import TopAbs_FACE, TopAbs_SOLID
from OCP.TopExp import TopExp
from OCP.TopoDS import TopoDS_Shape
from OCP.collections import IndexedMap_TopoDS_Shape_TopTools_ShapeMapHasher as TopTools_IndexedMapOfShape

from ..errors import PermanentError
from ..step_sniff import SNIFF_BYTES, UTF8_BOM, check_step_head


@dataclass
class StepModel:
    """A part as read: its shape, its faces in id order and their STEP names.

    ``faces`` fixes the face ids used everywhere after (graph, mesh, features):
    face id ``i`` is ``faces.FindKey(i + 1)``.
    """

    shape: TopoDS_Shape
    faces: TopTools_IndexedMapOfShape
    face_names: list[str | None]
    solid_count: int
    read_ms: float

    @property
    def face_count(self) -> int:
        return self.faces.Extent()


def silence_occt() -> None:
    """OCCT prints coloured statistics to stdout; keep only its failures."""
    printers = Message.DefaultMessenger_s().Printers()
    for index in range(1, printers.Size() + 1):
        printers.Value(index).SetTraceLevel(Message_Fail)


def read_step(path: Path) -> StepModel:
    """Read and transfer every root of a STEP file; raise PermanentError on bad input."""
    started = time.perf_counter()
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    check_step_head(head)

    reader = STEPControl_Reader()
    with _without_bom(path, head) as readable:
        status = reader.ReadFile(str(readable))
    if status != IFSelect_RetDone:
        raise PermanentError("unreadable_step", "The STEP file could not be parsed.", 422)
    if reader.NbRootsForTransfer() == 0:
        raise PermanentError("no_shape", "The STEP file holds no shape to transfer.", 422)
    reader.TransferRoots()
    shape = reader.OneShape()
    if shape is None or shape.IsNull():
        raise PermanentError("no_shape", "The STEP file transferred to no shape.", 422)

    solids = TopTools_IndexedMapOfShape()
    TopExp.MapShapes_s(shape, TopAbs_SOLID, solids)
    if solids.Extent() == 0:
        raise PermanentError("no_solid", "The STEP file holds no solid body.", 422)

    faces = TopTools_IndexedMapOfShape()
    TopExp.MapShapes_s(shape, TopAbs_FACE, faces)
    if faces.Extent() == 0:
        raise PermanentError("no_faces", "The solids in the STEP file have no faces.", 422)

    return StepModel(
        shape=shape,
        faces=faces,
        face_names=_face_names(reader, faces),
        solid_count=solids.Extent(),
        read_ms=(time.perf_counter() - started) * 1000.0,
    )


@contextmanager
def _without_bom(path: Path, head: bytes) -> Iterator[Path]:
    """The file for OCCT to parse: ``path``, or a copy of it without a UTF-8 byte order mark.

    Some Windows tools write a BOM first; the sniff accepts it, but OCCT's parser
    fails on it, so only such a file pays for a copy.
    """
    if not head.startswith(UTF8_BOM):
        yield path
        return
    handle, copy = tempfile.mkstemp(suffix=".step")
    try:
        with open(handle, "wb") as target, open(path, "rb") as source:
            source.seek(len(UTF8_BOM))
            shutil.copyfileobj(source, target, 2**20)
        yield Path(copy)
    finally:
        os.unlink(copy)


def _face_names(reader: STEPControl_Reader, faces: TopTools_IndexedMapOfShape) -> list[str | None]:
    """The name of each face's ADVANCED_FACE entity, found through the transfer map.

    One pass over the transferred entities, each face entity looked up in the
    face map: asking OCCT for the entity of each face instead
    (``EntityFromShapeResult``) scans every entity per face, 1.2 s at 1,000 faces.
    """
    process = reader.WS().TransferReader().TransientProcess()
    names: list[str | None] = [None] * faces.Extent()
    found = [False] * faces.Extent()
    for index in range(1, process.NbMapped() + 1):
        entity = process.Mapped(index)
        if not isinstance(entity, StepShape_FaceSurface):
            continue
        face_index = faces.FindIndex(STEPConstruct.FindShape_s(process, entity)) - 1
        if face_index >= 0 and not found[face_index]:
            found[face_index] = True
            names[face_index] = entity.Name().ToCString() or None
    return names
