"""Extra test parts for the rule-based recognizer, beyond tests/part_builders.py.

Each builder states the features it holds and their exact dimensions; the
tests assert those to 1e-6 mm. Frame as in part_builders: prismatic parts sit
on the XY plane with their minimum corner at the origin, Z up; the block is
100 x 60 x 30 unless said otherwise; turned parts turn about Z.
"""

from __future__ import annotations

import math

from OCP.BRepAdaptor import BRepAdaptor_Curve, BRepAdaptor_Surface
from OCP.BRepBuilderAPI import (
    BRepBuilderAPI_MakeFace,
    BRepBuilderAPI_MakePolygon,
    BRepBuilderAPI_NurbsConvert,
    BRepBuilderAPI_Transform,
)
from OCP.BRepFilletAPI import BRepFilletAPI_MakeChamfer, BRepFilletAPI_MakeFillet
from OCP.BRepPrimAPI import (
    BRepPrimAPI_MakeBox,
    BRepPrimAPI_MakePrism,
    BRepPrimAPI_MakeSphere,
)
from OCP.gp import gp_Ax1, gp_Dir, gp_Pnt, gp_Trsf, gp_Vec
from OCP.TopAbs import TopAbs_EDGE, TopAbs_FACE
from OCP.TopExp import TopExp_Explorer
from OCP.TopoDS import TopoDS, TopoDS_Edge, TopoDS_Face, TopoDS_Shape

from training.shapes import box_at, cut, cylinder, fuse, prism, revolve

AIR = 1.0  # how far a tool reaches past the faces it cuts through


def block(x: float = 100.0, y: float = 60.0, z: float = 30.0) -> TopoDS_Shape:
    return BRepPrimAPI_MakeBox(gp_Pnt(0, 0, 0), x, y, z).Shape()


def edges_where(shape: TopoDS_Shape, keep) -> list[TopoDS_Edge]:
    """The edges of ``shape`` whose two ends (as (x, y, z) tuples) satisfy ``keep(a, b)``."""
    found = []
    explorer = TopExp_Explorer(shape, TopAbs_EDGE)
    while explorer.More():
        edge = TopoDS.Edge(explorer.Current())
        curve = BRepAdaptor_Curve(edge)
        a, b = curve.Value(curve.FirstParameter()), curve.Value(curve.LastParameter())
        if keep(a.Coord(), b.Coord()):
            found.append(edge)
        explorer.Next()
    return found


def fillet_vertical_edges(shape: TopoDS_Shape, radius: float) -> TopoDS_Shape:
    """Round every edge of ``shape`` that runs along Z (a tool body's corners)."""
    maker = BRepFilletAPI_MakeFillet(shape)
    for edge in edges_where(
        shape, lambda a, b: abs(a[0] - b[0]) < 1e-9 and abs(a[1] - b[1]) < 1e-9
    ):
        maker.Add(radius, edge)
    return maker.Shape()


def face_where(shape: TopoDS_Shape, keep) -> TopoDS_Face:
    """The one planar face of ``shape`` whose (point, normal) satisfy ``keep``."""
    explorer = TopExp_Explorer(shape, TopAbs_FACE)
    while explorer.More():
        face = TopoDS.Face(explorer.Current())
        surface = BRepAdaptor_Surface(face)
        axis = surface.Plane().Axis()
        if keep(axis.Location().Coord(), axis.Direction().Coord()):
            return face
        explorer.Next()
    raise LookupError("no such face")


# ------------------------------------------------------------------ holes


def drill_point_hole(
    diameter: float = 6.8, depth: float = 15.0, point_angle: float = 118.0
) -> TopoDS_Shape:
    """Block with a blind drilled hole down from (30, 30, 30): full diameter to
    ``depth``, then a cone of ``point_angle`` to the tip."""
    r = diameter / 2
    tip = r / math.tan(math.radians(point_angle / 2))
    tool = revolve(
        [(0, 30 - depth - tip), (r, 30 - depth), (r, 30 + AIR), (0, 30 + AIR)], centre=(30, 30, 0)
    )
    return cut(block(), tool)


def counterbored_hole(diameter=6.6, cb_diameter=11.0, cb_depth=6.8) -> TopoDS_Shape:
    """Block with a through hole at (30, 30) counterbored from the top."""
    tool = revolve(
        [
            (0, -AIR),
            (diameter / 2, -AIR),
            (diameter / 2, 30 - cb_depth),
            (cb_diameter / 2, 30 - cb_depth),
            (cb_diameter / 2, 30 + AIR),
            (0, 30 + AIR),
        ],
        centre=(30, 30, 0),
    )
    return cut(block(), tool)


def chamfered_counterbored_hole(chamfer: float = 1.0) -> TopoDS_Shape:
    """The :func:`counterbored_hole` (6.6 through, counterbore 11 x 6.8) with the rim of
    its counterbore chamfered ``chamfer`` at 45 degrees (a cone down to z=29)."""
    tool = revolve(
        [
            (0, -AIR),
            (3.3, -AIR),
            (3.3, 30 - 6.8),
            (5.5, 30 - 6.8),
            (5.5, 30 - chamfer),
            (5.5 + chamfer + AIR, 30 + AIR),
            (0, 30 + AIR),
        ],
        centre=(30, 30, 0),
    )
    return cut(block(), tool)


def countersunk_hole(diameter=6.6, csk_diameter=13.0, angle=90.0) -> TopoDS_Shape:
    """Block with a through hole at (70, 30) countersunk from the top to ``csk_diameter``."""
    r, R = diameter / 2, csk_diameter / 2
    sink = (R - r) / math.tan(math.radians(angle / 2))
    over = AIR * math.tan(math.radians(angle / 2))
    tool = revolve(
        [(0, -AIR), (r, -AIR), (r, 30 - sink), (R + over, 30 + AIR), (0, 30 + AIR)],
        centre=(70, 30, 0),
    )
    return cut(block(), tool)


def half_hole_at_edge(diameter: float = 10.0) -> TopoDS_Shape:
    """Block with a vertical through cylinder centred on its x=0 side at y=30:
    half of it is cut, a round-bottomed channel 30 long (a circular through slot)."""
    return cut(block(), cylinder(0, 30, -AIR, diameter / 2, 30 + 2 * AIR))


def channel_along_top(radius: float = 5.0, above: float = 2.0) -> TopoDS_Shape:
    """Block with a cylinder along X whose axis is ``above`` mm over the top face at
    y=30: a channel 100 long, its arc 2 acos(above / r), as wide as the chord
    2 sqrt(r^2 - above^2) and r - above deep."""
    return cut(block(), cylinder(-AIR, 30, 30 + above, radius, 100 + 2 * AIR, direction=(1, 0, 0)))


def notch_in_thin_plate(diameter: float = 10.0, thickness: float = 3.0) -> TopoDS_Shape:
    """A 100 x 60 plate ``thickness`` thick with a half circle cut into its x=0 edge at
    y=30: shorter than it is wide, a partial through hole."""
    return cut(block(z=thickness), cylinder(0, 30, -AIR, diameter / 2, thickness + 2 * AIR))


def blind_slot_with_a_deeper_cut_into_its_floor() -> TopoDS_Shape:
    """A blind slot along X from the x=0 side (y 25..35, 10 deep, its end wall at
    x=70) and a deeper slot from the y=60 side (x 40..50, 15 deep) that ends
    halfway across it: the first slot's floor stays one face, notched, and the
    second's walls face each other across the notch."""
    slotted = cut(block(), box_at(-AIR, 25, 20, 70 + AIR, 10, 10 + AIR))
    return cut(slotted, box_at(40, 30, 15, 10, 30 + AIR, 15 + AIR))


def hole_half_taken_by_a_slot() -> TopoDS_Shape:
    """A 10 mm hole along X at y=30, z=20 whose upper half a through slot along X
    (y 20..40, down to z=20, the hole's axis) took: half a circle 100 long that
    opens into the slot's floor, not onto the block."""
    drilled = cut(block(), cylinder(-AIR, 30, 20, 5.0, 100 + 2 * AIR, direction=(1, 0, 0)))
    return cut(drilled, box_at(-AIR, 20, 20, 100 + 2 * AIR, 20, 10 + AIR))


def partial_blind_hole(diameter: float = 10.0, depth: float = 10.0, x: float = 2.0) -> TopoDS_Shape:
    """Block with a flat-bottomed hole down from the top at (x, 30), breaking
    out through the x=0 side: the arc left is 2 acos(-x / r)."""
    return cut(block(), cylinder(x, 30, 30 - depth, diameter / 2, depth + AIR))


def cross_hole_block() -> TopoDS_Shape:
    """Block with a 10 mm hole along X through it (y=30, z=15) and an 8 mm
    blind hole 20 deep from the +Y side at x=70, z=15 that stops short of it."""
    return cut(
        block(),
        cylinder(-AIR, 30, 15, 5.0, 100 + 2 * AIR, direction=(1, 0, 0)),
        cylinder(70, 60 + AIR, 15, 4.0, 20 + AIR, direction=(0, -1, 0)),
    )


def blind_hole_crossed_near_its_bottom() -> TopoDS_Shape:
    """Block with a 10 mm blind hole 20 deep from the top at (50, 30) (flat bottom at
    z=10) and an 8 mm hole along X through the block at y=30, z=12: the cross hole
    cuts the blind hole's bottom in two."""
    return cut(
        block(),
        cylinder(50, 30, 10, 5.0, 20 + AIR),
        cylinder(-AIR, 30, 12, 4.0, 100 + 2 * AIR, direction=(1, 0, 0)),
    )


def slanted_hole_with_rounded_rim(tilt: float = 30.0, rim: float = 1.5) -> TopoDS_Shape:
    """Block with a 10 mm flat-bottomed blind hole drilled from the top at ``tilt``
    degrees from -Z toward +X, its axis through (50, 30, 30) and its bottom 20 along
    the axis from there; the rim, where the bore meets the top obliquely, rounded by
    ``rim``: OCCT makes that round a B-spline face, not a torus."""
    t = math.radians(tilt)
    drill = (math.sin(t), 0.0, -math.cos(t))
    above = 5.0  # the bore starts this far up its axis, clear of the top
    start = (50.0 - above * drill[0], 30.0, 30.0 - above * drill[2])
    shape = cut(block(), cylinder(*start, 5.0, above + 20.0, direction=drill))
    maker = BRepFilletAPI_MakeFillet(shape)
    for edge in edges_where(
        shape, lambda a, b: abs(a[2] - 30.0) < 1e-9 and abs(b[2] - 30.0) < 1e-9 and 35 < a[0] < 65
    ):
        maker.Add(rim, edge)
    return maker.Shape()


def round_pocket_with_domed_floor(radius: float = 20.0, wall: float = 12.0) -> TopoDS_Shape:
    """Block with a 40 mm round pocket down from the top at (50, 30): a straight wall
    ``wall`` deep, then a half-sphere floor made a B-spline face (as CAD exports a
    dome), tangent to the wall. A bore closed by a dome is a pocket, not a hole."""
    sphere = BRepPrimAPI_MakeSphere(gp_Pnt(50.0, 30.0, 30.0 - wall), radius).Shape()
    dome = BRepBuilderAPI_NurbsConvert(sphere).Shape()
    return cut(block(), fuse(cylinder(50.0, 30.0, 30.0 - wall, radius, wall + AIR), dome))


# ------------------------------------------------------------ milled features


def rounded_pocket(length=40.0, width=20.0, depth=10.0, corner_radius=3.0) -> TopoDS_Shape:
    """Block with a rectangular pocket centred in the top, corners of ``corner_radius``."""
    tool = box_at(50 - length / 2, 30 - width / 2, 30 - depth, length, width, depth + AIR)
    return cut(block(), fillet_vertical_edges(tool, corner_radius))


def chamfered_rounded_pocket(chamfer: float = 1.0) -> TopoDS_Shape:
    """The rounded pocket with its rim chamfered ``chamfer`` at 45 degrees all
    round: flat along the sides, conical round the corner radii."""
    return _chamfered_pocket_rim(rounded_pocket(), chamfer)


def _chamfered_pocket_rim(shape: TopoDS_Shape, chamfer: float) -> TopoDS_Shape:
    """``shape`` with the top rim of its pocket in x 30..70, y 20..40 chamfered at 45 degrees."""
    maker = BRepFilletAPI_MakeChamfer(shape)
    for edge in edges_where(
        shape,
        lambda a, b: a[2] == b[2] == 30 and all(29 < p[0] < 71 and 19 < p[1] < 41 for p in (a, b)),
    ):
        maker.Add(chamfer, edge)
    return maker.Shape()


def pocket_with_island(floor_fillet: float = 0.0) -> TopoDS_Shape:
    """A closed pocket 60 x 40 x 10 deep (x 20..80, y 10..50, floor z=20) with
    5 mm corner radii and a 10 x 10 island standing to the top at its centre
    (x 45..55, y 25..35); with ``floor_fillet``, every edge round the floor
    (walls and island) is rounded that much."""
    cavity = fillet_vertical_edges(box_at(20, 10, 20, 60, 40, 10 + AIR), 5.0)
    part = cut(block(), cut(cavity, box_at(45, 25, 19, 10, 10, 12)))
    if not floor_fillet:
        return part
    fillet = BRepFilletAPI_MakeFillet(part)
    for edge in edges_where(part, lambda a, b: abs(a[2] - 20) < 1e-9 and abs(b[2] - 20) < 1e-9):
        fillet.Add(floor_fillet, edge)
    return fillet.Shape()


def pocket_with_island_and_floor_fillets() -> TopoDS_Shape:
    return pocket_with_island(floor_fillet=2.0)


def circular_end_pocket(length=40.0, width=12.0, depth=5.0) -> TopoDS_Shape:
    """Block with an obround pocket (straight sides, half-round ends) along X,
    centred at (50, 30); ``length`` is overall, end to end."""
    r = width / 2
    straight = length - width
    tool = fuse(
        box_at(50 - straight / 2, 30 - r, 30 - depth, straight, width, depth + AIR),
        cylinder(50 - straight / 2, 30, 30 - depth, r, depth + AIR),
        cylinder(50 + straight / 2, 30, 30 - depth, r, depth + AIR),
    )
    return cut(block(), tool)


def blind_slot(width=10.0, depth=8.0, length=35.0) -> TopoDS_Shape:
    """Block with a square-ended slot entering from the x=0 end along X, centred at y=30."""
    return cut(block(), box_at(-AIR, 30 - width / 2, 30 - depth, length + AIR, width, depth + AIR))


def corner_notch_with_rounded_rim(radius: float = 2.0) -> TopoDS_Shape:
    """Block with a 20 x 20 notch cut down through its whole height at the corner
    x 80..100, y 40..60 (a through step: floor x=80, wall y=40, or the other way
    round), its two top edges rounded ``radius``: the notch opens at the top only
    through the round."""
    notched = cut(block(), box_at(80, 40, -AIR, 20 + AIR, 20 + AIR, 30 + 2 * AIR))
    maker = BRepFilletAPI_MakeFillet(notched)
    for edge in edges_where(
        notched,
        lambda a, b: (
            a[2] == b[2] == 30
            and (
                (a[0] == b[0] == 80 and min(a[1], b[1]) >= 40)
                or (a[1] == b[1] == 40 and min(a[0], b[0]) >= 80)
            )
        ),
    ):
        maker.Add(radius, edge)
    return maker.Shape()


def corner_step_with_split_corner_radius() -> TopoDS_Shape:
    """Block with a step 15 deep cut into its corner x 70..100, y 40..60 (walls x=70
    and y=40, floor z=15), its inside corner rounded 3, and a 4 mm hole along X
    through the block at y=41.5, z=22 that cuts the corner radius in two along its axis."""
    tool = box_at(70, 40, 15, 30 + AIR, 20 + AIR, 15 + AIR)
    corner = BRepFilletAPI_MakeFillet(tool)
    for edge in edges_where(tool, lambda a, b: a[:2] == b[:2] == (70, 40)):
        corner.Add(3.0, edge)
    stepped = cut(block(), corner.Shape())
    return cut(stepped, cylinder(-AIR, 41.5, 22, 2.0, 100 + 2 * AIR, direction=(1, 0, 0)))


def blind_step(length=20.0, width=15.0, depth=12.0) -> TopoDS_Shape:
    """Block with a corner step at x=100, y=0 from the top: ``length`` along X,
    ``width`` along Y, ``depth`` down."""
    return cut(
        block(), box_at(100 - length, -AIR, 30 - depth, length + AIR, width + AIR, depth + AIR)
    )


def unequal_chamfer(short=2.0, long=4.0) -> TopoDS_Shape:
    """Block with its top front edge (y=0, z=30) chamfered ``long`` across
    the top face and ``short`` down the front face."""
    shape = block()
    maker = BRepFilletAPI_MakeChamfer(shape)
    top = face_where(shape, lambda point, normal: abs(point[2] - 30) < 1e-9 and normal[2] > 0.5)
    edge = edges_where(shape, lambda a, b: a[1] == b[1] == 0 and a[2] == b[2] == 30)[0]
    maker.Add(long, short, edge, top)
    return maker.Shape()


def fillet_chain(corner=8.0, edge=3.0) -> TopoDS_Shape:
    """Block with its vertical edge at (100, 0) rounded ``corner``, then the
    top edges along y=0 and x=100 and the arc between them rounded ``edge``:
    one tangent chain (two cylinders and the torus that turns the corner)
    apart from the corner round."""
    shape = block()
    maker = BRepFilletAPI_MakeFillet(shape)
    maker.Add(corner, edges_where(shape, lambda a, b: a[:2] == b[:2] == (100, 0))[0])
    rounded = maker.Shape()
    maker = BRepFilletAPI_MakeFillet(rounded)
    for top_edge in edges_where(
        rounded,
        lambda a, b: all(
            abs(p[2] - 30) < 1e-9 and (abs(p[1]) < 1e-9 or abs(p[0] - 100) < 1e-9) for p in (a, b)
        ),
    ):
        maker.Add(edge, top_edge)
    return maker.Shape()


def rotated_block(degrees: float = 30.0) -> TopoDS_Shape:
    """The plain block turned ``degrees`` about Z: no features, a minimal box
    of 100 x 60 x 30 along its own sides."""
    turn = gp_Trsf()
    turn.SetRotation(gp_Ax1(gp_Pnt(0, 0, 0), gp_Dir(0, 0, 1)), math.radians(degrees))
    return BRepBuilderAPI_Transform(block(), turn, True).Shape()


def boss_plate(boss=20.0, height=15.0) -> TopoDS_Shape:
    """A 100 x 60 x 10 plate with a square boss ``boss`` wide and ``height``
    tall standing at its centre (its top is the highest face: stock)."""
    plate = block(100, 60, 10)
    return fuse(plate, box_at(50 - boss / 2, 30 - boss / 2, 10, boss, boss, height))


def contoured_plate(flange: float = 5.0, corner_radius: float = 5.0) -> TopoDS_Shape:
    """A 100 x 60 x 30 block whose top 20 mm is milled round its outside down to a
    ``flange``-wide ledge at z=10, the contour's vertical corners rounded: the part's
    outer contour (a step all round), not a boss on a plate."""
    body = fillet_vertical_edges(
        box_at(flange, flange, 10.0, 100.0 - 2 * flange, 60.0 - 2 * flange, 20.0), corner_radius
    )
    return fuse(block(100, 60, 10), body)


def chamfered_pocket(chamfer: float = 1.0) -> TopoDS_Shape:
    """The sharp-cornered 40 x 20 x 10 pocket of part_builders.box_with_pocket
    (x 30..70, y 20..40) with its rim chamfered ``chamfer`` at 45 degrees: four
    planes that meet in valleys at the pocket's inside corners."""
    return _chamfered_pocket_rim(cut(block(), box_at(30, 20, 20, 40, 20, 10 + AIR)), chamfer)


def oring_groove(outer: float = 30.0, inner: float = 20.0, depth: float = 4.0) -> TopoDS_Shape:
    """Block with an O-ring groove in its top face about (50, 30): a ring
    ``outer`` and ``inner`` in diameter, ``depth`` deep."""
    ring = cut(
        cylinder(50, 30, 30 - depth, outer / 2, depth + AIR),
        cylinder(50, 30, 30 - depth - AIR, inner / 2, depth + 3 * AIR),
    )
    return cut(block(), ring)


def oring_groove_with_hole_through_its_floor() -> TopoDS_Shape:
    """The O-ring groove of :func:`oring_groove` (outer 30, inner 20, 4 deep) with a
    3 mm hole drilled through its floor at (62.5, 30), down through the block."""
    return cut(oring_groove(), cylinder(62.5, 30, -AIR, 1.5, 30))


def oring_groove_crossed_by_slot() -> TopoDS_Shape:
    """The O-ring groove of :func:`oring_groove` cut across by a slot 4 wide (y 28..32)
    and 8 deep along X through the whole block: floor, walls and core in two pieces each."""
    return cut(oring_groove(), box_at(-AIR, 28, 22, 100 + 2 * AIR, 4, 8 + AIR))


def v_circular_end_blind_slot(
    width: float = 10.0, depth: float = 8.0, length: float = 35.0
) -> TopoDS_Shape:
    """Block with a slot entering from the x=0 end along X at y 25..35, its
    floor ``depth`` down running to x=``length``, where its end rises to the top
    in a quarter circle of radius ``depth`` (a side cutter plunged across it)."""
    return cut(
        block(),
        fuse(
            box_at(-AIR, 30 - width / 2, 30 - depth, length + AIR, width, depth + AIR),
            cylinder(length, 30 - width / 2, 30, depth, width, direction=(0, 1, 0)),
        ),
    )


def v_circular_end_blind_slot_with_rounded_end_rim(radius: float = 1.0) -> TopoDS_Shape:
    """The slot of :func:`v_circular_end_blind_slot` (8 deep, rising in a quarter circle
    to the top at x=43) with the edge where its end meets the top rounded ``radius``."""
    slot = v_circular_end_blind_slot()
    maker = BRepFilletAPI_MakeFillet(slot)
    for edge in edges_where(slot, lambda a, b: a[2] == b[2] == 30 and a[0] == b[0] == 43):
        maker.Add(radius, edge)
    return maker.Shape()


def h_circular_end_blind_slot(
    width: float = 10.0, depth: float = 8.0, length: float = 35.0
) -> TopoDS_Shape:
    """Block with a slot entering from the x=0 end along X, centred at y=30,
    ``depth`` deep, its end a half circle in plan centred at x=``length``."""
    return cut(
        block(),
        fuse(
            box_at(-AIR, 30 - width / 2, 30 - depth, length + AIR, width, depth + AIR),
            cylinder(length, 30, 30 - depth, width / 2, depth + AIR),
        ),
    )


def h_circular_end_blind_slot_into_a_pocket() -> TopoDS_Shape:
    """The slot of :func:`h_circular_end_blind_slot` (floor z=22, y 25..35, round end
    about x=35) with a pocket 15 deep (x 10..20, y 30..45) sunk across its wall
    y=35: the slot's floor drops into it past a wall that faces the slot's entry."""
    return cut(h_circular_end_blind_slot(), box_at(10, 30, 15, 10, 15, 15 + AIR))


def h_circular_end_blind_slot_with_its_end_cut() -> TopoDS_Shape:
    """The slot of :func:`h_circular_end_blind_slot` (y 25..35, its end a half circle of
    radius 5 about (35, 30)) with a pocket 20 deep (x 37..45, y 33..40) sunk through
    part of that end: the round end turns less than half a circle."""
    return cut(h_circular_end_blind_slot(), box_at(37, 33, 10, 8, 7, 20 + AIR))


def triangular_passage() -> TopoDS_Shape:
    """Block with a triangular passage through it top to bottom: corners
    (30, 15), (60, 15), (45, 45)."""
    polygon = BRepBuilderAPI_MakePolygon()
    for x, y in ((30, 15), (60, 15), (45, 45)):
        polygon.Add(gp_Pnt(x, y, -AIR))
    polygon.Close()
    face = BRepBuilderAPI_MakeFace(polygon.Wire(), True).Face()
    return cut(block(), BRepPrimAPI_MakePrism(face, gp_Vec(0, 0, 30 + 2 * AIR)).Shape())


def hexagonal_pocket_beside_a_deeper_pocket() -> TopoDS_Shape:
    """Block with a hexagonal pocket 8 deep (floor z=22) about (50, 30), corners 12
    from its centre at (38, 30), (62, 30) and between, and a 8 x 6 pocket 15 deep
    (x 58..66, y 27..33) sunk over its corner at (62, 30): the hexagon's floor
    drops into the deeper pocket there, and its six walls still close round it."""
    corners = [
        (50 + 12 * math.cos(math.radians(a)), 30 + 12 * math.sin(math.radians(a)), 22)
        for a in range(0, 360, 60)
    ]
    pocket = cut(block(), prism(corners, (0, 0, 8 + AIR)))
    return cut(pocket, box_at(58, 27, 15, 8, 6, 15 + AIR))


def holes_through_a_pocket_floor() -> TopoDS_Shape:
    """The 40 x 20 x 10 pocket (x 30..70, y 20..40, floor z=20) with a 6 mm
    hole through its floor and the block at (40, 30), and an 8 mm hole blind
    from the floor at (60, 30), 8 deep to z=12."""
    pocket = cut(block(), box_at(30, 20, 20, 40, 20, 10 + AIR))
    return cut(
        pocket, cylinder(40, 30, -AIR, 3.0, 20 + 2 * AIR), cylinder(60, 30, 12, 4.0, 8 + AIR)
    )


def chamfered_blind_hole(
    diameter: float = 8.0, depth: float = 12.0, chamfer: float = 1.0
) -> TopoDS_Shape:
    """part_builders.box_with_blind_hole with its rim chamfered ``chamfer`` at 45 degrees."""
    shape = cut(block(), cylinder(50, 30, 30 - depth, diameter / 2, depth + AIR))
    maker = BRepFilletAPI_MakeChamfer(shape)
    for edge in edges_where(
        shape, lambda a, b: a[2] == b[2] == 30 and 40 < a[0] < 60 and 20 < a[1] < 40
    ):
        maker.Add(chamfer, edge)
    return maker.Shape()


def two_sided_plate() -> TopoDS_Shape:
    """100 x 60 x 30 block, a pocket and a blind hole in the top, a pocket in the bottom:
    two set-ups (+Z, -Z), both pockets with sharp vertical corners."""
    return cut(
        block(),
        box_at(10.0, 10.0, 20.0, 30.0, 20.0, 10.0 + AIR),
        cylinder(70.0, 30.0, 15.0, 4.0, 15.0 + AIR),
        box_at(60.0, 10.0, -AIR, 30.0, 15.0, 8.0 + AIR),
    )


# ------------------------------------------------------------------- turning

# (radius, z) half profile: 40 mm bar, 30 long; 30 mm to z=50 with a 3 wide,
# 2 deep groove at z=36; a taper from 15 to 10 radius over z 50..60; 20 mm
# to z=80.
SHAFT = [
    (0, 0),
    (20, 0),
    (20, 30),
    (15, 30),
    (15, 36),
    (13, 36),
    (13, 39),
    (15, 39),
    (15, 50),
    (10, 60),
    (10, 80),
    (0, 80),
]


def stepped_shaft() -> TopoDS_Shape:
    return revolve(SHAFT)


# (radius, z) half profile of a 30 mm bar 80 long: a groove 0.5 deep cut
# beside the shoulder of a 24 mm step at z=42, so that the step took the
# groove's far wall: the groove runs z 40..42 at 29 mm.
GROOVE_BESIDE_STEP = [
    (0, 0),
    (15, 0),
    (15, 40),
    (14.5, 40),
    (14.5, 42),
    (12, 42),
    (12, 80),
    (0, 80),
]


def groove_beside_step() -> TopoDS_Shape:
    return revolve(GROOVE_BESIDE_STEP)


# The same bar turned as a staircase: 27 mm (1.5 deep) z 40..60, 24 mm to z=80.
STAIRCASE = [(0, 0), (15, 0), (15, 40), (13.5, 40), (13.5, 60), (12, 60), (12, 80), (0, 80)]


def staircase_shaft() -> TopoDS_Shape:
    return revolve(STAIRCASE)


# A 24 mm bar 30 long about Z turned to Ø20 from z=5 on, with a groove 2 deep
# (Ø16) from z=10 to z=15.
GROOVED_BAR = [
    (0, 0),
    (12, 0),
    (12, 5),
    (10, 5),
    (10, 10),
    (8, 10),
    (8, 15),
    (10, 15),
    (10, 30),
    (0, 30),
]


def grooved_bar_with_rounded_rim(radius: float = 0.5) -> TopoDS_Shape:
    """The groove's rim at z=15 rounded: a convex torus tangent to the Ø20 turned
    diameter and to the groove's wall. The wall is still the groove's, the torus a
    round (the turned diameter took the wall through the round as if it were a fillet)."""
    return _grooved_bar_blended_at(15.0, 10.0, radius)


def grooved_bar_with_filleted_floor_and_slot(radius: float = 0.5) -> TopoDS_Shape:
    """The groove's floor corner at z=15 filleted (a concave torus), and a slot 4 wide
    milled across the bar through the groove and the fillet: the fillet then has
    convex edges with the slot's walls, and the wall beyond it is still the groove's."""
    filleted = _grooved_bar_blended_at(15.0, 8.0, radius)
    return cut(filleted, box_at(-2.0, 7.0, 8.0, 4.0, 10.0, 9.0))


def _grooved_bar_blended_at(z: float, circle_radius: float, radius: float) -> TopoDS_Shape:
    """GROOVED_BAR with its circular edge at height ``z`` and ``circle_radius`` blended."""
    bar = revolve(GROOVED_BAR)
    circle = edges_where(
        bar,
        lambda a, b: abs(a[2] - z) < 1e-6 and abs(math.hypot(a[0], a[1]) - circle_radius) < 1e-6,
    )
    blended = BRepFilletAPI_MakeFillet(bar)
    for edge in circle:
        blended.Add(radius, edge)
    return blended.Shape()


def pocket_through_bar_rim(depth: float = 2.0) -> TopoDS_Shape:
    """A 20 mm bar 40 long about Z with a pocket milled into its end face
    (z=40) ``depth`` deep: x 6..10 and beyond, y -3..3, so that the bar's
    round outside clips the pocket's outer side: floor, three walls."""
    bar = revolve([(0, 0), (10, 0), (10, 40), (0, 40)])
    return cut(bar, box_at(6, -3, 40 - depth, 10, 6, depth + AIR))


def cross_drilled_shaft(diameter: float = 5.0, depth: float = 12.0) -> TopoDS_Shape:
    """A 20 mm bar 60 long about Z with a radial blind hole drilled from +Y at
    z=30, ``depth`` deep: 2 mm past the centre line."""
    bar = revolve([(0, 0), (10, 0), (10, 60), (0, 60)])
    return cut(bar, cylinder(0, 10 + AIR, 30, diameter / 2, depth + AIR, direction=(0, -1, 0)))


def flanged_bushing() -> TopoDS_Shape:
    """Bushing about Z: flange 60 dia x 8, body 40 dia to z=50, bore 20 dia
    through, and two radial 6 mm cross holes through the body wall at z=30
    along X (one each side)."""
    body = revolve([(10, 0), (30, 0), (30, 8), (20, 8), (20, 50), (10, 50)])
    return cut(body, cylinder(-25, 0, 30, 3.0, 50, direction=(1, 0, 0)))


def filleted_pocket(corner: float = 4.0, floor: float = 2.0) -> TopoDS_Shape:
    """The pocket x 30..70, y 20..40, floor z=20, with ``corner`` radii and ``floor``
    fillets round its floor: where fillets of two radii meet, OCCT closes each corner
    with a spline patch (real CAD does the same)."""
    tool = fillet_vertical_edges(box_at(30, 20, 20, 40, 20, 10 + AIR), corner)
    maker = BRepFilletAPI_MakeFillet(tool)
    for edge in edges_where(tool, lambda a, b: abs(a[2] - 20) < 1e-9 and abs(b[2] - 20) < 1e-9):
        maker.Add(floor, edge)
    return cut(block(), maker.Shape())


def pocket_pierced_by_counterbored_hole() -> TopoDS_Shape:
    """The pocket x 30..70, y 20..40, floor z=20 (corner radii 3), and a through hole
    of diameter 6 along X at y=30, z=20 (on the floor's level), counterbored to
    diameter 10 from x=0 to x=35: the counterbore's shoulder stands inside the pocket
    and cuts its floor's edge."""
    pocket = cut(block(), fillet_vertical_edges(box_at(30, 20, 20, 40, 20, 10 + AIR), 3.0))
    hole = cylinder(-AIR, 30, 20, 3.0, 100 + 2 * AIR, direction=(1.0, 0.0, 0.0))
    counterbore = cylinder(-AIR, 30, 20, 5.0, 35 + AIR, direction=(1.0, 0.0, 0.0))
    return cut(pocket, hole, counterbore)


def through_slot_with_chamfered_exit(chamfer: float = 1.5) -> TopoDS_Shape:
    """A through slot 10 wide (y 25..35) and 8 deep along X, its rim on the x=100 face
    chamfered ``chamfer`` at 45 degrees (three planes meeting in the slot's corners)."""
    slotted = cut(block(), box_at(-AIR, 25, 22, 100 + 2 * AIR, 10, 8 + AIR))
    maker = BRepFilletAPI_MakeChamfer(slotted)
    for edge in edges_where(
        slotted,
        lambda a, b: a[0] == b[0] == 100 and all(24 < p[1] < 36 and p[2] > 21 for p in (a, b)),
    ):
        maker.Add(chamfer, edge)
    return maker.Shape()


def corner_cut_by_end_mill(radius: float = 15.0, depth: float = 10.0) -> TopoDS_Shape:
    """A quarter circle of ``radius`` milled ``depth`` deep at the block's corner (0, 0)
    from the top: MFCAD++'s circular blind step."""
    return cut(block(), cylinder(0, 0, 30 - depth, radius, depth + AIR))


def pocket_beside_a_deeper_pocket() -> TopoDS_Shape:
    """Pocket A (x 20..60, y 20..40, floor z=14) and pocket B (x 50..80, y 15..45, floor
    z=22) overlapping it: B's floor drops into A's walls, which do not open B."""
    return cut(block(), box_at(20, 20, 14, 40, 20, 16 + AIR), box_at(50, 15, 22, 30, 30, 8 + AIR))
