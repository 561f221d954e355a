"""The stock a part is machined from, and which faces are still stock.

A prismatic part comes from a block: its faces that lie on the block's six
planes (outward normal matching) were never cut. The part-level
numbers a shop prices from are the block size (axis-aligned here, the
minimal turned box in oriented_box.py) and the volume removed from it
(volume.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .brep_graph import BRepGraph
from .oriented_box import OrientedBox
from .outline import PartOutline, bulge_points, exact_other_curves_box
from .topology import ANGLE_TOL, PLANE, PartTopology

TURNED_STOCK_SHARE = 0.9  # the minimal box is the stock below this share of the axis-aligned one


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


def stock_box(topology: PartTopology, outline: PartOutline) -> StockBox:
    """The tight axis-aligned box of the part's faces.

    Bounding whole faces optimally costs more than recognition itself on a
    real part (20 ms a torus, 0.6 s on a 484-face part); the outline's edges
    and bulges give the same box exactly.
    """
    lower, upper = np.empty(3), np.empty(3)
    for k, axis in enumerate(np.eye(3)):
        lower[k], upper[k] = outline.extent(axis)
    graph = topology.graph
    # A point of a curve lies within half its length of one of its ends, so
    # only curves whose ends come that close to the box can push it out.
    ends = topology.edge_ends[outline.other_curves]
    reach = 0.5 * graph.edge_length[outline.other_curves][:, None, None]
    near = np.any((ends - reach < lower) | (ends + reach > upper), axis=(1, 2))
    curves = exact_other_curves_box(
        graph, [e for e, n in zip(outline.other_curves, near, strict=True) if n], lower, upper
    )
    if curves is not None:
        lower, upper = np.minimum(lower, curves[0]), np.maximum(upper, curves[1])
    bulges = bulge_points(graph, np.eye(3), np.stack([lower, upper], axis=1))
    if len(bulges):
        lower, upper = np.minimum(lower, bulges.min(axis=0)), np.maximum(upper, bulges.max(axis=0))
    return StockBox(lower, upper)


def reach_along(
    outline: PartOutline, graph: BRepGraph, direction: np.ndarray
) -> tuple[float, float]:
    """The part's lowest and highest reach along one unit ``direction``: its edges'
    (arcs exactly) and the bulges of sphere and torus faces past them (a disc with
    a fully rounded rim reaches past every edge). Free-form curves count by their
    sampled points."""
    low, high = outline.extent(direction)
    bulges = bulge_points(graph, direction[None, :], np.array([[low, high]])) @ direction
    if len(bulges):
        low, high = min(low, float(bulges.min())), max(high, float(bulges.max()))
    return low, high


def stock_block(box: StockBox, minimal: OrientedBox) -> OrientedBox:
    """The block the part is cut from: the axis-aligned box, unless the part
    sits turned in the model so that a box along its own faces is clearly
    smaller. Not simply the minimal box: deep slanted cuts can make a turned
    box a little smaller than the block the part was really cut from."""
    if minimal.volume < TURNED_STOCK_SHARE * box.volume:
        return minimal
    return OrientedBox.axis_aligned(box.lower, box.upper)


def box_plane_faces(topology: PartTopology, box: OrientedBox) -> np.ndarray:
    """Planar faces lying on a side of the block with the same outward
    normal: uncut stock. The block is the minimal box, so a part modelled
    turned away from the world axes keeps its stock faces."""
    graph = topology.graph
    stock = np.zeros(graph.face_count, dtype=bool)
    planes = np.flatnonzero(graph.face_surface_type == PLANE)
    normals = graph.face_axis[planes] @ box.axes.T  # in the box's frame
    k = np.argmax(np.abs(normals), axis=1)
    rows = np.arange(len(planes))
    square = np.abs(normals[rows, k]) > 1.0 - ANGLE_TOL
    centre = box.axes @ box.center
    level = centre[k] + np.sign(normals[rows, k]) * box.size[k] / 2.0
    along = (graph.face_sample_point[planes] @ box.axes.T)[rows, k]
    stock[planes] = square & (np.abs(along - level) < 10.0 * topology.length_tol)
    return stock
