"""Labelled training parts: a stock block plus random machining features, built with OCP.

Each part is a box with 2 to 10 features cut into random faces (any of the
six) at random sizes, positions and turns; features may cut into each other.
Labels come from the modelling history, never from the finished shape: every
face is tracked through each boolean or blend by the operation's own
``IsDeleted`` / ``Modified`` / ``Generated`` answers, so a face carries the
class of the operation that made it (a tool face's class, or ``stock``).
A part whose history leaves a face unaccounted for is rejected, not guessed.

Labels stay true to the finished shape because a cut is kept only when every
feature keeps its *footprint*: each face remembers which tool face (its
*origin*) made it, and after a cut every feature must still own the origins it
owns when cut alone into the plain block, in as many edge-connected patches.
A passage that swallows a pocket's floor, a step that removes a blind slot's
end wall or a blind hole started in the air of an earlier pocket would turn the
history label into a lie (the pocket is now a passage, the blind slot a through
slot); a slot that severs a pocket leaves wall pieces that no longer touch their
floor and are no feature of their own. Such a cut is dropped and another one
drawn. Features still cross and cut into each other.

Features are built in a local frame on the chosen face: ``x`` in ``[0, lu]``,
``y`` in ``[0, lv]``, the material below ``z = 0`` down to ``-depth``; the frame
is then placed on the face. Tools reach ``AIR`` past every face they cut
through so that no boolean meets coincident faces.

Generated classes: every feature class of MFCADPP_CLASSES (24, plus stock).
``v_circular_end_blind_slot`` is read as a blind slot whose end rises to the
top in a quarter circle, ``h_circular_end_blind_slot`` as one whose end is a
half circle in plan, and ``2sides_through_step`` as MFCAD draws it: a through
step whose wall is two planes meeting halfway.

    python -m training.generator --out .data/generated --count 4000 --seed 0
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import random
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from OCP.Bnd import Bnd_Box
from OCP.BRep import BRep_Builder
from OCP.BRepAlgoAPI import BRepAlgoAPI_Cut, BRepAlgoAPI_Fuse
from OCP.BRepBndLib import BRepBndLib
from OCP.BRepBuilderAPI import (
    BRepBuilderAPI_MakeShape,
    BRepBuilderAPI_Transform,
)
from OCP.BRepCheck import BRepCheck_Analyzer
from OCP.BRepFilletAPI import BRepFilletAPI_MakeChamfer, BRepFilletAPI_MakeFillet
from OCP.collections import IndexedMap_TopoDS_Shape_TopTools_ShapeMapHasher as IndexedMapOfShape
from OCP.gp import gp_Ax3, gp_Dir, gp_Pnt, gp_Trsf
from OCP.IFSelect import IFSelect_RetDone
from OCP.STEPConstruct import STEPConstruct
from OCP.STEPControl import STEPControl_AsIs, STEPControl_Writer
from OCP.TCollection import TCollection_HAsciiString
from OCP.TopAbs import TopAbs_EDGE, TopAbs_FACE, TopAbs_SOLID
from OCP.TopExp import TopExp
from OCP.TopoDS import TopoDS, TopoDS_Compound, TopoDS_Shape

from geometry_service.disjoint_sets import DisjointSets
from geometry_service.features import STOCK
from geometry_service.geometry.cad_reader import silence_occt
from training.dataset import validation_sample
from training.shapes import box_at, box_between, cylinder, prism

AIR = 1.0
STOCK_RANGE = (30.0, 150.0)  # mm per side: cubes to plates and bars of 1:5
FEATURES_PER_PART = (2, 10)
BLEND_CHANCE = 0.35  # of a chamfer or a round on the block before the cuts


@dataclass(frozen=True)
class Frame:
    """A stock face as a local frame: origin at a corner, ``normal`` out of the material."""

    origin: tuple[float, float, float]
    u: tuple[float, float, float]
    normal: tuple[float, float, float]
    lu: float
    lv: float
    depth: float

    def placement(self) -> gp_Trsf:
        trsf = gp_Trsf()
        trsf.SetTransformation(
            gp_Ax3(gp_Pnt(*self.origin), gp_Dir(*self.normal), gp_Dir(*self.u)), gp_Ax3()
        )
        return trsf

    def turned(self) -> Frame:
        """The same face seen from its next corner: origin at local (lu, 0), ``u`` along
        the old ``v``."""
        v = _cross(self.normal, self.u)
        origin = tuple(o + self.lu * a for o, a in zip(self.origin, self.u, strict=True))
        return Frame(origin, v, self.normal, self.lv, self.lu, self.depth)


@dataclass
class FeatureRecord:
    """One feature instance as cut: its class and the box it was cut within (global mm)."""

    instance: int
    label: str
    box_min: list[float]
    box_max: list[float]


@dataclass
class GeneratedPart:
    name: str
    shape: TopoDS_Shape
    faces: IndexedMapOfShape
    face_labels: list[str]
    face_instances: list[int]  # -1 for stock
    features: list[FeatureRecord]


def _cross(
    a: tuple[float, float, float], b: tuple[float, float, float]
) -> tuple[float, float, float]:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def stock_frames(length: float, width: float, height: float) -> list[Frame]:
    """The six faces of the box [0, length] x [0, width] x [0, height] as frames (u x v = normal),
    each from all four of its corners.

    Tools are drawn in the frame (a step always along local ``y = 0``, a blind
    slot always entering at ``x = 0``), so one corner per face would put steps
    on half of the block's edges only, and the network would learn which half
    from the directions of the block's edges (CHANGELOG.md, brepnet-1.4.0).
    """
    faces = [
        Frame((0, 0, height), (1, 0, 0), (0, 0, 1), length, width, height),
        Frame((0, width, 0), (1, 0, 0), (0, 0, -1), length, width, height),
        Frame((length, 0, 0), (0, 1, 0), (1, 0, 0), width, height, length),
        Frame((0, 0, 0), (0, 0, 1), (-1, 0, 0), height, width, length),
        Frame((0, width, 0), (0, 0, 1), (0, 1, 0), height, length, width),
        Frame((0, 0, 0), (1, 0, 0), (0, -1, 0), length, height, width),
    ]
    frames = []
    for frame in faces:
        for _ in range(4):
            frames.append(frame)
            frame = frame.turned()
    return frames


# ------------------------------------------------------------------ tool solids (local frame)


def _fuse(a: TopoDS_Shape, b: TopoDS_Shape) -> TopoDS_Shape:
    fuse = BRepAlgoAPI_Fuse(a, b)
    fuse.SimplifyResult()
    return fuse.Shape()


def _regular_polygon(cx: float, cy: float, radius: float, sides: int, turn: float, z: float):
    return [
        (
            cx + radius * math.cos(turn + 2 * math.pi * k / sides),
            cy + radius * math.sin(turn + 2 * math.pi * k / sides),
            z,
        )
        for k in range(sides)
    ]


def inside_centre(rng: random.Random, frame: Frame, reach: float) -> tuple[float, float] | None:
    """A centre whose disc of radius ``reach`` keeps a margin to the face's sides."""
    margin = 0.05 * min(frame.lu, frame.lv)
    if 2 * (reach + margin) >= min(frame.lu, frame.lv):
        return None
    return rng.uniform(reach + margin, frame.lu - reach - margin), rng.uniform(
        reach + margin, frame.lv - reach - margin
    )


def _depth(rng: random.Random, frame: Frame, low: float = 0.15, high: float = 0.6) -> float:
    return rng.uniform(low, high) * frame.depth


def _hole(rng: random.Random, frame: Frame, through: bool) -> TopoDS_Shape | None:
    radius = rng.uniform(0.03, 0.12) * min(frame.lu, frame.lv)
    centre = inside_centre(rng, frame, radius)
    if centre is None:
        return None
    bottom = -frame.depth - AIR if through else -_depth(rng, frame, 0.2, 0.8)
    return cylinder(*centre, bottom, radius, AIR - bottom)


def _polygon_cut(
    rng: random.Random, frame: Frame, sides: int, through: bool
) -> TopoDS_Shape | None:
    radius = rng.uniform(0.1, 0.28) * min(frame.lu, frame.lv)
    centre = inside_centre(rng, frame, radius)
    if centre is None:
        return None
    bottom = -frame.depth - AIR if through else -_depth(rng, frame)
    turn = rng.uniform(0, 2 * math.pi)
    return prism(_regular_polygon(*centre, radius, sides, turn, bottom), (0, 0, AIR - bottom))


def _rectangle_cut(rng: random.Random, frame: Frame, through: bool) -> TopoDS_Shape | None:
    a = rng.uniform(0.15, 0.45) * frame.lu
    b = rng.uniform(0.15, 0.45) * frame.lv
    centre = inside_centre(rng, frame, 0.5 * math.hypot(a, b))
    if centre is None:
        return None
    bottom = -frame.depth - AIR if through else -_depth(rng, frame)
    turn = rng.choice([0.0, rng.uniform(0, math.pi)])
    c, s = math.cos(turn), math.sin(turn)
    corners = [(-a / 2, -b / 2), (a / 2, -b / 2), (a / 2, b / 2), (-a / 2, b / 2)]
    points = [(centre[0] + c * x - s * y, centre[1] + s * x + c * y, bottom) for x, y in corners]
    return prism(points, (0, 0, AIR - bottom))


def _slot_band(rng: random.Random, frame: Frame) -> tuple[float, float, float]:
    """Width, lower side and depth of a slot across the face along ``x``."""
    width = rng.uniform(0.1, 0.3) * frame.lv
    y0 = rng.uniform(0.1 * frame.lv, 0.9 * frame.lv - width)
    return width, y0, _depth(rng, frame)


def _through_slot(rng: random.Random, frame: Frame, profile: str) -> TopoDS_Shape:
    width, y0, depth = _slot_band(rng, frame)
    x0, length = -AIR, frame.lu + 2 * AIR
    if profile == "rectangular":
        return box_between((x0, y0, -depth), (frame.lu + AIR, y0 + width, AIR))
    if profile == "triangular":
        points = [
            (x0, y0, 0.0),
            (x0, y0 + width / 2, -depth),
            (x0, y0 + width, 0.0),
            (x0, y0 + width, AIR),
            (x0, y0, AIR),
        ]
        return prism(points, (length, 0, 0))
    return cylinder(x0, y0 + width / 2, 0.0, width / 2, length, direction=(1.0, 0.0, 0.0))


def _blind_slot(rng: random.Random, frame: Frame, end: str) -> TopoDS_Shape:
    width, y0, depth = _slot_band(rng, frame)
    length = rng.uniform(0.3, 0.7) * frame.lu
    slot = box_between((-AIR, y0, -depth), (length, y0 + width, AIR))
    if end == "h_round":
        return _fuse(slot, cylinder(length, y0 + width / 2, -depth, width / 2, depth + AIR))
    if end == "v_round":
        return _fuse(slot, cylinder(length, y0, 0.0, depth, width, direction=(0.0, 1.0, 0.0)))
    return slot


def _step(rng: random.Random, frame: Frame, shape: str) -> TopoDS_Shape:
    depth = _depth(rng, frame)
    width = rng.uniform(0.1, 0.35) * frame.lv
    if shape == "rectangular_through":
        return box_between((-AIR, -AIR, -depth), (frame.lu + AIR, width, AIR))
    if shape == "slanted_through":
        points = [(-AIR, -AIR, AIR), (-AIR, width, AIR), (-AIR, width, 0.0), (-AIR, -AIR, -depth)]
        return prism(points, (frame.lu + 2 * AIR, 0, 0))
    if shape == "2sides_through":
        return _two_sided_step(rng, frame, width, depth)
    length = rng.uniform(0.15, 0.4) * frame.lu
    if shape == "rectangular_blind":
        return box_between((-AIR, -AIR, -depth), (length, width, AIR))
    if shape == "triangular_blind":
        points = [(-AIR, -AIR, -depth), (length, -AIR, -depth), (-AIR, width, -depth)]
        return prism(points, (0, 0, depth + AIR))
    radius = min(length, width)
    return cylinder(0.0, 0.0, -depth, radius, depth + AIR)


def _two_sided_step(rng: random.Random, frame: Frame, width: float, depth: float) -> TopoDS_Shape:
    """A through step whose wall is two planes meeting halfway along it, leaning 5 to 28
    degrees into the material (MFCAD's ``2sides_through_step``: the pair may as well be the
    floor, which is the same cut seen from the other stock face)."""
    half = frame.lu / 2
    bulge = min(math.tan(math.radians(rng.uniform(5.0, 28.0))) * half, 0.4 * frame.lv)
    end = width - bulge / half * AIR
    points = [
        (-AIR, -AIR, -depth),
        (frame.lu + AIR, -AIR, -depth),
        (frame.lu + AIR, end, -depth),
        (half, width + bulge, -depth),
        (-AIR, end, -depth),
    ]
    return prism(points, (0, 0, depth + AIR))


def _circular_end_pocket(rng: random.Random, frame: Frame) -> TopoDS_Shape | None:
    width = rng.uniform(0.08, 0.2) * frame.lv
    length = rng.uniform(0.1, 0.3) * frame.lu
    centre = inside_centre(rng, frame, 0.5 * length + 0.5 * width)
    if centre is None:
        return None
    depth = _depth(rng, frame)
    x, y = centre
    body = box_between(
        (x - length / 2, y - width / 2, -depth), (x + length / 2, y + width / 2, AIR)
    )
    body = _fuse(body, cylinder(x - length / 2, y, -depth, width / 2, depth + AIR))
    return _fuse(body, cylinder(x + length / 2, y, -depth, width / 2, depth + AIR))


def _oring(rng: random.Random, frame: Frame) -> TopoDS_Shape | None:
    outer = rng.uniform(0.1, 0.3) * min(frame.lu, frame.lv)
    centre = inside_centre(rng, frame, outer)
    if centre is None:
        return None
    depth = rng.uniform(0.05, 0.3) * frame.depth
    inner = rng.uniform(0.5, 0.8) * outer
    ring = BRepAlgoAPI_Cut(
        cylinder(*centre, -depth, outer, depth + AIR),
        cylinder(*centre, -depth - AIR, inner, depth + 3 * AIR),
    )
    return ring.Shape()


ToolMaker = Callable[[random.Random, Frame], TopoDS_Shape | None]

TOOLS: dict[str, ToolMaker] = {
    "through_hole": lambda rng, f: _hole(rng, f, True),
    "blind_hole": lambda rng, f: _hole(rng, f, False),
    "triangular_passage": lambda rng, f: _polygon_cut(rng, f, 3, True),
    "rectangular_passage": lambda rng, f: _rectangle_cut(rng, f, True),
    "6sides_passage": lambda rng, f: _polygon_cut(rng, f, 6, True),
    "triangular_pocket": lambda rng, f: _polygon_cut(rng, f, 3, False),
    "rectangular_pocket": lambda rng, f: _rectangle_cut(rng, f, False),
    "6sides_pocket": lambda rng, f: _polygon_cut(rng, f, 6, False),
    "circular_end_pocket": _circular_end_pocket,
    "triangular_through_slot": lambda rng, f: _through_slot(rng, f, "triangular"),
    "rectangular_through_slot": lambda rng, f: _through_slot(rng, f, "rectangular"),
    "circular_through_slot": lambda rng, f: _through_slot(rng, f, "circular"),
    "rectangular_blind_slot": lambda rng, f: _blind_slot(rng, f, "flat"),
    "h_circular_end_blind_slot": lambda rng, f: _blind_slot(rng, f, "h_round"),
    "v_circular_end_blind_slot": lambda rng, f: _blind_slot(rng, f, "v_round"),
    "rectangular_through_step": lambda rng, f: _step(rng, f, "rectangular_through"),
    "slanted_through_step": lambda rng, f: _step(rng, f, "slanted_through"),
    "2sides_through_step": lambda rng, f: _step(rng, f, "2sides_through"),
    "rectangular_blind_step": lambda rng, f: _step(rng, f, "rectangular_blind"),
    "triangular_blind_step": lambda rng, f: _step(rng, f, "triangular_blind"),
    "circular_blind_step": lambda rng, f: _step(rng, f, "circular_blind"),
    "Oring": _oring,
}
GENERATED_CLASSES = tuple(sorted(TOOLS)) + ("chamfer", "round")


# ------------------------------------------------------------------ history tracking


def faces_of(shape: TopoDS_Shape) -> IndexedMapOfShape:
    faces = IndexedMapOfShape()
    TopExp.MapShapes_s(shape, TopAbs_FACE, faces)
    return faces


def bounds(shape: TopoDS_Shape) -> tuple[list[float], list[float]]:
    box = Bnd_Box()
    BRepBndLib.Add_s(shape, box)
    return list(box.CornerMin().Coord()), list(box.CornerMax().Coord())


Origin = tuple[int, int]  # (feature instance, index of the tool face); stock faces: (-1, index)
Entry = tuple[TopoDS_Shape, str, int, Origin]  # face, class, instance, origin


@dataclass(frozen=True)
class Footprint:
    """What makes a feature the feature its label says: the tool faces left of it, and
    the number of edge-connected patches they form."""

    origins: frozenset[Origin]
    patches: int


class History:
    """The class, instance and origin of every face of a shape, carried through each operation.

    Immutable: ``after`` returns the history of the operation's result, so a
    cut can be tried and dropped without undoing anything.
    """

    def __init__(self, shape: TopoDS_Shape, entries: list[Entry] | None = None) -> None:
        self.shape = shape
        self.entries: list[Entry] = (
            entries
            if entries is not None
            else [(face, STOCK, -1, (-1, i)) for i, face in enumerate(_face_list(faces_of(shape)))]
        )

    def after(self, operation: BRepBuilderAPI_MakeShape, new_faces: list[Entry]) -> History:
        """The history of ``operation``'s result, with the faces it made from its tool."""
        carried: list[Entry] = []
        for face, label, instance, origin in self.entries + new_faces:
            if operation.IsDeleted(face):
                continue
            modified = operation.Modified(face)
            if modified.Extent() == 0:
                carried.append((face, label, instance, origin))
            else:
                carried.extend((image, label, instance, origin) for image in modified)
        shape = operation.Shape()
        present = faces_of(shape)
        return History(shape, [entry for entry in carried if present.Contains(entry[0])])

    def footprints(self) -> dict[int, Footprint]:
        """Per feature instance: the tool faces of which something is left, and in how many
        edge-connected patches its faces lie."""
        faces = faces_of(self.shape)
        origins: dict[int, set[Origin]] = {}
        instance_of: dict[int, int] = {}  # face index -> instance
        for face, _, instance, origin in self.entries:
            if instance >= 0:
                origins.setdefault(instance, set()).add(origin)
                instance_of[faces.FindIndex(face)] = instance
        sets = DisjointSets(instance_of)
        edges = IndexedMapOfShape()
        TopExp.MapShapes_s(self.shape, TopAbs_EDGE, edges)
        first_face_on: dict[int, int] = {}
        for face in instance_of:
            own = IndexedMapOfShape()
            TopExp.MapShapes_s(faces.FindKey(face), TopAbs_EDGE, own)
            for j in range(1, own.Extent() + 1):
                other = first_face_on.setdefault(edges.FindIndex(own.FindKey(j)), face)
                if instance_of[other] == instance_of[face]:
                    sets.union(other, face)
        patches = Counter(instance_of[group[0]] for group in sets.groups())
        return {
            instance: Footprint(frozenset(origins[instance]), patches[instance])
            for instance in origins
        }

    def labels(self) -> tuple[IndexedMapOfShape, list[str], list[int]] | None:
        """Faces of the shape with their class and instance; None if any face has no history."""
        faces = faces_of(self.shape)
        labels: list[str | None] = [None] * faces.Extent()
        instances = [-1] * faces.Extent()
        for face, label, instance, _ in self.entries:
            index = faces.FindIndex(face)
            if index > 0:
                labels[index - 1], instances[index - 1] = label, instance
        if any(label is None for label in labels):
            return None
        return faces, labels, instances


def _face_list(faces: IndexedMapOfShape) -> list[TopoDS_Shape]:
    return [faces.FindKey(i) for i in range(1, faces.Extent() + 1)]


def is_one_valid_solid(shape: TopoDS_Shape) -> bool:
    solids = IndexedMapOfShape()
    TopExp.MapShapes_s(shape, TopAbs_SOLID, solids)
    return solids.Extent() == 1 and BRepCheck_Analyzer(shape).IsValid()


# ------------------------------------------------------------------ parts


@dataclass
class PartInProgress:
    """The plain block, the history so far, and the footprint each feature must keep."""

    block: TopoDS_Shape
    history: History
    expected: dict[int, Footprint] = field(default_factory=dict)

    def keeps_every_feature_and(self, candidate: History, instance: int, own: Footprint) -> bool:
        """Whether ``candidate`` leaves every earlier feature its footprint and the new
        ``instance`` the footprint (``own``) it has when cut alone into the plain block."""
        return candidate.footprints() == {**self.expected, instance: own}


def blend_edges(
    part: PartInProgress, kind: str, instance: int, edges: list[TopoDS_Shape], size: float
) -> FeatureRecord | None:
    """Chamfer or round ``edges`` of the part as feature ``instance``; the new faces come
    from ``Generated``. None, and the part unchanged, when the blend fails or takes a
    face from another feature."""
    maker = (
        BRepFilletAPI_MakeChamfer(part.history.shape)
        if kind == "chamfer"
        else BRepFilletAPI_MakeFillet(part.history.shape)
    )
    for edge in edges:
        maker.Add(size, TopoDS.Edge(edge))
    maker.Build()
    if not maker.IsDone() or not is_one_valid_solid(maker.Shape()):
        return None
    present = faces_of(maker.Shape())
    generated_faces = [
        face for edge in edges for face in maker.Generated(edge) if present.Contains(face)
    ]
    if not generated_faces:
        return None
    generated = [(face, kind, instance, (instance, k)) for k, face in enumerate(generated_faces)]
    after = part.history.after(maker, [])
    candidate = History(after.shape, after.entries + generated)
    footprints = candidate.footprints()
    if {k: v for k, v in footprints.items() if k != instance} != part.expected:
        return None
    part.history = candidate
    part.expected[instance] = footprints[instance]
    box_min, box_max = bounds(compound_of(generated_faces))
    return FeatureRecord(instance, kind, box_min, box_max)


def block_edges(part: PartInProgress, rng: random.Random) -> list[TopoDS_Shape]:
    """One or two edges of the plain block, at random."""
    edges = IndexedMapOfShape()
    TopExp.MapShapes_s(part.history.shape, TopAbs_EDGE, edges)
    return [edges.FindKey(i) for i in rng.sample(range(1, edges.Extent() + 1), rng.choice([1, 2]))]


def compound_of(shapes: list[TopoDS_Shape]) -> TopoDS_Shape:
    compound = TopoDS_Compound()
    builder = BRep_Builder()
    builder.MakeCompound(compound)
    for shape in shapes:
        builder.Add(compound, shape)
    return compound


def cut_feature(
    part: PartInProgress,
    label: str,
    instance: int,
    tool: TopoDS_Shape,
    reference: TopoDS_Shape | None = None,
) -> FeatureRecord | None:
    """Cut ``tool`` (global placement) as feature ``instance``; None, and the part unchanged,
    when the cut fails or changes what a feature is.

    The footprint the feature must keep is the one it has when cut alone into
    ``reference``: the plain block by default, or the block with the feature it
    is cut from (a hole drilled in a pocket's floor, a countersink on a hole),
    without which it would be a closed cavity or a different shape.
    """
    tool_faces = [
        (face, label, instance, (instance, k)) for k, face in enumerate(_face_list(faces_of(tool)))
    ]
    reference = part.block if reference is None else reference
    alone = BRepAlgoAPI_Cut(reference, tool)
    if not alone.IsDone():
        return None
    cut = BRepAlgoAPI_Cut(part.history.shape, tool)
    if not cut.IsDone() or not is_one_valid_solid(cut.Shape()):
        return None
    own = History(reference).after(alone, tool_faces).footprints().get(instance)
    if not own:
        return None
    candidate = part.history.after(cut, tool_faces)
    if not part.keeps_every_feature_and(candidate, instance, own):
        return None
    part.history = candidate
    part.expected[instance] = own
    box_min, box_max = bounds(tool)
    return FeatureRecord(instance, label, box_min, box_max)


def start_part(rng: random.Random) -> tuple[list[float], PartInProgress, list[FeatureRecord]]:
    """A block of random sides, one or two of its edges chamfered or rounded at
    ``BLEND_CHANCE``: its sides, the part in progress and the blend's record."""
    dims = [rng.uniform(*STOCK_RANGE) for _ in range(3)]
    block = box_at(0.0, 0.0, 0.0, *dims)
    part = PartInProgress(block, History(block))
    records: list[FeatureRecord] = []
    if rng.random() < BLEND_CHANCE:
        kind = rng.choice(["chamfer", "round"])
        size = rng.uniform(0.03, 0.1) * min(dims)
        record = blend_edges(part, kind, 0, block_edges(part, rng), size)
        records += [record] if record else []
    return dims, part, records


def generate_part(seed: int, name: str | None = None) -> GeneratedPart:
    """One labelled part, the same for the same seed."""
    rng = random.Random(seed)
    while True:
        dims, part, records = start_part(rng)
        frames = stock_frames(*dims)
        wanted = rng.randint(*FEATURES_PER_PART)
        for _ in range(3 * wanted):
            if len(records) >= wanted:
                break
            label = rng.choice(sorted(TOOLS))
            frame = rng.choice(frames)
            local = TOOLS[label](rng, frame)
            if local is None:
                continue
            tool = BRepBuilderAPI_Transform(local, frame.placement(), True).Shape()
            record = cut_feature(part, label, len(records), tool)
            records += [record] if record else []
        labelled = part.history.labels()
        if labelled is not None:
            faces, labels, instances = labelled
            return GeneratedPart(
                name or f"gen_{seed:06d}", part.history.shape, faces, labels, instances, records
            )


def write_part(part: GeneratedPart, out: Path) -> None:
    """``out/step/NAME.step`` with face i named ``str(i)``, and ``out/labels/NAME.json``."""
    writer = STEPControl_Writer()
    if writer.Transfer(part.shape, STEPControl_AsIs) != IFSelect_RetDone:
        raise RuntimeError(f"STEP transfer failed for {part.name}")
    finder = writer.WS().TransferWriter().FinderProcess()
    for index in range(part.faces.Extent()):
        entity = STEPConstruct.FindEntity_s(finder, part.faces.FindKey(index + 1))
        entity.SetName(TCollection_HAsciiString(str(index)))
    (out / "step").mkdir(parents=True, exist_ok=True)
    (out / "labels").mkdir(parents=True, exist_ok=True)
    if writer.Write(str(out / "step" / f"{part.name}.step")) != IFSelect_RetDone:
        raise RuntimeError(f"STEP write failed for {part.name}")
    labels = {
        "faces": {
            str(i): {"label": label, "instance": instance}
            for i, (label, instance) in enumerate(
                zip(part.face_labels, part.face_instances, strict=True)
            )
        },
        "features": [asdict(record) for record in part.features],
    }
    (out / "labels" / f"{part.name}.json").write_text(json.dumps(labels))


@dataclass(frozen=True)
class Style:
    """A kind of generated part: the prefix of its names and how one is built from a seed."""

    prefix: str
    build: Callable[[int, str], GeneratedPart]

    def name(self, seed: int) -> str:
        return f"{self.prefix}_{seed:06d}"

    def part(self, seed: int) -> GeneratedPart:
        return self.build(seed, self.name(seed))


PLAIN = Style("gen", generate_part)


def write_parts(out: Path, seeds: Iterable[int], style: Style = PLAIN) -> Path:
    """Generate and write the parts of ``seeds`` one after the other; returns ``out``."""
    for seed in seeds:
        write_part(style.part(seed), out)
    return out


def _generate_one(job: tuple[int, Path, Style]) -> None:
    seed, out, style = job
    write_parts(out, [seed], style)


def generate(
    out: Path,
    count: int,
    seed: int = 0,
    workers: int = 2,
    style: Style = PLAIN,
    validation_limit: int | None = None,
) -> None:
    """Parts ``seed`` .. ``seed + count - 1``; parts already written are kept.
    With ``validation_limit``, only that many of their validation parts: the
    ones scripts/eval_geometric.py picks from the whole set (a few minutes
    instead of the whole set's half hour on 2 cores)."""
    from tqdm import tqdm

    seeds = range(seed, seed + count)
    if validation_limit is not None:
        seeds = validation_seeds(seeds, style, validation_limit)
    jobs = [
        (s, out, style) for s in seeds if not (out / "labels" / f"{style.name(s)}.json").is_file()
    ]
    with multiprocessing.get_context("forkserver").Pool(workers, silence_occt) as pool:
        for _ in tqdm(
            pool.imap_unordered(_generate_one, jobs, chunksize=4),
            total=len(jobs),
            desc="parts",
            file=sys.stderr,
        ):
            pass


def validation_seeds(seeds: Iterable[int], style: Style, limit: int) -> list[int]:
    """The seeds of the ``limit`` validation parts that the evaluation samples
    from the parts of ``seeds``."""
    by_name = {style.name(s): s for s in seeds}
    return sorted(by_name[name] for name in validation_sample(list(by_name), limit))


def command_line(style: Style, count: int, description: str) -> None:
    """``--out``, ``--count``, ``--seed``, ``--workers``, ``--validation-sample``:
    generate parts of ``style``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=count)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--validation-sample",
        type=int,
        default=None,
        help="write only this many of the set's validation parts, those `make eval` scores",
    )
    args = parser.parse_args()
    generate(args.out, args.count, args.seed, args.workers, style, args.validation_sample)


def main() -> None:
    command_line(PLAIN, 4000, __doc__.splitlines()[0])


if __name__ == "__main__":
    main()
