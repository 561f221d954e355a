"""Crossing wires on faces with many holes, looked for only where they can cross.

The STEP reader heals every face with OCCT's ShapeFix_Face, whose fix for
intersecting wires takes every pair of a face's wires and builds a copy of the
second wire's edge list before it even compares the two wires' boxes. On a face
with W holes that is W^2/2 pairs: 4.3 s of the 9.2 s transfer of a plate of
3,306 holes (9,924 faces), 139 ms of the 771 ms of the 1,956-face plate in
``make bench``. A STEP file with a face of more than MANY_WIRES wires (perforated
plates, grilles) is therefore transferred without that fix, and the fix is run
here afterwards with OCCT's own tool: on every face of up to MANY_WIRES wires, and
on a larger face only when the boxes in (u, v) of two edges of different wires
overlap, which is the only place OCCT's fix looks for a crossing. Files with no
such face are healed as before, in the transfer. A face that the fix changes
here is a new face to the transfer's map, so it keeps its id but not its STEP
name.
"""

from __future__ import annotations

import mmap
import re

import numpy as np
from OCP.BRepTools import BRepTools
from OCP.Precision import Precision
from OCP.ShapeBuild import ShapeBuild_ReShape
from OCP.ShapeFix import ShapeFix_IntersectionTool
from OCP.TopAbs import TopAbs_EDGE, TopAbs_FACE, TopAbs_WIRE
from OCP.TopExp import TopExp_Explorer
from OCP.TopoDS import TopoDS, TopoDS_Shape

MANY_WIRES = 64
"""Past this many wires on one face a file's crossing wires are looked for here. The
most wires on a face of the OCCT and NIST test files is 34 (NIST CTC 04), so none
of them takes this path."""

CROSSING_WIRES_FIX = "FixShape.FixIntersectingWiresMode"
"""The STEP reader's ShapeFix step that this module runs in its place."""

MAX_BOX_PAIRS = 5_000_000
"""Edge boxes compared at most on one face; past that OCCT's own fix runs on it."""

_FACE_BOUNDS = re.compile(rb"ADVANCED_FACE\s*\(\s*'[^']*'\s*,\s*\(([^)]*)\)")


def most_face_bounds(step_text: bytes | mmap.mmap) -> int:
    """The most bounds (wires) any ADVANCED_FACE of a STEP file lists, read from its
    text before the transfer (about 1 ms a megabyte); 0 where none can be read so."""
    return max((match[1].count(b",") + 1 for match in _FACE_BOUNDS.finditer(step_text)), default=0)


def fix_crossing_wires(shape: TopoDS_Shape, precision: float, max_tolerance: float) -> TopoDS_Shape:
    """``shape`` with OCCT's intersecting-wires fix run on every face where it can act
    (see the module's docstring); ``shape`` itself where it changed nothing."""
    context = ShapeBuild_ReShape()
    tool = ShapeFix_IntersectionTool(context, precision, max_tolerance)
    changed = False
    faces = TopExp_Explorer(shape, TopAbs_FACE)
    while faces.More():
        face = TopoDS.Face(faces.Current())
        wires = _wires(face)
        if len(wires) >= 2 and (len(wires) <= MANY_WIRES or _edges_may_cross(face, wires)):
            changed |= tool.FixIntersectingWires(face)
        faces.Next()
    return context.Apply(shape) if changed else shape


def _wires(face) -> list:
    wires = []
    explorer = TopExp_Explorer(face, TopAbs_WIRE)
    while explorer.More():
        wires.append(TopoDS.Wire(explorer.Current()))
        explorer.Next()
    return wires


def _edges_may_cross(face, wires: list) -> bool:
    """Whether the (u, v) boxes of two edges of different wires of ``face`` overlap.

    Each box is the edge's curve on the face, widened by more than OCCT's own
    widening (Precision::Confusion) and its intersection tolerance (1e-10), so
    that no two edges OCCT would compare are missed."""
    boxes, owner = [], []
    for index, wire in enumerate(wires):
        edges = TopExp_Explorer(wire, TopAbs_EDGE)
        while edges.More():
            boxes.append(BRepTools.UVBounds_s(face, TopoDS.Edge(edges.Current())))
            owner.append(index)
            edges.Next()
    box = np.asarray(boxes, dtype=float)  # umin, umax, vmin, vmax
    extent = float(max(np.ptp(box[:, :2]), np.ptp(box[:, 2:]), 1.0))
    margin = 10.0 * Precision.Confusion_s() + 1e-9 * extent
    box[:, [0, 2]] -= margin
    box[:, [1, 3]] += margin
    return _boxes_overlap(box, np.asarray(owner))


def _boxes_overlap(box: np.ndarray, owner: np.ndarray) -> bool:
    """Sweep along u: each box against the boxes that start within its u range."""
    order = np.argsort(box[:, 0], kind="stable")
    box, owner = box[order], owner[order]
    reach = np.searchsorted(box[:, 0], box[:, 1], side="right")
    later = np.maximum(reach - np.arange(len(box)) - 1, 0)
    total = int(later.sum())
    if total > MAX_BOX_PAIRS:
        return True
    first = np.repeat(np.arange(len(box)), later)
    second = first + 1 + np.arange(total) - np.repeat(np.cumsum(later) - later, later)
    return bool(
        np.any(
            (owner[first] != owner[second])
            & (box[second, 2] <= box[first, 3])
            & (box[first, 2] <= box[second, 3])
        )
    )
