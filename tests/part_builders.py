"""Test parts with exactly known geometry, built from OCP primitives and booleans.

Every builder returns a ``TopoDS_Shape`` whose face count, surface types,
dimensions and volume follow from its arguments, so the geometry tests can
assert exact facts instead of plausible ranges. Each docstring states the
counts as they read back from a STEP round trip (OCCT keeps a full cylinder
as one face with a seam edge).

Frame: prismatic parts sit on the XY plane with their minimum corner at the
origin, X along the length, Y along the width, Z up; turned parts turn about
the Z axis. All lengths are millimetres.
"""

from __future__ import annotations

from pathlib import Path

from OCP.BRep import BRep_Builder
from OCP.BRepAdaptor import BRepAdaptor_Curve
from OCP.BRepBuilderAPI import (
    BRepBuilderAPI_MakePolygon,
    BRepBuilderAPI_Transform,
)
from OCP.BRepFilletAPI import BRepFilletAPI_MakeChamfer, BRepFilletAPI_MakeFillet
from OCP.collections import IndexedMap_TopoDS_Shape_TopTools_ShapeMapHasher as IndexedMapOfShape
from OCP.gp import gp_Pnt, gp_Trsf, gp_Vec
from OCP.IFSelect import IFSelect_RetDone
from OCP.IGESControl import IGESControl_Controller, IGESControl_Writer
from OCP.Interface import Interface_Static
from OCP.STEPControl import STEPControl_AsIs, STEPControl_Writer
from OCP.TopAbs import TopAbs_EDGE, TopAbs_FACE, TopAbs_SHELL
from OCP.TopExp import TopExp, TopExp_Explorer
from OCP.TopoDS import TopoDS, TopoDS_Compound, TopoDS_Shape

from geometry_service.geometry.cad_reader import CadModel, silence_occt
from training.placement import placed, random_placement
from training.shapes import box_at, cut, cylinder, revolve

# Every prismatic part but the hole plate is cut from this block.
BLOCK = (100.0, 60.0, 30.0)

# Air a cutting tool reaches past the faces it cuts through, so that no
# boolean has to resolve two coincident faces.
_OVERSHOOT = 1.0


# ------------------------------------------------------------ edge lookup


def _edge_between(shape: TopoDS_Shape, start: tuple, end: tuple):
    """The edge of ``shape`` whose ends are ``start`` and ``end`` (either way round)."""
    wanted = {_rounded(gp_Pnt(*start)), _rounded(gp_Pnt(*end))}
    edges = IndexedMapOfShape()
    TopExp.MapShapes_s(shape, TopAbs_EDGE, edges)
    for index in range(1, edges.Extent() + 1):
        edge = TopoDS.Edge(edges.FindKey(index))
        curve = BRepAdaptor_Curve(edge)
        ends = {
            _rounded(curve.Value(curve.FirstParameter())),
            _rounded(curve.Value(curve.LastParameter())),
        }
        if ends == wanted:
            return edge
    raise LookupError(f"no edge from {start} to {end}")


def _rounded(point: gp_Pnt) -> tuple[float, float, float]:
    return (round(point.X(), 6), round(point.Y(), 6), round(point.Z(), 6))


# ------------------------------------------------------------------- parts


def box(length: float = 100.0, width: float = 60.0, height: float = 30.0) -> TopoDS_Shape:
    """A plain block from the origin to (length, width, height).

    6 faces, all planes; 12 straight edges, all convex; volume l*w*h.
    """
    return box_at(0.0, 0.0, 0.0, length, width, height)


def box_with_through_hole(diameter: float = 10.0) -> TopoDS_Shape:
    """The 100x60x30 block with a vertical hole through its centre (50, 30).

    7 faces: 6 planes (top and bottom have two loops) and 1 cylinder of
    radius diameter/2. The two rim circles (z=0 and z=30) are convex; the
    cylinder's seam is smooth. Volume 180000 - pi*r^2*30.
    """
    length, width, height = BLOCK
    hole = cylinder(length / 2, width / 2, -_OVERSHOOT, diameter / 2, height + 2 * _OVERSHOOT)
    return cut(box(), hole)


def box_with_blind_hole(diameter: float = 8.0, depth: float = 12.0) -> TopoDS_Shape:
    """The 100x60x30 block with a flat-bottomed hole drilled down from the top centre.

    8 faces: 7 planes (the block's six and the hole floor at z=30-depth) and
    1 cylinder of radius diameter/2. The rim circle at z=30 is convex, the floor
    circle concave. Volume 180000 - pi*r^2*depth.
    """
    length, width, height = BLOCK
    hole = cylinder(length / 2, width / 2, height - depth, diameter / 2, depth + _OVERSHOOT)
    return cut(box(), hole)


def box_with_pocket(length: float = 40.0, width: float = 20.0, depth: float = 10.0) -> TopoDS_Shape:
    """The 100x60x30 block with a sharp-cornered rectangular pocket centred in its top.

    11 faces, all planes: the block's six (top with two loops), 4 pocket walls
    and the pocket floor at z=30-depth. The 4 rim edges are convex; the 4
    floor edges and the 4 vertical corner edges are concave.
    Volume 180000 - length*width*depth.
    """
    block_length, block_width, height = BLOCK
    pocket = box_at(
        (block_length - length) / 2,
        (block_width - width) / 2,
        height - depth,
        length,
        width,
        depth + _OVERSHOOT,
    )
    return cut(box(), pocket)


def box_with_slot(width: float = 10.0, depth: float = 8.0) -> TopoDS_Shape:
    """The 100x60x30 block with a square slot across its top, along Y, centred at x=50.

    10 faces, all planes: bottom, the two X ends, the two Y sides (each now
    notched), the top split in two, 2 slot walls and the slot floor at
    z=30-depth. The 2 rim edges (top/wall) are convex, the 2 floor edges
    concave. Volume 180000 - width*depth*60.
    """
    block_length, block_width, height = BLOCK
    slot = box_at(
        (block_length - width) / 2,
        -_OVERSHOOT,
        height - depth,
        width,
        block_width + 2 * _OVERSHOOT,
        depth + _OVERSHOOT,
    )
    return cut(box(), slot)


def box_with_step(
    step_length: float = 30.0, step_depth: float = 10.0, at_start: bool = False
) -> TopoDS_Shape:
    """The 100x60x30 block with a step milled along its +X end (the x=0 end with
    ``at_start``), across the whole width.

    8 faces, all planes: bottom, the x=0 end, the lowered x=100 end, the two
    L-shaped Y sides, the shortened top, the step floor at z=30-step_depth and
    the step wall at x=100-step_length (mirrored with ``at_start``). The
    floor/wall edge is concave, the top/wall edge convex. Volume
    180000 - step_length*step_depth*60.
    """
    block_length, block_width, height = BLOCK
    step = box_at(
        -_OVERSHOOT if at_start else block_length - step_length,
        -_OVERSHOOT,
        height - step_depth,
        step_length + _OVERSHOOT,
        block_width + 2 * _OVERSHOOT,
        step_depth + _OVERSHOOT,
    )
    return cut(box(), step)


def chamfered_filleted_block(chamfer: float = 2.0, fillet_radius: float = 3.0) -> TopoDS_Shape:
    """The 100x60x30 block with its top front edge chamfered and top back edge filleted.

    Both edges run along X (front: y=0, z=30; back: y=60, z=30), so the
    chamfer and the fillet never meet and the volume stays exact:
    180000 - 100*(chamfer^2/2 + fillet_radius^2*(1 - pi/4)).
    8 faces: 7 planes (the block's six and the 45-degree chamfer) and 1
    cylinder of radius fillet_radius. The chamfer's two long edges are convex;
    the fillet's two long edges are smooth (tangent).
    """
    length, width, height = BLOCK
    block = box()
    fillet = BRepFilletAPI_MakeFillet(block)
    back_edge = _edge_between(block, (0, width, height), (length, width, height))
    fillet.Add(fillet_radius, back_edge)
    filleted = fillet.Shape()
    chamfered = BRepFilletAPI_MakeChamfer(filleted)
    front_edge = _edge_between(filleted, (0, 0, height), (length, 0, height))
    chamfered.Add(chamfer, front_edge)
    return chamfered.Shape()


# (radius, z) corners of the turned shaft's half profile, counter-clockwise
# in the XZ plane: 20 mm diameter for 30, 30 mm for 40 with a groove 3 wide
# and 2 deep starting at z=45, then 16 mm for 20.
SHAFT_PROFILE = [
    (0.0, 0.0),
    (10.0, 0.0),
    (10.0, 30.0),
    (15.0, 30.0),
    (15.0, 45.0),
    (13.0, 45.0),
    (13.0, 48.0),
    (15.0, 48.0),
    (15.0, 70.0),
    (8.0, 70.0),
    (8.0, 90.0),
    (0.0, 90.0),
]


def turned_shaft() -> TopoDS_Shape:
    """A stepped shaft with one groove, turned about Z from ``SHAFT_PROFILE``.

    11 faces: 5 cylinders (radii 10, 15, 13 groove floor, 15, 8) and 6 planes
    (end discs at z=0 and z=90, shoulders at z=30 and z=70, groove sides at
    z=45 and z=48). The groove floor circles are concave; the groove's outer
    rims and the shoulders' outer circles are convex, the shoulders' inner
    circles concave. Volume pi*(10^2*30 + 15^2*15 + 13^2*3 + 15^2*22 + 8^2*20)
    = 13112*pi.
    """
    return revolve(SHAFT_PROFILE)


def hole_grid_plate(
    rows: int = 10,
    cols: int = 10,
    diameter: float = 5.0,
    pitch: float = 10.0,
    thickness: float = 10.0,
    chamfer: float = 0.5,
) -> TopoDS_Shape:
    """A plate with a rows x cols grid of through holes, both rims chamfered 45 degrees.

    The plate is (cols+1)*pitch by (rows+1)*pitch by ``thickness``; hole (i, j)
    is centred at ((j+1)*pitch, (i+1)*pitch). Each hole is 3 faces (a cylinder
    of radius diameter/2 between two 45-degree cones), so the part has
    6 + 3*rows*cols faces: 306 for 10x10, the plate OCCT_NOTES.md times.
    With chamfer=0 the holes are plain cylinders: 6 + rows*cols faces.
    Hole volume: pi*r^2*(thickness - 2c) + 2*pi*c/3*((r+c)^2 + (r+c)*r + r^2).
    """
    radius = diameter / 2
    plate = box_at(0.0, 0.0, 0.0, (cols + 1) * pitch, (rows + 1) * pitch, thickness)
    tool = _hole_tool(radius, thickness, chamfer)
    holes = []
    for row in range(rows):
        for col in range(cols):
            move = gp_Trsf()
            move.SetTranslation(gp_Vec((col + 1) * pitch, (row + 1) * pitch, 0.0))
            holes.append(BRepBuilderAPI_Transform(tool, move, True).Shape())
    return cut(plate, *holes)


def _hole_tool(radius: float, thickness: float, chamfer: float) -> TopoDS_Shape:
    """A drill body about Z for a hole through z in [0, thickness], chamfered at both ends."""
    if chamfer == 0.0:
        return cylinder(0.0, 0.0, -_OVERSHOOT, radius, thickness + 2 * _OVERSHOOT)
    # The cones go on past the plate faces by the overshoot, keeping their 45 degrees.
    mouth = radius + chamfer + _OVERSHOOT
    return revolve(
        [
            (0.0, -_OVERSHOOT),
            (mouth, -_OVERSHOOT),
            (radius, chamfer),
            (radius, thickness - chamfer),
            (mouth, thickness + _OVERSHOOT),
            (0.0, thickness + _OVERSHOOT),
        ]
    )


def two_solid_assembly() -> list[TopoDS_Shape]:
    """Two separate solids for ``write_assembly_step``: the plain block and a pin beside it.

    The block is ``box()``; the pin is a cylinder of radius 10 and height 40
    standing at (150, 30, 0). Together: 9 faces (block 6 planes; pin 2 planes
    and 1 cylinder), 2 solids, volume 180000 + 4000*pi, overall bounding box
    (0, 0, 0) to (160, 60, 40).
    """
    return [box(), cylinder(150.0, 30.0, 0.0, 10.0, 40.0)]


# --------------------------------------------------------------- placement


def turned_and_moved(shape: TopoDS_Shape, seed: int) -> TopoDS_Shape:
    """``shape`` under a random rotation and shift drawn from ``seed``
    (training/placement.py), geometry rewritten exactly, so faces and edges keep
    their order and every area and angle its value: tests compare the answer on
    the part as built with the answer on the part turned.
    """
    return placed(shape, random_placement(seed))


# -------------------------------------------------------------------- STEP


def model_of(shape: TopoDS_Shape, solid_count: int = 1) -> CadModel:
    """``shape`` as the reader would hand it over (faces mapped, no names), without a
    file: for tests of the graph on shapes built here."""
    faces = IndexedMapOfShape()
    TopExp.MapShapes_s(shape, TopAbs_FACE, faces)
    return CadModel(
        shape=shape,
        faces=faces,
        face_names=[None] * faces.Extent(),
        solid_count=solid_count,
        read_ms=0.0,
    )


def write_step(shape: TopoDS_Shape, path: Path, unit: str = "MM") -> Path:
    """Write ``shape`` as AP214 STEP in ``unit`` (e.g. "MM", "M", "INCH").

    The unit is a global OCCT setting, so it is put back to millimetres
    afterwards whatever happens: other writers in the process expect it.
    """
    silence_occt()
    path = Path(path)
    writer = STEPControl_Writer()  # registers the write.step.* settings on first use
    if not Interface_Static.SetCVal_s("write.step.unit", unit):
        raise ValueError(f"OCCT refused STEP unit {unit!r}")
    try:
        if writer.Transfer(shape, STEPControl_AsIs) != IFSelect_RetDone:
            raise RuntimeError(f"STEP transfer failed for {path.name}")
        if writer.Write(str(path)) != IFSelect_RetDone:
            raise RuntimeError(f"STEP write failed for {path}")
    finally:
        Interface_Static.SetCVal_s("write.step.unit", "MM")
    return path


def triangle_wire() -> TopoDS_Shape:
    """A closed triangle of edges: geometry, but no face to draw."""
    return BRepBuilderAPI_MakePolygon(
        gp_Pnt(0, 0, 0), gp_Pnt(10, 0, 0), gp_Pnt(10, 10, 0), True
    ).Wire()


def faces_only(shape: TopoDS_Shape, leave_out: int = 0) -> TopoDS_Shape:
    """The faces of ``shape`` as a compound of loose faces, with no shell or solid:
    what a surface-model export holds. ``leave_out`` drops the last faces (an open model)."""
    faces = IndexedMapOfShape()
    TopExp.MapShapes_s(shape, TopAbs_FACE, faces)
    compound, builder = TopoDS_Compound(), BRep_Builder()
    builder.MakeCompound(compound)
    for index in range(1, faces.Extent() + 1 - leave_out):
        builder.Add(compound, faces.FindKey(index))
    return compound


def shell_only(shape: TopoDS_Shape) -> TopoDS_Shape:
    """The closed shell of a one-solid ``shape``, without the solid entity around it."""
    explorer = TopExp_Explorer(shape, TopAbs_SHELL)
    return TopoDS.Shell(explorer.Current())


def write_iges(shape: TopoDS_Shape, path: Path, solids: bool = True) -> Path:
    """Write ``shape`` as IGES in millimetres: as B-Rep solids (MSBO, type 186) when
    ``solids``, else as trimmed surfaces only (type 144), as many CAD systems export."""
    silence_occt()
    IGESControl_Controller.Init_s()
    writer = IGESControl_Writer("MM", 1 if solids else 0)
    if not writer.AddShape(shape):
        raise RuntimeError(f"IGES transfer failed for {path.name}")
    writer.ComputeModel()
    if not writer.Write(str(path)):
        raise RuntimeError(f"IGES write failed for {path}")
    return Path(path)


def write_assembly_step(shapes: list[TopoDS_Shape], path: Path) -> Path:
    """Write several solids as one STEP file (one compound: a flat assembly)."""
    compound = TopoDS_Compound()
    builder = BRep_Builder()
    builder.MakeCompound(compound)
    for shape in shapes:
        builder.Add(compound, shape)
    return write_step(compound, path)
