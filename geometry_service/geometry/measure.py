"""Exact measuring helpers shared by the feature modules.

Dimensions come from the B-Rep, never from the mesh: vertices and curve
points of the faces, the surfaces' own parameters. The oriented extent of a
floor is the minimum-area rectangle of its outline (rotating calipers on the
convex hull), which is exact for straight-sided floors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from OCP.Bnd import Bnd_Box2d
from OCP.BndLib import BndLib_Add2dCurve
from OCP.BRepAdaptor import BRepAdaptor_Curve2d, BRepAdaptor_Surface
from OCP.BRepTools import BRepTools

from .brep_graph import CURVE_TYPES, SURFACE_TYPES, BRepGraph
from .elementary_faces import PCURVE_LINE, PCURVE_TRACE, cross
from .topology import TORUS, PartTopology

_FEW_POINTS = 200  # below this the monotone chain beats numpy's per-call cost
_FEW_CORNERS = 24  # and below this plain Python beats numpy for the calipers
_ANALYTIC_EDGES = (CURVE_TYPES.index("line"), CURVE_TYPES.index("circle"))


@dataclass(frozen=True)
class RevolutionSurface:
    """A cylinder or a cone as OCCT parametrises it: ``v`` runs along the axis
    from ``location``, where the radius is ``ref_radius``."""

    location: np.ndarray  # (3,)
    direction: np.ndarray  # (3,) unit, the sense v grows in
    ref_radius: float
    semi_angle: float  # signed, radians; 0 for a cylinder

    @property
    def axial_per_v(self) -> float:
        return math.cos(self.semi_angle)

    @property
    def radius_per_v(self) -> float:
        return math.sin(self.semi_angle)


def revolution_surface(graph: BRepGraph, face_id: int) -> RevolutionSurface:
    """The exact frame of a cylindrical or conical face (the graph keeps the half
    angle unsigned, and a cone's sense of v is in the sign)."""
    surface = BRepAdaptor_Surface(graph.face(face_id), True)
    if SURFACE_TYPES[graph.face_surface_type[face_id]] == "cylinder":
        gp, semi_angle = surface.Cylinder(), 0.0
        ref_radius = gp.Radius()
    else:
        gp = surface.Cone()
        semi_angle, ref_radius = gp.SemiAngle(), gp.RefRadius()
    position = gp.Position()
    return RevolutionSurface(
        np.array(position.Location().Coord()),
        np.array(position.Direction().Coord()),
        ref_radius,
        semi_angle,
    )


def uv_bounds(graph: BRepGraph, face_id: int) -> tuple[float, float, float, float]:
    """(umin, umax, vmin, vmax) of a face in its surface's parameters: the box the
    graph took (OCCT's, or its loops' own lines and circles, within 2e-13 of it)."""
    umin, umax, vmin, vmax = graph.face_uv_bounds[face_id].tolist()
    return umin, umax, vmin, vmax


def face_vertices(topology: PartTopology, face_ids: list[int]) -> np.ndarray:
    """Coordinates of the ends of the faces' edges (their vertices), (N, 3)."""
    edges = [e for f in face_ids for e in topology.face_edges(f)]
    return topology.edge_ends[edges].reshape(-1, 3)


def face_outline(topology: PartTopology, face_id: int) -> np.ndarray:
    """Points on the face's boundary: line ends, and samples along curved edges."""
    points = [topology.edge_points(e) for e in topology.face_edges(face_id)]
    return np.concatenate(points) if points else np.zeros((0, 3))


def edge_v_ranges(topology: PartTopology, face_id: int) -> dict[int, tuple[float, float]]:
    """The v range of each edge of a face in the face's parameter space.

    On a cylinder or cone v runs along the axis, so these give exact axial
    extents. A curve in (u, v) that the graph read as a line or a straight
    trace (the rims and seams that exporters write as B-splines) runs
    straight between its ends, so those bound it. Other edges ask OCCT: for
    lines and circles its quick UV bounds are exact; for intersection curves
    (B-splines, ellipses) the quick bounds take in the control polygon and
    overshoot, so those are bounded by optimisation instead (40 us an edge:
    5.6 of trj2_as1-ec-214.stp's 13 ms of holes went there).
    """
    graph = topology.graph
    coedges = topology.coedges(face_id)
    pcurves = graph.coedge_pcurves
    kinds = pcurves.kind[coedges]
    straight = ((kinds == PCURVE_LINE) | (kinds == PCURVE_TRACE)).tolist()
    data = pcurves.data[coedges]
    v_first = (data[:, 1] + pcurves.first[coedges] * data[:, 3]).tolist()
    v_last = (data[:, 1] + pcurves.last[coedges] * data[:, 3]).tolist()
    face = None
    ranges: dict[int, tuple[float, float]] = {}
    for k, edge_id in enumerate(graph.coedge_edge[coedges].tolist()):
        if edge_id in ranges:
            continue
        if straight[k]:
            ranges[edge_id] = (min(v_first[k], v_last[k]), max(v_first[k], v_last[k]))
            continue
        face = graph.face(face_id) if face is None else face
        edge = graph.edge(edge_id)
        if graph.edge_curve_type[edge_id] in _ANALYTIC_EDGES:
            _, _, vmin, vmax = BRepTools.UVBounds_s(face, edge)
        else:
            curve = BRepAdaptor_Curve2d(edge, face)
            box = Bnd_Box2d()
            BndLib_Add2dCurve.AddOptimal_s(
                curve.Curve(), curve.FirstParameter(), curve.LastParameter(), 0.0, box
            )
            box.SetGap(0.0)
            vmin, vmax = box.GetYMin(), box.GetYMax()
        ranges[edge_id] = (vmin, vmax)
    return ranges


def plane_basis(normal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors spanning the plane normal to ``normal`` (a right-handed
    frame with it). Written out: numpy's cross costs 25 us a call."""
    nx, ny, nz = (float(c) for c in normal)
    k = min(range(3), key=lambda i: abs((nx, ny, nz)[i]))
    if k == 0:
        u = (0.0, nz, -ny)
    elif k == 1:
        u = (-nz, 0.0, nx)
    else:
        u = (ny, -nx, 0.0)
    norm = math.sqrt(u[0] ** 2 + u[1] ** 2 + u[2] ** 2)
    u = (u[0] / norm, u[1] / norm, u[2] / norm)
    v = (ny * u[2] - nz * u[1], nz * u[0] - nx * u[2], nx * u[1] - ny * u[0])
    return np.array(u), np.array(v)


def _convex_hull(points: np.ndarray) -> np.ndarray:
    """Convex hull of 2D points, counter-clockwise, without collinear points.

    Few points (a prismatic floor): Andrew's monotone chain on Python floats.
    Many (a real part's outline has thousands of points and a dozen
    corners): quickhull with numpy, where each step keeps the points outside
    the hull edge found so far and takes the farthest as a new corner, a few
    array passes per corner instead of a Python step per point."""
    pts = np.round(points, 9)
    if len(pts) < _FEW_POINTS:
        return _monotone_chain(pts)
    order = np.lexsort((pts[:, 1], pts[:, 0]))
    first, last = pts[order[0]], pts[order[-1]]  # lowest and highest x (ties by y)
    if np.array_equal(first, last):
        return first[None, :]
    lower = _hull_chain(pts, first, last)
    upper = _hull_chain(pts, last, first)
    return np.asarray([first, *lower, last, *upper], dtype=float)


def _monotone_chain(points: np.ndarray) -> np.ndarray:
    pts = sorted(set(map(tuple, points.tolist())))
    if len(pts) < 3:
        return np.asarray(pts, dtype=float).reshape(-1, 2)
    lower, upper = _left_turns(pts), _left_turns(pts[::-1])
    return np.asarray(lower[:-1] + upper[:-1], dtype=float)


def _left_turns(sequence: list) -> list:
    """Andrew's half hull: the points of ``sequence`` (sorted along a line) where
    the chain through them turns left, collinear ones dropped."""
    chain: list = []
    for p in sequence:
        while len(chain) >= 2:
            a, b = chain[-2], chain[-1]
            if (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) > 1e-12:
                break
            chain.pop()
        chain.append(p)
    return chain


def _hull_chain(points: np.ndarray, start: np.ndarray, end: np.ndarray) -> list[np.ndarray]:
    """Hull corners strictly right of the line start -> end, in order from start."""
    edge = end - start
    cross = edge[1] * (points[:, 0] - start[0]) - edge[0] * (points[:, 1] - start[1])
    scale = max(1.0, float(np.abs(edge).max()))
    outside = cross > 1e-12 * scale * scale
    if not outside.any():
        return []
    candidates = points[outside]
    if len(candidates) < _FEW_POINTS:
        return _chain_between(candidates, start, end)
    far = candidates[int(np.argmax(cross[outside]))]
    return [*_hull_chain(candidates, start, far), far, *_hull_chain(candidates, far, end)]


def _chain_between(points: np.ndarray, start: np.ndarray, end: np.ndarray) -> list[np.ndarray]:
    """The same corners by a monotone chain along start -> end on Python floats.

    Quickhull's numpy passes pay off while many points remain; near a round
    outline every point is a corner, and one array pass per point cost 40 ms on
    a real part's 1,900 arc points (trj8_k1-hc-214.stp)."""
    edge = end - start
    offset = points - start
    along = offset @ edge
    left = edge[0] * offset[:, 1] - edge[1] * offset[:, 0]
    ordered = points[np.lexsort((left, along))].tolist()
    chain = _left_turns([start.tolist(), *ordered, end.tolist()])
    return [np.asarray(p) for p in chain[1:-1]]


def min_area_rectangle(flat: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Side lengths and the direction of the first side of the minimum-area
    rectangle around 2D points (rotating calipers on their convex hull)."""
    hull = _convex_hull(flat)
    if len(hull) < 2:
        return 0.0, 0.0, np.array([1.0, 0.0])
    if len(hull) <= _FEW_CORNERS:
        return _calipers_small(hull.tolist())
    edges = np.roll(hull, -1, axis=0) - hull
    norms = np.hypot(edges[:, 0], edges[:, 1])
    keep = norms > 1e-12
    d = edges[keep] / norms[keep, None]
    along = hull @ d.T
    across = hull @ np.stack([-d[:, 1], d[:, 0]], axis=1).T
    a, b = np.ptp(along, axis=0), np.ptp(across, axis=0)
    area = a * b
    best = int(np.flatnonzero(area <= area.min() + 1e-12)[0])  # the first of equals: stable output
    return float(a[best]), float(b[best]), d[best]


def _calipers_small(hull: list[list[float]]) -> tuple[float, float, np.ndarray]:
    """The same on Python floats, for the few corners of a milled floor."""
    best = (math.inf, 0.0, 0.0, (1.0, 0.0))
    count = len(hull)
    for i in range(count):
        (x0, y0), (x1, y1) = hull[i], hull[(i + 1) % count]
        norm = math.hypot(x1 - x0, y1 - y0)
        if norm <= 1e-12:
            continue
        dx, dy = (x1 - x0) / norm, (y1 - y0) / norm
        along = [x * dx + y * dy for x, y in hull]
        across = [y * dx - x * dy for x, y in hull]
        a, b = max(along) - min(along), max(across) - min(across)
        if a * b < best[0] - 1e-12:
            best = (a * b, a, b, (dx, dy))
    return best[1], best[2], np.array(best[3])


def oriented_extent(points: np.ndarray, normal: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Length, width and length direction of the minimum-area rectangle of the
    points projected on the plane normal to ``normal`` (length >= width)."""
    u, v = plane_basis(normal)
    a, b, d = min_area_rectangle(np.stack([points @ u, points @ v], axis=1))
    direction = d[0] * u + d[1] * v
    if a < b:
        a, b, direction = b, a, cross(normal, direction)
    if direction[int(np.argmax(np.abs(direction)))] < 0:
        direction = -direction  # a direction without a sense: report it one way
    return a, b, direction


def extent_along(points: np.ndarray, direction: np.ndarray) -> tuple[float, float]:
    """Lowest and highest projection of the points on ``direction``."""
    along = points @ direction
    return float(along.min()), float(along.max())


def unit(vector: np.ndarray) -> list[float]:
    """A direction as a JSON list, cleaned of -0.0 and rounding fuzz."""
    v = np.asarray(vector, dtype=float)
    return (np.round(v / math.sqrt(float(v @ v)), 12) + 0.0).tolist()


def bulges_out(topology: PartTopology, face: int) -> bool:
    """A convex blend (a round, an outside chamfer), not a concave one (a fillet in a
    corner): a torus's normal points away from its tube's centre circle; a cylinder's
    or cone's away from its axis."""
    graph = topology.graph
    if graph.face_surface_type[face] != TORUS:
        return not topology.inward(face)
    axis = graph.face_axis[face]
    point = graph.face_sample_point[face]
    radial = point - graph.face_axis_point[face]
    radial -= np.dot(radial, axis) * axis
    radial /= np.linalg.norm(radial)
    centre = graph.face_axis_point[face] + graph.face_radius[face] * radial
    centre += np.dot(point - graph.face_axis_point[face], axis) * axis
    return float(np.dot(graph.face_sample_normal[face], point - centre)) > 0.0
