"""The primitives and booleans parts are built from: the labelled training parts
(generator.py) and the tests' parts (tests/part_builders.py, tests/feature_parts.py
and the tests' own). One copy, so a fix to how a part is made reaches both.

Lengths are millimetres; a profile is a closed list of (radius, axial) points.
OCP only: no torch, so the tests import it without the training stack.
"""

from __future__ import annotations

import math

from OCP.BRepAlgoAPI import BRepAlgoAPI_Cut, BRepAlgoAPI_Fuse
from OCP.BRepBuilderAPI import BRepBuilderAPI_MakeFace, BRepBuilderAPI_MakePolygon
from OCP.BRepPrimAPI import (
    BRepPrimAPI_MakeBox,
    BRepPrimAPI_MakeCylinder,
    BRepPrimAPI_MakePrism,
    BRepPrimAPI_MakeRevol,
)
from OCP.collections import List_TopoDS_Shape as ListOfShape
from OCP.gp import gp_Ax1, gp_Ax2, gp_Dir, gp_Pnt, gp_Vec
from OCP.TopoDS import TopoDS_Shape


def box_at(x0: float, y0: float, z0: float, dx: float, dy: float, dz: float) -> TopoDS_Shape:
    """The box with its minimum corner at (x0, y0, z0) and sides dx, dy, dz."""
    return BRepPrimAPI_MakeBox(gp_Pnt(x0, y0, z0), dx, dy, dz).Shape()


def box_between(
    lower: tuple[float, float, float], upper: tuple[float, float, float]
) -> TopoDS_Shape:
    """The box with opposite corners ``lower`` and ``upper``."""
    return BRepPrimAPI_MakeBox(gp_Pnt(*lower), gp_Pnt(*upper)).Shape()


def cylinder(
    x: float,
    y: float,
    z0: float,
    radius: float,
    height: float,
    direction: tuple[float, float, float] = (0.0, 0.0, 1.0),
) -> TopoDS_Shape:
    """The cylinder whose base circle is centred at (x, y, z0), along ``direction``."""
    axis = gp_Ax2(gp_Pnt(x, y, z0), gp_Dir(*direction))
    return BRepPrimAPI_MakeCylinder(axis, radius, height).Shape()


def prism(
    points: list[tuple[float, float, float]], extrusion: tuple[float, float, float]
) -> TopoDS_Shape:
    """The closed polygon through ``points`` swept along ``extrusion``."""
    polygon = BRepBuilderAPI_MakePolygon()
    for point in points:
        polygon.Add(gp_Pnt(*point))
    polygon.Close()
    face = BRepBuilderAPI_MakeFace(polygon.Wire()).Face()
    return BRepPrimAPI_MakePrism(face, gp_Vec(*extrusion)).Shape()


def revolve(
    points: list[tuple[float, float]],
    centre: tuple[float, float, float] = (0.0, 0.0, 0.0),
    axis: tuple[float, float, float] = (0.0, 0.0, 1.0),
) -> TopoDS_Shape:
    """Turn a closed (radius, axial) profile a full turn about the axis through ``centre``.

    The profile lies in the plane of the axis and X (or Y for an axis along X).
    Profile edges along the axis vanish, edges parallel to it become
    cylinders, edges square to it planes, and slanted edges cones.
    """
    side = (1.0, 0.0, 0.0) if abs(axis[0]) < 0.5 else (0.0, 1.0, 0.0)
    polygon = BRepBuilderAPI_MakePolygon()
    for radius, t in points:
        polygon.Add(gp_Pnt(*(centre[k] + radius * side[k] + t * axis[k] for k in range(3))))
    polygon.Close()
    face = BRepBuilderAPI_MakeFace(polygon.Wire(), True).Face()
    return BRepPrimAPI_MakeRevol(
        face, gp_Ax1(gp_Pnt(*centre), gp_Dir(*axis)), 2.0 * math.pi
    ).Shape()


def cut(stock: TopoDS_Shape, *tools: TopoDS_Shape) -> TopoDS_Shape:
    """Subtract every tool from ``stock`` in one boolean (faster than one cut per tool)."""
    arguments, tool_list = ListOfShape(), ListOfShape()
    arguments.Append(stock)
    for tool in tools:
        tool_list.Append(tool)
    operation = BRepAlgoAPI_Cut()
    operation.SetArguments(arguments)
    operation.SetTools(tool_list)
    operation.Build()
    if not operation.IsDone():
        raise RuntimeError("boolean cut failed while building a test part")
    return operation.Shape()


def fuse(*shapes: TopoDS_Shape) -> TopoDS_Shape:
    """The union of ``shapes``, one after another."""
    result = shapes[0]
    for shape in shapes[1:]:
        result = BRepAlgoAPI_Fuse(result, shape).Shape()
    return result
