"""Read a STEP or IGES file into an OCCT shape, with the STEP name of every face.

Only this package imports OCP. The reader converts every length to
millimetres whatever unit the file declares (OCCT's default system unit). A
file of faces with no solid (a surface model, sheets, a shell exported without
its solid entity, most IGES files) is sewn, and every shell that closes becomes
a solid, so it gets the full analysis; what stays open is still a part to draw.
Only a file with no face at all is refused, saying what it did hold.
"""

from __future__ import annotations

import math
import mmap
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from OCP.Bnd import Bnd_Box
from OCP.BRep import BRep_Builder, BRep_Tool
from OCP.BRepAdaptor import BRepAdaptor_Surface
from OCP.BRepBndLib import BRepBndLib
from OCP.BRepBuilderAPI import BRepBuilderAPI_Sewing
from OCP.BRepTools import BRepTools_Modifier
from OCP.collections import (
    IndexedMap_TopoDS_Shape_TopTools_ShapeMapHasher as TopTools_IndexedMapOfShape,
)
from OCP.DE import DE_ShapeFixParameters
from OCP.GeomAbs import GeomAbs_SurfaceType
from OCP.IFSelect import IFSelect_RetDone
from OCP.IGESControl import IGESControl_Reader
from OCP.Interface import Interface_Static
from OCP.Message import Message, Message_Fail
from OCP.ShapeCustom import ShapeCustom_SweptToElementary
from OCP.ShapeFix import ShapeFix_Solid
from OCP.STEPConstruct import STEPConstruct
from OCP.STEPControl import STEPControl_Reader
from OCP.StepShape import StepShape_FaceSurface
from OCP.TCollection import TCollection_AsciiString
from OCP.TopAbs import TopAbs_EDGE, TopAbs_FACE, TopAbs_SHELL, TopAbs_SOLID, TopAbs_VERTEX
from OCP.TopExp import TopExp, TopExp_Explorer
from OCP.TopLoc import TopLoc_Location
from OCP.TopoDS import TopoDS, TopoDS_Compound, TopoDS_Shape

from ..errors import PermanentError
from ..file_format import SNIFF_BYTES, UTF8_BOM, CadFormat, sniff_format
from .pmi import FacesOf, PartPmi, carries_pmi, extract_pmi, pmi_reader
from .wire_crossings import CROSSING_WIRES_FIX, MANY_WIRES, fix_crossing_wires, most_face_bounds

STEP_TESSELLATED_ONLY_WITHOUT_BREP = 2
"""``read.step.tessellated`` = OnNoBRep: an AP242 file that carries exact faces and a
tessellated copy of them is read once, from its exact faces."""

SKIPPED_SHAPE_FIXES = (
    "FixShape.FixNonAdjacentIntersectingEdgesMode",
    "FixShape.FixVertexToleranceMode",
    "FixShape.FixSelfIntersectingEdgeMode",
    "FixShape.FixNotchedEdgesMode",
    "FixShape.FixLoopWiresMode",
    "FixShape.FixSmallAreaWireMode",
    "FixShape.RemoveSmallAreaFaceMode",
    "FixShape.AutoCorrectPrecisionMode",
    "FixShape.CreateOpenSolidMode",
)
"""The STEP reader's ShapeFix steps that the reader skips unless asked for full healing.

Checking every pair of non-adjacent edges of every wire for intersections was
most of the healing of a large part (the 1,956-face plate's transfer, CPU time
on a busy machine: 3.3 -> 1.2 s, read 4.1 -> 2.0 s). With it off, 191 of the
192 STEP files of the OCCT and NIST sets read to the same faces, edges,
solids, volume, area (to 1e-9) and validity as with it; one,
trj7_b1-ec-214.stp (an invalid shape either way), keeps 414 of its 415 faces
(volume +0.27 of 272,035 mm³).

The other eight were found by scripts/healing_steps.py (issue 15): every
STEP file of occt_step and nist and 50 MFCAD parts, read with a set of steps
off, compared with the reader before on what the service answers (faces,
solids, closed, the graph's volume and area to 1e-9 or the mesh's volume,
the rules' features and face labels by type). Adding one step at a time,
most costly first, the eight changed nothing on any of the 242 files; every
other step changed some file's answer and stays on: the face, wire, shell
and solid fixes as wholes (98-105 files), wire orientation (PRO7071.stp: area
-26 %), face and shell orientation (PRO7071.stp's volume), splitting faces
(trj4_k1_geo-md-203.stp: 39 -> 38 faces), missing seams (OCC2368.stp: 18
-> 31 faces), natural bounds (bug28414's volume -67 %), same-parameter
(trj4_k1_geo-pe-203.stp's volume x3.4), edge curves (OCC22459-TEST2.stp no
longer meshes), connecting, lacking, reordering, shifted and degenerated
edges, and the intersection fixes: intersecting wires (ec_turbine-A.stp's
mesh: +12 mm³ of 187,557), self-intersection and intersecting edges
(trj4_k1_geo-tu-214.stp: volume -1.6e-5 mm³). Real files need most of what
healing costs: the eight save 15 % of the read on the NIST parts (3.18 ->
2.71 s of CPU summed, fastest of 3, interleaved) and 7 % on the 20 largest
OCCT files (5.77 -> 5.35 s), and nothing measurable on the plate, whose
healing is mostly wire orientation, wire fixing and the intersecting-wires
search over its two 650-hole faces (that search runs after the transfer on a
file with a face of many holes: wire_crossings.py). STEP_FULL_HEALING=1 runs
every step in the transfer."""

SEWING_MIN_TOLERANCE_MM = 1e-4
SEWING_MAX_TOLERANCE_RATIO = 1e-3
"""Sewing joins edges closer than the model's own largest vertex tolerance, never
less than 0.1 um and never more than 0.1 % of the part's diagonal (beyond that,
sewing would close real gaps and slots)."""


@dataclass
class CadModel:
    """A part as read: its shape, its faces in id order and their STEP names.

    ``faces`` fixes the face ids used everywhere after (graph, mesh, features):
    face id ``i`` is ``faces.FindKey(i + 1)``. ``sewn`` says the file held faces
    but no solid and the reader sewed them; ``solid_count`` counts the solids
    after sewing, so a model with none is a surface model with no volume.
    """

    shape: TopoDS_Shape
    faces: TopTools_IndexedMapOfShape
    face_names: list[str | None]
    solid_count: int
    read_ms: float
    file_format: CadFormat = CadFormat.STEP
    sewn: bool = False
    faces_without_surface: int = 0
    pmi: PartPmi | None = None  # a STEP file's semantic PMI (pmi.py); None: the file has none

    @property
    def face_count(self) -> int:
        return self.faces.Extent()

    @property
    def closed(self) -> bool:
        """Whether the part bounds a volume: the machining tiers need one."""
        return self.solid_count > 0


def silence_occt() -> None:
    """OCCT prints coloured statistics to stdout; keep only its failures."""
    printers = Message.DefaultMessenger_s().Printers()
    for index in range(1, printers.Size() + 1):
        printers.Value(index).SetTraceLevel(Message_Fail)


def read_cad(path: Path, repair: bool = True, full_healing: bool = False) -> CadModel:
    """Read, transfer and (where it holds no solid) sew a STEP or IGES file.

    ``full_healing`` runs every ShapeFix step of OCCT's STEP transfer, even
    those real files do not need (SKIPPED_SHAPE_FIXES).
    ``repair`` allows the steps after the transfer that rebuild the shape:
    sewing, and rewriting an IGES file's swept surfaces as elementary ones.
    OCCT's rewrite segfaults on some real files (19 of the 164 STEP files with
    faces in ../shared/data/occt_step, hence IGES only), so safe mode reads
    without any. Raises PermanentError for a file that is not STEP or IGES,
    cannot be parsed, or holds no face.
    """
    started = time.perf_counter()
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    file_format = sniff_format(head)
    if file_format is CadFormat.STEP:
        shape, described = _read_step(path, head, full_healing)
    else:
        shape, described = _read_iges(path)

    original_faces = _map(shape, TopAbs_FACE)
    if original_faces.Extent() == 0:
        raise PermanentError(
            "no_geometry", f"The file holds no faces: {_what_is_there(shape)}.", 422
        )
    faces = original_faces
    names, pmi = described(original_faces)
    if repair and file_format is CadFormat.IGES:
        shape, faces, names = _elementary_surfaces(shape, faces, names)
    without_surface = _faces_without_surface(faces)
    solid_count = _map(shape, TopAbs_SOLID).Extent()
    # Sewing needs surfaces: a triangulated-only model (AP242 tessellated faces) is drawn as it is.
    sewn = repair and solid_count == 0 and without_surface == 0
    if sewn:
        shape, sewing = _sew_into_solids(shape)
        sewn_faces = _map(shape, TopAbs_FACE)
        new_id = _ids_after_sewing(sewing, faces, sewn_faces)
        names = _names_after_sewing(new_id, names, sewn_faces.Extent())
        if pmi is not None:
            pmi = pmi.renumbered(new_id)
        faces = sewn_faces
        solid_count = _map(shape, TopAbs_SOLID).Extent()

    return CadModel(
        shape=shape,
        faces=faces,
        face_names=names,
        solid_count=solid_count,
        read_ms=(time.perf_counter() - started) * 1000.0,
        file_format=file_format,
        sewn=sewn,
        faces_without_surface=without_surface,
        pmi=pmi,
    )


def _faces_without_surface(faces: TopTools_IndexedMapOfShape) -> int:
    return sum(
        not BRep_Tool.IsGeometric_s(TopoDS.Face(faces.FindKey(i)))
        for i in range(1, faces.Extent() + 1)
    )


def _elementary_surfaces(
    shape: TopoDS_Shape, faces: TopTools_IndexedMapOfShape, names: list[str | None]
):
    """Surfaces of revolution and extrusion that are planes, cylinders, cones, spheres
    or tori, rewritten as such (ShapeCustom_SweptToElementary).

    IGES writes a cylinder as a line swept round an axis; the recognizers know
    a hole by its cylinder. Only a model with such surfaces pays for the
    rewrite; each face keeps its id. The rewrite runs before sewing: on a sewn
    solid it segfaulted.
    """
    swept = (
        GeomAbs_SurfaceType.GeomAbs_SurfaceOfRevolution,
        GeomAbs_SurfaceType.GeomAbs_SurfaceOfExtrusion,
    )
    if not any(
        BRep_Tool.IsGeometric_s(face) and BRepAdaptor_Surface(face, False).GetType() in swept
        for face in (TopoDS.Face(faces.FindKey(i)) for i in range(1, faces.Extent() + 1))
    ):
        return shape, faces, names
    modification = ShapeCustom_SweptToElementary()  # named: a temporary here segfaults the modifier
    modifier = BRepTools_Modifier(False)
    modifier.Init(shape)
    modifier.Perform(modification)
    if not modifier.IsDone():
        return shape, faces, names
    rewritten = modifier.ModifiedShape(shape)
    new_faces = TopTools_IndexedMapOfShape()
    for index in range(1, faces.Extent() + 1):
        new_faces.Add(modifier.ModifiedShape(faces.FindKey(index)))
    if (
        new_faces.Extent() != faces.Extent()
        or _map(rewritten, TopAbs_FACE).Extent() != faces.Extent()
    ):
        return shape, faces, names
    return rewritten, new_faces, names


def _read_step(path: Path, head: bytes, full_healing: bool):
    """The shape, its face names and (for a file with semantic PMI) its PMI, from one read.

    A file whose bytes name a PMI entity is read by OCCT's XCAF reader with GD&T
    mode on (pmi.py); its inner STEP reader does the same transfer as the plain
    one, so the shape, its faces and their names are the same.
    """
    Interface_Static.SetIVal_s("read.step.tessellated", STEP_TESSELLATED_ONLY_WITHOUT_BREP)
    with _without_bom(path, head) as readable:
        with _mapped(readable) as text:
            pmi_in_file = carries_pmi(text)
            many_wires = not full_healing and most_face_bounds(text) > MANY_WIRES
        caf, document = pmi_reader() if pmi_in_file else (None, None)
        reader = caf.ChangeReader() if caf is not None else STEPControl_Reader()
        status = (caf or reader).ReadFile(str(readable))
    if status != IFSelect_RetDone:
        raise PermanentError("unreadable_step", "The STEP file could not be parsed.", 422)
    if reader.NbRootsForTransfer() == 0:
        raise PermanentError(
            "no_geometry", "The STEP file holds no faces: nothing to transfer.", 422
        )
    if not full_healing:
        _skip_shape_fixes(reader, (CROSSING_WIRES_FIX,) if many_wires else ())
    if caf is None:
        reader.TransferRoots()
    else:
        caf.Transfer(document)
    shape = _transferred(reader.OneShape())
    if many_wires:
        shape = fix_crossing_wires(shape, *_healing_tolerances(reader))

    def described(faces: TopTools_IndexedMapOfShape) -> tuple[list[str | None], PartPmi | None]:
        """The faces' names and the file's PMI, both found through one face lookup."""
        face_ids = _face_ids_in(faces)
        pmi = extract_pmi(document, face_ids) if caf is not None else None
        return _step_face_names(reader, face_ids, faces.Extent()), pmi

    return shape, described


def _skip_shape_fixes(reader: STEPControl_Reader, also: tuple[str, ...] = ()) -> None:
    """OCCT's default healing parameters, with SKIPPED_SHAPE_FIXES and ``also`` set to
    "do not fix".

    The defaults are read back from the reader (set after ReadFile, which makes
    the transfer actor that keeps them), so every other parameter stays OCCT's own.
    """
    reader.SetShapeFixParameters(DE_ShapeFixParameters())
    parameters = reader.GetShapeFixParameters()
    for name in SKIPPED_SHAPE_FIXES + also:
        key = TCollection_AsciiString(name)
        parameters.UnBind(key)
        parameters.Bind(
            key, TCollection_AsciiString(str(DE_ShapeFixParameters.FixMode_e.NotFix.value))
        )
    reader.SetShapeFixParameters(parameters)


def _healing_tolerances(reader: STEPControl_Reader) -> tuple[float, float]:
    """The precision and largest tolerance the reader's healing was given."""
    parameters = reader.GetShapeFixParameters()
    precision, largest = (
        float(parameters.Find(TCollection_AsciiString(name)).ToCString())
        for name in ("FixShape.Tolerance3d", "FixShape.MaxTolerance3d")
    )
    return precision, largest


def _read_iges(path: Path):
    """IGES keeps no face names we could give back: every name is None."""
    reader = IGESControl_Reader()
    if reader.ReadFile(str(path)) != IFSelect_RetDone:
        raise PermanentError("unreadable_iges", "The IGES file could not be parsed.", 422)
    if reader.NbRootsForTransfer() == 0:
        raise PermanentError(
            "no_geometry", "The IGES file holds no faces: nothing to transfer.", 422
        )
    reader.TransferRoots()
    return _transferred(reader.OneShape()), lambda faces: ([None] * faces.Extent(), None)


def _transferred(shape: TopoDS_Shape | None) -> TopoDS_Shape:
    if shape is None or shape.IsNull():
        raise PermanentError(
            "no_geometry", "The file holds no faces: it transferred to no shape.", 422
        )
    return shape


def _map(shape: TopoDS_Shape, kind) -> TopTools_IndexedMapOfShape:
    found = TopTools_IndexedMapOfShape()
    TopExp.MapShapes_s(shape, kind, found)
    return found


def _what_is_there(shape: TopoDS_Shape) -> str:
    edges, vertices = _map(shape, TopAbs_EDGE).Extent(), _map(shape, TopAbs_VERTEX).Extent()
    if edges:
        return f"a wireframe of {edges} edge(s) and {vertices} point(s), with no surface to mesh"
    if vertices:
        return f"{vertices} point(s) only"
    return "nothing that transfers to geometry"


def _sew_into_solids(shape: TopoDS_Shape) -> tuple[TopoDS_Shape, BRepBuilderAPI_Sewing]:
    """Sew loose faces into shells; every closed shell becomes a solid, oriented outward.

    Open shells and faces that sewing left alone stay in the result as they are:
    they are still part of what the customer sees.
    """
    sewing = BRepBuilderAPI_Sewing(_sewing_tolerance(shape))
    sewing.Add(shape)
    sewing.Perform()
    sewed = sewing.SewedShape()

    result, builder = TopoDS_Compound(), BRep_Builder()
    builder.MakeCompound(result)
    shells = TopExp_Explorer(sewed, TopAbs_SHELL)
    while shells.More():
        shell = TopoDS.Shell(shells.Current())
        if BRep_Tool.IsClosed_s(shell):
            builder.Add(result, ShapeFix_Solid().SolidFromShell(shell))
        else:
            builder.Add(result, shell)
        shells.Next()
    loose = TopExp_Explorer(sewed, TopAbs_FACE, TopAbs_SHELL)
    while loose.More():
        builder.Add(result, loose.Current())
        loose.Next()
    return result, sewing


def bounding_diagonal(shape: TopoDS_Shape) -> float:
    """The diagonal of OCCT's box around ``shape`` (0 for a shape with no extent)."""
    box = Bnd_Box()
    BRepBndLib.Add_s(shape, box)
    if box.IsVoid():
        return 0.0
    low, high = box.CornerMin(), box.CornerMax()
    return math.dist((low.X(), low.Y(), low.Z()), (high.X(), high.Y(), high.Z()))


def _sewing_tolerance(shape: TopoDS_Shape) -> float:
    diagonal = bounding_diagonal(shape)
    largest_gap = max(BRep_Tool.MaxTolerance_s(shape, TopAbs_VERTEX), SEWING_MIN_TOLERANCE_MM)
    return min(largest_gap, max(SEWING_MAX_TOLERANCE_RATIO * diagonal, SEWING_MIN_TOLERANCE_MM))


def _ids_after_sewing(
    sewing: BRepBuilderAPI_Sewing,
    original: TopTools_IndexedMapOfShape,
    faces: TopTools_IndexedMapOfShape,
) -> list[int]:
    """The id of each original face after sewing (-1 for a face sewing dropped)."""
    new_id = []
    for index in range(1, original.Extent() + 1):
        face = original.FindKey(index)
        new_id.append(
            faces.FindIndex(sewing.Modified(face) if sewing.IsModified(face) else face) - 1
        )
    return new_id


def _names_after_sewing(new_id: list[int], names: list[str | None], count: int) -> list[str | None]:
    """Each sewn face keeps the STEP name of the face it was sewn from."""
    sewn_names: list[str | None] = [None] * count
    for index, name in enumerate(names):
        if name is not None and new_id[index] >= 0:
            sewn_names[new_id[index]] = name
    return sewn_names


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


@contextmanager
def _mapped(path: Path) -> Iterator[bytes | mmap.mmap]:
    """The file's bytes, mapped once for the scans that decide how to read it (PMI,
    faces of many holes); an empty file maps to no bytes."""
    with open(path, "rb") as handle:
        if handle.seek(0, 2) == 0:
            yield b""
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as text:
            yield text


def _step_face_names(reader: STEPControl_Reader, face_ids: FacesOf, count: int) -> list[str | None]:
    """The name of each face's ADVANCED_FACE entity, found through the transfer map.

    One pass over the transferred entities, each face entity looked up among
    the part's faces: asking OCCT for the entity of each face instead
    (``EntityFromShapeResult``) scans every entity per face, 1.2 s at 1,000 faces.
    The lookup ignores where a face is placed: the transfer map holds the face
    as the entity defines it, and the part holds it moved by its product's
    placement (any placement but the identity lost every name), once per
    instance. A face that the reader's healing split is mapped to a compound
    of its pieces: each piece keeps the entity's name.
    """
    process = reader.WS().TransferReader().TransientProcess()
    names: list[str | None] = [None] * count
    for index in range(1, process.NbMapped() + 1):
        entity = process.Mapped(index)
        if not isinstance(entity, StepShape_FaceSurface):
            continue
        entity_name = entity.Name()
        name = (entity_name.ToCString() or None) if entity_name is not None else None
        for face_index in face_ids(STEPConstruct.FindShape_s(process, entity)):
            names[face_index] = names[face_index] or name
    return names


def _faces_by_shape(
    faces: TopTools_IndexedMapOfShape,
) -> tuple[TopTools_IndexedMapOfShape, dict[int, list[int]]]:
    """The faces with their placement taken off, and for each the ids of the part's faces
    (one per instance) that are it."""
    unplaced = TopTools_IndexedMapOfShape()
    instances: dict[int, list[int]] = {}
    for face_index in range(faces.Extent()):
        key = unplaced.Add(faces.FindKey(face_index + 1).Located(TopLoc_Location()))
        instances.setdefault(key, []).append(face_index)
    return unplaced, instances


def _face_ids_in(faces: TopTools_IndexedMapOfShape) -> FacesOf:
    """A function giving the ids of the part's faces inside a shape, wherever the shape
    is placed, every instance of each (the face names and the PMI are found through it)."""
    unplaced, instances = _faces_by_shape(faces)

    def face_ids(shape: TopoDS_Shape) -> list[int]:
        ids: list[int] = []
        if shape.IsNull():
            return ids
        found = TopExp_Explorer(shape, TopAbs_FACE)
        while found.More():
            ids.extend(
                instances.get(unplaced.FindIndex(found.Current().Located(TopLoc_Location())), ())
            )
            found.Next()
        return ids

    return face_ids
