"""The stock a part is machined from, and which faces are still stock.

A prismatic part comes from an axis-aligned block: its faces that lie on the
block's six planes (outward normal matching) were never cut. The part-level
numbers a shop prices from are the block size (axis-aligned, and an oriented
box along the principal axes) and the volume removed from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from OCP.Bnd import Bnd_Box, Bnd_OBB
from OCP.BRep import BRep_Builder
from OCP.BRepBndLib import BRepBndLib
from OCP.BRepGProp import BRepGProp
from OCP.GProp import GProp_GProps
from OCP.TopoDS import TopoDS_Compound

from ..geometry.brep_graph import BRepGraph
from .topology import ANGLE_TOL, PLANE, PartTopology


@dataclass
class StockBox:
    """Axis-aligned block around the part (no OCCT enlargement gap)."""

    lower: np.ndarray
    upper: np.ndarray

    @property
    def size(self) -> np.ndarray:
        return self.upper - self.lower

    @property
    def volume(self) -> float:
        return float(np.prod(self.size))


def faces_compound(graph: BRepGraph) -> TopoDS_Compound:
    """All faces of the part in one compound: bounding and volume need a shape."""
    builder = BRep_Builder()
    compound = TopoDS_Compound()
    builder.MakeCompound(compound)
    for face_id in range(graph.face_count):
        builder.Add(compound, graph.face(face_id))
    return compound


def stock_box(compound: TopoDS_Compound) -> StockBox:
    box = Bnd_Box()
    BRepBndLib.AddOptimal_s(compound, box, False, False)
    return StockBox(np.array(box.CornerMin().Coord()), np.array(box.CornerMax().Coord()))


def oriented_box(compound: TopoDS_Compound) -> dict[str, list[float]]:
    """Oriented box along the part's principal axes: centre, axes and sizes.

    OCCT's PCA box, not its optimal (minimal-volume) search: that one costs
    more than reading the part (15 ms on a 30-face turned part) and gains
    nothing on the axis-aligned parts shops mostly quote."""
    obb = Bnd_OBB()
    BRepBndLib.AddOBB_s(compound, obb, False, False, False)
    axes = [obb.XDirection(), obb.YDirection(), obb.ZDirection()]
    half = [obb.XHSize(), obb.YHSize(), obb.ZHSize()]
    return {
        "center": list(obb.Center().Coord()),
        "axes": [list(axis.Coord()) for axis in axes],
        "size": [2.0 * h for h in half],
    }


def part_volume(compound: TopoDS_Compound) -> float:
    """Volume enclosed by the faces (Gauss over oriented faces of closed shells)."""
    props = GProp_GProps()
    BRepGProp.VolumeProperties_s(compound, props)
    return abs(props.Mass())


def box_plane_faces(topology: PartTopology, box: StockBox) -> np.ndarray:
    """Planar faces lying on a block face with the same outward normal: uncut stock."""
    graph = topology.graph
    stock = np.zeros(graph.face_count, dtype=bool)
    tol = 10.0 * topology.length_tol
    for face in np.flatnonzero(graph.face_surface_type == PLANE):
        normal = graph.face_axis[face]
        k = int(np.argmax(np.abs(normal)))
        if abs(normal[k]) < 1.0 - ANGLE_TOL:
            continue
        level = box.upper[k] if normal[k] > 0 else box.lower[k]
        stock[face] = abs(graph.face_sample_point[face][k] - level) < tol
    return stock
