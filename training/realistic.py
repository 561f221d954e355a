"""Labelled parts like real ones: the generator's features as a machinist leaves them.

The plain generator (generator.py) cuts MFCAD's sharp-edged features into a
block that stands square to the axes. Real parts differ in ways that fooled
both recognizers (issue 13): their pockets, slots and steps have corner radii
and floor fillets, their rims are chamfered or rounded, their holes are
counterbored, countersunk or drilled with a point, holes go through the
floors of pockets and steps, and the part stands at any angle. This module
builds such parts with the same history-tracked labels:

- **corner radii and floor fillets** are blends of the tool before the cut
  (its edges that run through the material), so they belong to the feature
  and carry its class, as the rules report them (pockets.py);
- **rim chamfers and rounds** are blends of the edges where a feature meets a
  stock face after the cut, labelled ``chamfer`` / ``round`` as MFCAD++ does;
- **counterbored holes** are a hole and a wider, coaxial ``blind_hole``; a
  **countersink** is a cone labelled ``chamfer`` (the MFCAD++ reading of the
  rules' richer types, recognition/taxonomy.MFCADPP_READINGS);
- **holes in floors** are cut from a frame on the floor of a rectangular
  pocket or step, their footprint judged against the block with that pocket;
- half of the parts are then **turned and moved** by a random placement
  (placement.py), the geometry rewritten exactly, faces in the same order.

    python -m training.realistic --out .data/realistic --count 6000 --seed 0
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

from OCP.BRepAdaptor import BRepAdaptor_Curve
from OCP.BRepBuilderAPI import BRepBuilderAPI_Transform
from OCP.BRepFilletAPI import BRepFilletAPI_MakeFillet
from OCP.collections import IndexedMap_TopoDS_Shape_TopTools_ShapeMapHasher as IndexedMapOfShape
from OCP.gp import gp_Ax1, gp_Dir, gp_Pnt, gp_Trsf, gp_Vec
from OCP.TopAbs import TopAbs_EDGE, TopAbs_FACE
from OCP.TopExp import TopExp
from OCP.TopoDS import TopoDS, TopoDS_Shape

from geometry_service.features import STOCK
from training.generator import (
    AIR,
    TOOLS,
    FeatureRecord,
    Frame,
    GeneratedPart,
    PartInProgress,
    Style,
    blend_edges,
    bounds,
    command_line,
    compound_of,
    cut_feature,
    inside_centre,
    is_one_valid_solid,
    start_part,
    stock_frames,
)
from training.placement import placed, random_placement
from training.shapes import box_between, cut, cylinder, revolve

FEATURES_PER_PART = (3, 10)
DECORATE_CHANCE = 0.6  # of corner radii and floor fillets on a milled feature
RIM_BLEND_CHANCE = 0.35  # of a chamfer or round along a new feature's rim
TURN_CHANCE = 0.5  # of a part turned and moved at random
# Features whose tools are blended before the cut: the milled ones with straight walls.
DECORATED = frozenset(
    {
        "rectangular_pocket",
        "triangular_pocket",
        "6sides_pocket",
        "circular_end_pocket",
        "rectangular_passage",
        "triangular_passage",
        "6sides_passage",
        "rectangular_blind_slot",
        "rectangular_through_slot",
        "h_circular_end_blind_slot",
        "rectangular_through_step",
        "rectangular_blind_step",
        "triangular_blind_step",
        "circular_blind_step",
    }
)
# The kinds of hole drawn, alike likely (a through hole is never drilled to a point).
HOLE_KINDS = ("plain", "drilled", "counterbored", "countersunk")
FLOOR_SITE_CHANCE = 0.3  # of a feature drawn on the floor of an earlier pocket or step


@dataclass(frozen=True)
class Site:
    """Where a feature may be cut: a frame, and the tools already cut from the block
    beneath it (none for a stock face; the pocket or step for its floor)."""

    frame: Frame
    under: tuple[TopoDS_Shape, ...] = ()


@dataclass
class Cut:
    """One tool to cut, in the frame's local coordinates, with its class."""

    label: str
    tool: TopoDS_Shape
    floor: Frame | None = None  # the floor it leaves for later holes, in the same local frame


# ------------------------------------------------------------------ tools (local frame)


def _edges_through_material(tool: TopoDS_Shape, frame: Frame) -> tuple[list, list]:
    """The tool's edges that run through the block (their images become the part's
    concave edges): (edges along the frame's normal, the others)."""
    edges = IndexedMapOfShape()
    TopExp.MapShapes_s(tool, TopAbs_EDGE, edges)
    upright, other = [], []
    margin = 1e-3 * min(frame.lu, frame.lv)
    for i in range(1, edges.Extent() + 1):
        edge = TopoDS.Edge(edges.FindKey(i))
        curve = BRepAdaptor_Curve(edge)
        first, last = curve.FirstParameter(), curve.LastParameter()
        inside = False
        for t in (0.25, 0.5, 0.75):
            p = curve.Value(first + t * (last - first))
            inside |= (
                margin < p.X() < frame.lu - margin
                and margin < p.Y() < frame.lv - margin
                and -frame.depth + margin < p.Z() < -margin
            )
        if not inside:
            continue
        point, tangent = gp_Pnt(), gp_Vec()
        curve.D1(0.5 * (first + last), point, tangent)
        along_normal = tangent.Magnitude() > 0 and abs(tangent.Z()) > 0.999 * tangent.Magnitude()
        (upright if along_normal else other).append(edge)
    return upright, other


def decorated(rng: random.Random, tool: TopoDS_Shape, frame: Frame) -> TopoDS_Shape:
    """``tool`` with corner radii on its upright edges and fillets along its floor, where
    they run through the material; the plain tool where OCCT cannot blend it."""
    upright, other = _edges_through_material(tool, frame)
    if not upright and not other:
        return tool
    scale = min(frame.lu, frame.lv)
    corner = rng.uniform(0.015, 0.05) * scale
    floor = rng.uniform(0.3, 0.9) * corner if upright else rng.uniform(0.01, 0.04) * scale
    fillet = BRepFilletAPI_MakeFillet(tool)
    for edge in upright:
        fillet.Add(corner, edge)
    if rng.random() < 0.6:
        for edge in other:
            fillet.Add(floor, edge)
    try:
        fillet.Build()
    except Exception:  # noqa: BLE001 - OCCT raises Standard_Failure where a blend cannot close
        return tool
    if not fillet.IsDone() or not is_one_valid_solid(fillet.Shape()):
        return tool
    return fillet.Shape()


def _hole_radius_and_centre(
    rng: random.Random, frame: Frame, reach: float = 1.0
) -> tuple[float, tuple[float, float]] | None:
    radius = rng.uniform(0.03, 0.1) * min(frame.lu, frame.lv)
    centre = inside_centre(rng, frame, reach * radius)
    return None if centre is None else (radius, centre)


def _drilled_hole(radius: float, centre: tuple[float, float], depth: float) -> TopoDS_Shape:
    """A blind hole with a 118-degree drill point below ``depth``."""
    point = radius / math.tan(math.radians(59.0))
    x, y = centre
    return revolve(
        [(0.0, AIR), (radius, AIR), (radius, -depth), (0.0, -depth - point)],
        centre=(x, y, 0.0),
    )


def _hole_kind(rng: random.Random, frame: Frame, through: bool) -> list[Cut] | None:
    """A through or blind hole, plain, drilled, counterbored or countersunk."""
    kind = rng.choice(HOLE_KINDS if not through else ("plain", "counterbored", "countersunk"))
    drawn = _hole_radius_and_centre(
        rng, frame, 2.2 if kind in ("counterbored", "countersunk") else 1.0
    )
    if drawn is None:
        return None
    radius, (x, y) = drawn
    label = "through_hole" if through else "blind_hole"
    depth = frame.depth + AIR if through else rng.uniform(0.3, 0.8) * frame.depth
    if kind == "drilled":
        return [Cut(label, _drilled_hole(radius, (x, y), depth))]
    hole = cylinder(x, y, -depth, radius, depth + AIR)
    if kind == "plain":
        return [Cut(label, hole)]
    if kind == "counterbored":
        sink = min(rng.uniform(0.2, 0.5) * depth, 0.5 * frame.depth)
        wide = rng.uniform(1.4, 2.0) * radius
        return [Cut(label, hole), Cut("blind_hole", cylinder(x, y, -sink, wide, sink + AIR))]
    half_angle = math.radians(rng.choice([41.0, 45.0, 50.0, 60.0]))
    sink = rng.uniform(0.3, 0.8) * radius / math.tan(half_angle)
    low = sink + 0.5 * radius / math.tan(half_angle)  # the cone runs on into the hole
    top = radius + (sink + AIR) * math.tan(half_angle)
    cone = revolve([(0.0, -low), (0.5 * radius, -low), (top, AIR), (0.0, AIR)], centre=(x, y, 0.0))
    return [Cut(label, hole), Cut("chamfer", cone)]


def _pocket_with_floor(rng: random.Random, frame: Frame, through: bool) -> list[Cut] | None:
    """A rectangular pocket or passage at a random turn; a pocket leaves its floor as a
    site for holes."""
    a = rng.uniform(0.2, 0.5) * frame.lu
    b = rng.uniform(0.2, 0.5) * frame.lv
    centre = inside_centre(rng, frame, 0.5 * math.hypot(a, b))
    if centre is None:
        return None
    depth = frame.depth + AIR if through else rng.uniform(0.15, 0.6) * frame.depth
    turn = rng.choice([0.0, rng.uniform(0, math.pi)])
    c, s = math.cos(turn), math.sin(turn)
    tool = box_between((-a / 2, -b / 2, -depth), (a / 2, b / 2, AIR))
    placement = gp_Trsf()
    placement.SetRotation(gp_Ax1(gp_Pnt(0, 0, 0), gp_Dir(0, 0, 1)), turn)
    moved = gp_Trsf()
    moved.SetTranslation(gp_Vec(centre[0], centre[1], 0.0))
    moved.Multiply(placement)
    tool = BRepBuilderAPI_Transform(tool, moved, True).Shape()
    label = "rectangular_passage" if through else "rectangular_pocket"
    floor = None
    if not through:
        corner = (centre[0] - c * a / 2 + s * b / 2, centre[1] - s * a / 2 - c * b / 2, -depth)
        floor = Frame(corner, (c, s, 0.0), (0.0, 0.0, 1.0), a, b, frame.depth - depth)
    return [Cut(label, tool, floor)]


def _step_with_floor(rng: random.Random, frame: Frame, through: bool) -> list[Cut]:
    """A rectangular through or blind step along the frame's ``y = 0`` side; its floor is
    a site for holes."""
    depth = rng.uniform(0.15, 0.6) * frame.depth
    width = rng.uniform(0.15, 0.4) * frame.lv
    length = frame.lu if through else rng.uniform(0.2, 0.45) * frame.lu
    far = frame.lu + AIR if through else length
    tool = box_between((-AIR, -AIR, -depth), (far, width, AIR))
    label = "rectangular_through_step" if through else "rectangular_blind_step"
    floor = Frame(
        (0.0, 0.0, -depth), (1.0, 0.0, 0.0), (0.0, 0.0, 1.0), length, width, frame.depth - depth
    )
    return [Cut(label, tool, floor)]


def draw_feature(rng: random.Random, frame: Frame, on_floor: bool) -> list[Cut] | None:
    """One feature for ``frame``: a hole of any kind, a pocket or step that leaves a floor,
    or any of the generator's tools; milled ones with corner radii and floor fillets."""
    if on_floor:
        return _hole_kind(rng, frame, through=rng.random() < 0.5)
    pick = rng.random()
    if pick < 0.25:
        drawn = _hole_kind(rng, frame, through=rng.random() < 0.5)
    elif pick < 0.4:
        drawn = _pocket_with_floor(rng, frame, through=rng.random() < 0.25)
    elif pick < 0.5:
        drawn = _step_with_floor(rng, frame, through=rng.random() < 0.6)
    else:
        label = rng.choice(sorted(TOOLS))
        tool = TOOLS[label](rng, frame)
        drawn = None if tool is None else [Cut(label, tool)]
    if drawn is None:
        return None
    first = drawn[0]
    if first.label in DECORATED and rng.random() < DECORATE_CHANCE:
        drawn[0] = replace(first, tool=decorated(rng, first.tool, frame))
    return drawn


# ------------------------------------------------------------------ after a cut


def rim_edges(part: PartInProgress, instances: set[int], rng: random.Random) -> list[TopoDS_Shape]:
    """The edges where the faces of ``instances`` meet one stock face (the one they share
    most edges with, ties at random): the rim a chamfer or round would follow."""
    edges = IndexedMapOfShape()
    TopExp.MapShapes_s(part.history.shape, TopAbs_EDGE, edges)
    mine: set[int] = set()
    on_stock: dict[int, set[int]] = {}  # stock face number -> its edges
    for number, (face, label, instance, _) in enumerate(part.history.entries):
        own = IndexedMapOfShape()
        TopExp.MapShapes_s(face, TopAbs_EDGE, own)
        indices = {edges.FindIndex(own.FindKey(j)) for j in range(1, own.Extent() + 1)}
        if instance in instances:
            mine |= indices
        elif label == STOCK:
            on_stock[number] = indices
    rims = [sorted(mine & stock_edges) for stock_edges in on_stock.values()]
    rims = [rim for rim in rims if rim]
    if not rims:
        return []
    most = max(len(rim) for rim in rims)
    return [edges.FindKey(i) for i in rng.choice([rim for rim in rims if len(rim) == most])]


def _local_extent(tool: TopoDS_Shape, frame: Frame) -> float:
    """The smallest side of the tool's box clipped to the material, in the local frame."""
    low, high = bounds(tool)
    limits = ((0.0, frame.lu), (0.0, frame.lv), (-frame.depth, 0.0))
    sides = [
        min(h, top) - max(lo, bottom)
        for lo, h, (bottom, top) in zip(low, high, limits, strict=True)
    ]
    return max(min(sides), 0.0)


def _frame_on_floor(frame: Frame, floor: Frame) -> Frame:
    """``floor``, a frame in ``frame``'s local coordinates (its normal the local z), in
    global space."""
    placement = frame.placement()
    point = gp_Pnt(*floor.origin).Transformed(placement)
    direction = gp_Vec(*floor.u).Transformed(placement)
    return Frame(point.Coord(), direction.Coord(), frame.normal, floor.lu, floor.lv, floor.depth)


# ------------------------------------------------------------------ parts


def realistic_part(seed: int, name: str) -> GeneratedPart:
    """One labelled realistic part, the same for the same seed."""
    rng = random.Random(seed)
    while True:
        dims, part, records = start_part(rng)
        sites = [Site(frame) for frame in stock_frames(*dims)]
        floors: list[Site] = []
        wanted = rng.randint(*FEATURES_PER_PART)
        for _ in range(3 * wanted):
            if len(records) >= wanted:
                break
            on_floor = bool(floors) and rng.random() < FLOOR_SITE_CHANCE
            site = rng.choice(floors if on_floor else sites)
            drawn = draw_feature(rng, site.frame, on_floor)
            if drawn is None:
                continue
            made = cut_drawn(part, site, drawn, records, floors)
            if made and rng.random() < RIM_BLEND_CHANCE:
                _blend_rim(part, rng, made, site, drawn, records)
        labelled = part.history.labels()
        if labelled is None:
            continue
        faces, labels, instances = labelled
        shape = part.history.shape
        if rng.random() < TURN_CHANCE:
            shape = placed(shape, random_placement(seed))
            faces = IndexedMapOfShape()
            TopExp.MapShapes_s(shape, TopAbs_FACE, faces)
            records = _records_on(shape, faces, instances, records)
        return GeneratedPart(name, shape, faces, labels, instances, records)


def cut_drawn(
    part: PartInProgress,
    site: Site,
    drawn: list[Cut],
    records: list[FeatureRecord],
    floors: list[Site],
) -> set[int]:
    """Cut the drawn feature's tools in order; the instances made (a counterbore or
    countersink is dropped alone where it does not cut cleanly)."""
    made: set[int] = set()
    under = list(site.under)
    placement = site.frame.placement()
    for number, step in enumerate(drawn):
        tool = BRepBuilderAPI_Transform(step.tool, placement, True).Shape()
        reference = cut(part.block, *under) if under else None
        record = cut_feature(part, step.label, len(records), tool, reference)
        if record is None:
            if number == 0:
                return made
            break
        records.append(record)
        made.add(record.instance)
        if step.floor is not None:
            floors.append(Site(_frame_on_floor(site.frame, step.floor), (*under, tool)))
        under.append(tool)
    return made


def _blend_rim(
    part: PartInProgress,
    rng: random.Random,
    made: set[int],
    site: Site,
    drawn: list[Cut],
    records: list[FeatureRecord],
) -> None:
    edges = rim_edges(part, made, rng)
    if not edges:
        return
    size = rng.uniform(0.06, 0.2) * _local_extent(drawn[0].tool, site.frame)
    if size <= 0.05:
        return
    kind = rng.choice(["chamfer", "round"])
    record = blend_edges(part, kind, len(records), edges, size)
    if record is not None:
        records.append(record)


def _records_on(
    shape: TopoDS_Shape,
    faces: IndexedMapOfShape,
    instances: list[int],
    records: list[FeatureRecord],
) -> list[FeatureRecord]:
    """The records with their boxes taken again round their faces in the placed part."""
    placed_records = []
    for record in records:
        own = [faces.FindKey(i + 1) for i, n in enumerate(instances) if n == record.instance]
        if not own:
            continue
        low, high = bounds(compound_of(own))
        placed_records.append(FeatureRecord(record.instance, record.label, low, high))
    return placed_records


REALISTIC = Style("real", realistic_part)


def main() -> None:
    command_line(REALISTIC, 6000, __doc__.splitlines()[0])


if __name__ == "__main__":
    main()
