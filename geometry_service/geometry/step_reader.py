"""Read a STEP file into an OCCT shape, with the STEP name of every face.

Only this package imports OCP. The reader converts every length to
millimetres whatever unit the file declares (OCCT's default system unit), and
checks what it got: a file that reads to no solid is an error, not an empty part.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from OCP.IFSelect import IFSelect_RetDone
from OCP.Message import Message, Message_Fail
from OCP.STEPControl import STEPControl_Reader
from OCP.TopAbs import TopAbs_FACE, TopAbs_SOLID
from OCP.TopExp import TopExp
from OCP.TopoDS import TopoDS_Shape
from OCP.collections import IndexedMap_TopoDS_Shape_TopTools_ShapeMapHasher as TopTools_IndexedMapOfShape

from ..errors import PermanentError
from ..step_sniff import SNIFF_BYTES, check_step_head


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
    if reader.ReadFile(str(path)) != IFSelect_RetDone:
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


def _face_names(reader: STEPControl_Reader, faces: TopTools_IndexedMapOfShape) -> list[str | None]:
    """The name of each face's ADVANCED_FACE entity, found through the transfer map."""
    transfer = reader.WS().TransferReader()
    names: list[str | None] = []
    for index in range(1, faces.Extent() + 1):
        entity = transfer.EntityFromShapeResult(faces.FindKey(index), 1)
        name = None
        if entity is not None and hasattr(entity, "Name"):
            text = entity.Name().ToCString()
            name = text if text else None
        names.append(name)
    return names
