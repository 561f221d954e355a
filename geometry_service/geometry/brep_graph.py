"""The B-Rep of a part as numpy arrays: faces, edges and coedges.

This is the topology that both recognizers consume: the rule-based one reads
surfaces, convexity and adjacency; the BRepNet-style network convolves over
coedges (next, previous, mate). The OCCT loop runs once per face, coedge and
edge and reads what they are; faces on planes, cylinders, cones, spheres and
tori are then measured as arrays (elementary_faces.py), and OCCT integrates
and evaluates only what those arrays cannot describe.

Conventions:
- face ``i`` is ``CadModel.faces.FindKey(i + 1)``; edge ``j`` likewise in ``edges``.
- face normals point out of the material (the face's orientation is applied).
- a coedge is one use of an edge by a face loop, oriented as the loop runs
  (counter-clockwise around the outward normal for an outer loop).
- an edge is convex when the material angle across it is under 180 degrees,
  concave when over, smooth when the faces meet tangentially.

OCCT segfaults when asked to evaluate a face with no surface (an AP242
tessellated face) or an edge with no curve: such faces and edges keep their
place in the topology, with type "other" and no measures, and every surface
evaluation below checks first.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
from OCP.Bnd import Bnd_Box2d
from OCP.BndLib import BndLib_Add2dCurve
from OCP.BRep import BRep_Tool
from OCP.BRepAdaptor import BRepAdaptor_Curve, BRepAdaptor_Curve2d, BRepAdaptor_Surface
from OCP.BRepTools import BRepTools, BRepTools_WireExplorer
from OCP.collections import IndexedMap_TopoDS_Shape_TopTools_ShapeMapHasher as IndexedMapOfShape
from OCP.GCPnts import GCPnts_AbscissaPoint
from OCP.GeomAbs import GeomAbs_CurveType, GeomAbs_SurfaceType
from OCP.gp import gp_Pnt, gp_Pnt2d, gp_Vec
from OCP.TopAbs import TopAbs_EDGE, TopAbs_REVERSED, TopAbs_WIRE
from OCP.TopExp import TopExp, TopExp_Explorer
from OCP.TopoDS import TopoDS

from .cad_reader import CadModel
from .elementary_faces import (
    PCURVE_CIRCLE,
    PCURVE_LINE,
    PCURVE_OTHER,
    PCURVE_TRACE,
    EdgeCurves,
    Pcurves,
    SurfaceFrames,
    area_and_centroid,
    cross,
    integrable,
    plane_pcurves,
    uv_boxes,
)
from .face_integrals import Rule, face_rule, surface_properties
from .instances import Copies, copied_edges, find_copies
from .spline_patches import measure_rectangles

SURFACE_TYPES = ("plane", "cylinder", "cone", "sphere", "torus", "bspline", "other")
CURVE_TYPES = ("line", "circle", "ellipse", "bspline", "other")

# OCCT's kinds of surface and curve, and a shape's orientation, as the ints of their
# enums: the loop below runs once per face, coedge and edge, and a pybind11 enum
# costs about 0.6 us to compare or hash where its int costs a few ns.
_KIND_PLANE = GeomAbs_SurfaceType.GeomAbs_Plane.value
_KIND_CYLINDER = GeomAbs_SurfaceType.GeomAbs_Cylinder.value
_KIND_CONE = GeomAbs_SurfaceType.GeomAbs_Cone.value
_KIND_SPHERE = GeomAbs_SurfaceType.GeomAbs_Sphere.value
_KIND_TORUS = GeomAbs_SurfaceType.GeomAbs_Torus.value
_KIND_EXTRUSION = GeomAbs_SurfaceType.GeomAbs_SurfaceOfExtrusion.value
_KIND_LINE = GeomAbs_CurveType.GeomAbs_Line.value
_KIND_CIRCLE = GeomAbs_CurveType.GeomAbs_Circle.value
_KIND_BSPLINE_CURVE = GeomAbs_CurveType.GeomAbs_BSplineCurve.value
_KIND_BEZIER_CURVE = GeomAbs_CurveType.GeomAbs_BezierCurve.value
_REVERSED = TopAbs_REVERSED.value

_SURFACE_CODE = {
    _KIND_PLANE: 0,
    _KIND_CYLINDER: 1,
    _KIND_CONE: 2,
    _KIND_SPHERE: 3,
    _KIND_TORUS: 4,
    GeomAbs_SurfaceType.GeomAbs_BSplineSurface.value: 5,
    GeomAbs_SurfaceType.GeomAbs_BezierSurface.value: 5,
}
_CURVE_CODE = {
    _KIND_LINE: 0,
    _KIND_CIRCLE: 1,
    GeomAbs_CurveType.GeomAbs_Ellipse.value: 2,
    _KIND_BSPLINE_CURVE: 3,
    _KIND_BEZIER_CURVE: 3,
}
_OTHER_SURFACE = SURFACE_TYPES.index("other")
_PLANE = SURFACE_TYPES.index("plane")
_ELEMENTARY_SURFACES = frozenset(
    {_KIND_PLANE, _KIND_CYLINDER, _KIND_CONE, _KIND_SPHERE, _KIND_TORUS}
)
_FREEFORM_SURFACES = frozenset(
    {
        GeomAbs_SurfaceType.GeomAbs_BSplineSurface.value,
        GeomAbs_SurfaceType.GeomAbs_BezierSurface.value,
    }
)
_OTHER_CURVE = CURVE_TYPES.index("other")


class Convexity(IntEnum):
    CONCAVE = 0
    CONVEX = 1
    SMOOTH = 2


@dataclass
class BRepGraph:
    """Faces, edges and coedges of a part; every array is indexed by id."""

    # Faces (F).
    face_surface_type: np.ndarray  # int8, index into SURFACE_TYPES
    face_area: np.ndarray  # float64 mm^2
    face_centroid: np.ndarray  # (F, 3)
    face_axis: np.ndarray  # (F, 3): plane normal (outward) or axis of revolution
    face_axis_point: np.ndarray  # (F, 3): a point on the plane or on the axis (sphere: centre)
    face_radius: np.ndarray  # cylinder, cone (reference), sphere, torus (major); NaN if none
    face_minor_radius: np.ndarray  # torus minor radius; NaN otherwise
    face_half_angle: np.ndarray  # cone half angle in radians; NaN otherwise
    face_sample_point: np.ndarray  # (F, 3) a point on the face (its UV centre)
    face_sample_normal: np.ndarray  # (F, 3) outward normal there
    face_uv_bounds: np.ndarray  # (F, 4) umin, umax, vmin, vmax in the surface's parameters
    face_loop_count: np.ndarray  # int16, number of wires
    face_rule: np.ndarray  # int8 face_integrals.Rule: how OCCT integrates the face
    face_volume_share: np.ndarray  # 1/3 of the integral of x.n where measured here, else NaN
    face_names: list[str | None]

    # Edges (E).
    edge_curve_type: np.ndarray  # int8, index into CURVE_TYPES
    edge_length: np.ndarray  # float64 mm
    edge_convexity: np.ndarray  # int8 Convexity
    edge_dihedral: np.ndarray  # signed angle between face normals: + convex, - concave
    edge_closed: np.ndarray  # bool: the edge is a closed curve (full circle)
    edge_degenerate: np.ndarray  # bool: a collapsed edge (cone apex, sphere pole)
    edge_midpoint: np.ndarray  # (E, 3)
    edge_radius: np.ndarray  # circle radius; NaN otherwise
    edge_circle: np.ndarray  # (E, 9) a circle's centre, x and y axes (its frame); zeros otherwise
    edge_range: np.ndarray  # (E, 2) first and last parameter of the edge on its curve

    # Coedges (C).
    coedge_face: np.ndarray  # int32
    coedge_edge: np.ndarray  # int32
    coedge_next: np.ndarray  # int32, next coedge in the same loop
    coedge_prev: np.ndarray  # int32
    coedge_mate: np.ndarray  # int32, the coedge on the other side of the edge, -1 if none
    coedge_reversed: np.ndarray  # bool, runs against the edge's curve
    coedge_pcurves: Pcurves = field(repr=False)  # curves in (u, v) where lines, circles, traces

    faces: IndexedMapOfShape = field(repr=False)
    edges: IndexedMapOfShape = field(repr=False)
    build_ms: float = 0.0
    integration_ms: float = 0.0  # of build_ms: OCCT integrating the faces arrays do not measure
    copies: Copies | None = field(default=None, repr=False)  # placements of repeated bodies

    @property
    def face_count(self) -> int:
        return len(self.face_area)

    @property
    def edge_count(self) -> int:
        return len(self.edge_length)

    @property
    def coedge_count(self) -> int:
        return len(self.coedge_face)

    def face(self, face_id: int):
        return TopoDS.Face(self.faces.FindKey(face_id + 1))

    def edge(self, edge_id: int):
        return TopoDS.Edge(self.edges.FindKey(edge_id + 1))

    def face_adjacency(self) -> tuple[np.ndarray, np.ndarray]:
        """Pairs of distinct faces that share an edge, and the edge they share.

        Returns ``(pairs (K, 2) int32, edge_ids (K,) int32)``; seams are left out.
        """
        has_mate = self.coedge_mate >= 0
        first = np.flatnonzero(has_mate & (np.arange(self.coedge_count) < self.coedge_mate))
        pairs = np.stack(
            [self.coedge_face[first], self.coedge_face[self.coedge_mate[first]]], axis=1
        )
        distinct = pairs[:, 0] != pairs[:, 1]
        return pairs[distinct].astype(np.int32), self.coedge_edge[first][distinct]

    def surface_type_names(self) -> list[str]:
        return [SURFACE_TYPES[code] for code in self.face_surface_type]


def build_graph(model: CadModel, smooth_angle_deg: float = 1.0) -> BRepGraph:
    """Extract the graph of ``model``; faces keep the reader's ids and names.

    One pass of OCCT calls reads what each face, coedge and edge is (surface
    frames, curves in (u, v), edge curves); the measures of elementary faces
    then come from arrays (elementary_faces.py), and OCCT integrates and
    evaluates only the free-form faces and the coedges whose curves the
    arrays do not describe. A body placed several times (instances.py) is
    measured once: its other placements' faces and edges take the first
    placement's measures, moved."""
    started = time.perf_counter()
    face_count = model.face_count
    edges = IndexedMapOfShape()
    TopExp.MapShapes_s(model.shape, TopAbs_EDGE, edges)
    copies = find_copies(model.shape, model.faces, edges)
    face_source = copies.face_source.tolist() if copies is not None else [-1] * face_count

    surfaces = _FaceGeometry(face_count)
    adaptors: list[BRepAdaptor_Surface | None] = []
    faces = []
    coedges = _CoedgeLists()
    copied: list[int] = []  # faces that take their source's measures
    for face_id in range(face_count):
        face = TopoDS.Face(model.faces.FindKey(face_id + 1))
        faces.append(face)
        source = face_source[face_id]
        if (
            source >= 0
            and adaptors[source] is not None  # a source with no surface was not measured
            and coedges.copy_face(face_id, source, copies.edge_copies(face_id))
        ):
            surfaces.loop_count[face_id] = surfaces.loop_count[source]
            adaptors.append(None)
            copied.append(face_id)
            continue
        adaptor = _surface_adaptor(face)
        adaptors.append(adaptor)
        if adaptor is not None:
            surfaces.measure(face_id, face, adaptor)
        kind = int(surfaces.frames.kind[face_id])
        surfaces.loop_count[face_id] = coedges.add_face_loops(face_id, face, edges, kind)

    coedge_arrays = coedges.to_arrays()
    pcurves = coedges.pcurves()
    edge_data, edge_curves = _measure_edges(
        edges, faces, adaptors, coedges, pcurves, surfaces, math.radians(smooth_angle_deg), copies
    )
    plane_pcurves(
        surfaces.frames,
        edge_curves,
        coedge_arrays["coedge_face"],
        coedge_arrays["coedge_edge"],
        pcurves,
    )
    if copied:
        coedges.copy_pcurves(pcurves, copied, face_source)
    surfaces.measure_elementary(faces, pcurves, coedge_arrays)
    surfaces.measure_freeform(faces)
    if copied:
        surfaces.copy_measures(np.array(copied), copies)

    return BRepGraph(
        face_surface_type=surfaces.surface_type,
        face_area=surfaces.area,
        face_centroid=surfaces.centroid,
        face_axis=surfaces.axis,
        face_axis_point=surfaces.axis_point,
        face_radius=surfaces.radius,
        face_minor_radius=surfaces.minor_radius,
        face_half_angle=surfaces.half_angle,
        face_sample_point=surfaces.sample_point,
        face_sample_normal=surfaces.sample_normal,
        face_uv_bounds=surfaces.uv_bounds,
        face_loop_count=surfaces.loop_count,
        face_rule=surfaces.rule,
        face_volume_share=surfaces.volume_share,
        face_names=list(model.face_names),
        **edge_data,
        **coedge_arrays,
        coedge_pcurves=pcurves,
        faces=model.faces,
        edges=edges,
        build_ms=(time.perf_counter() - started) * 1000.0,
        integration_ms=surfaces.integration_ms,
        copies=copies,
    )


def _surface_adaptor(face) -> BRepAdaptor_Surface | None:
    """The face's surface, or None where it has none. Restricted to the face's
    (u, v) box only for free-form surfaces, whose derivatives on a knot at the
    face's border depend on it; elsewhere the box (10 us a face) changes nothing."""
    if not BRep_Tool.IsGeometric_s(face):
        return None
    adaptor = BRepAdaptor_Surface(face, False)
    if adaptor.GetType().value in _ELEMENTARY_SURFACES:
        return adaptor
    return BRepAdaptor_Surface(face, True)


def _xyz(p) -> tuple[float, float, float]:
    return p.Coord()


def _outward_normal(adaptor: BRepAdaptor_Surface, reversed_face: bool, u: float, v: float):
    """Unit outward normal of a face at (u, v), or None where it is undefined."""
    point, d1u, d1v = gp_Pnt(), gp_Vec(), gp_Vec()
    adaptor.D1(u, v, point, d1u, d1v)
    normal = d1u.Crossed(d1v)
    magnitude = normal.Magnitude()
    if magnitude < 1e-12:
        return point, None
    normal.Divide(-magnitude if reversed_face else magnitude)
    return point, normal


class _FaceGeometry:
    """Per-face arrays: what OCCT tells face by face in :meth:`measure`, what
    arrays tell of elementary faces in :meth:`measure_elementary`."""

    def __init__(self, count: int) -> None:
        self.surface_type = np.full(count, _OTHER_SURFACE, dtype=np.int8)
        self.area = np.zeros(count)
        self.centroid = np.zeros((count, 3))
        self.axis = np.zeros((count, 3))
        self.axis_point = np.zeros((count, 3))
        self.radius = np.full(count, np.nan)
        self.minor_radius = np.full(count, np.nan)
        self.half_angle = np.full(count, np.nan)
        self.sample_point = np.zeros((count, 3))
        self.sample_normal = np.zeros((count, 3))
        self.loop_count = np.zeros(count, dtype=np.int16)
        self.rule = np.full(count, Rule.FIXED, dtype=np.int8)
        self.volume_share = np.full(count, np.nan)
        self.vector_area = np.full((count, 3), np.nan)  # where volume_share is measured here
        self.freeform: list[int] = []  # measured after the loop, all at once
        self.integration_ms = 0.0
        self.reversed = np.zeros(count, dtype=bool)
        self.uv_centre = np.zeros((count, 2))
        self.u_start = np.zeros(count)
        self.uv_bounds = np.zeros((count, 4))
        self.frames = SurfaceFrames(
            kind=np.full(count, -1),
            origin=np.zeros((count, 3)),
            x=np.zeros((count, 3)),
            y=np.zeros((count, 3)),
            z=np.zeros((count, 3)),
            radius=np.zeros(count),
            minor=np.zeros(count),
            semi_angle=np.zeros(count),
        )

    def measure(self, i: int, face, adaptor: BRepAdaptor_Surface) -> None:
        reversed_face = face.Orientation().value == _REVERSED
        self.reversed[i] = reversed_face
        kind = adaptor.GetType().value
        code = _SURFACE_CODE.get(kind, _OTHER_SURFACE)
        self.surface_type[i] = code

        if kind not in _ELEMENTARY_SURFACES:
            self._set_uv_bounds(i, BRepTools.UVBounds_s(face))
            if kind in _FREEFORM_SURFACES:
                self.freeform.append(i)
            else:
                self.rule[i] = face_rule(face, freeform=False, extruded=kind == _KIND_EXTRUSION)
                self.integrate(i, face)
            point, normal = _outward_normal(adaptor, reversed_face, *self.uv_centre[i])
            self.sample_point[i] = _xyz(point)
            if normal is not None:
                self.sample_normal[i] = _xyz(normal)
            return

        frames = self.frames
        frames.kind[i] = code
        if kind == _KIND_PLANE:
            position = adaptor.Plane().Position()
            sign = -1.0 if reversed_face else 1.0
            self.axis[i] = [sign * c for c in _xyz(position.Direction())]
            self.axis_point[i] = _xyz(position.Location())
        elif kind == _KIND_CYLINDER:
            cylinder = adaptor.Cylinder()
            position = cylinder.Position()
            self.radius[i] = frames.radius[i] = cylinder.Radius()
        elif kind == _KIND_CONE:
            cone = adaptor.Cone()
            position = cone.Position()
            self.radius[i] = frames.radius[i] = cone.RefRadius()
            frames.semi_angle[i] = cone.SemiAngle()
            self.half_angle[i] = abs(frames.semi_angle[i])
        elif kind == _KIND_SPHERE:
            sphere = adaptor.Sphere()
            position = sphere.Position()
            self.radius[i] = frames.radius[i] = sphere.Radius()
        else:
            torus = adaptor.Torus()
            position = torus.Position()
            self.radius[i] = frames.radius[i] = torus.MajorRadius()
            self.minor_radius[i] = frames.minor[i] = torus.MinorRadius()
        frames.origin[i] = _xyz(position.Location())
        frames.x[i] = _xyz(position.XDirection())
        frames.y[i] = _xyz(position.YDirection())
        frames.z[i] = _xyz(position.Direction())
        if kind == _KIND_SPHERE:
            self.axis_point[i] = frames.origin[i]
        elif kind != _KIND_PLANE:
            self.axis[i] = frames.z[i]
            self.axis_point[i] = frames.origin[i]

    def _set_uv_bounds(self, faces, bounds) -> None:
        """Each face's box in (u, v), the centre its sample point is taken at, and the
        lowest u, where the antiderivatives of area_and_centroid start: for one face
        (an index and OCCT's 4-tuple, 2 us) or many (indices and an (F, 4) array)."""
        bounds = np.asarray(bounds)
        self.uv_bounds[faces] = bounds
        self.uv_centre[faces] = 0.5 * (bounds[..., 0:4:2] + bounds[..., 1:4:2])
        self.u_start[faces] = bounds[..., 0]

    def measure_elementary(self, faces: list, pcurves: Pcurves, coedges: dict) -> None:
        """(u, v) boxes, sample points, normals, areas and centroids of the elementary
        faces: arrays where their loops are lines and circles, OCCT's where not."""
        elementary = np.flatnonzero(self.frames.kind >= 0)
        if not len(elementary):
            return
        bounds, known = uv_boxes(pcurves, coedges["coedge_face"], len(self.frames.kind))
        boxed = known[elementary]
        self._set_uv_bounds(elementary[boxed], bounds[elementary[boxed]])
        unboxed = elementary[~boxed].tolist()
        if unboxed:
            self._set_uv_bounds(unboxed, [BRepTools.UVBounds_s(faces[i]) for i in unboxed])
        u, v = self.uv_centre[elementary].T
        point, normal = self.frames.unit_normals(elementary, u, v, self.reversed[elementary])
        self.sample_point[elementary], self.sample_normal[elementary] = point, normal
        exact = integrable(self.frames, pcurves, coedges["coedge_face"])
        closed_form = np.flatnonzero(exact)
        self.area[closed_form], self.centroid[closed_form] = area_and_centroid(
            self.frames,
            pcurves,
            coedges["coedge_face"],
            coedges["coedge_reversed"],
            closed_form,
            self.u_start,
        )
        for i in np.flatnonzero((self.frames.kind >= 0) & ~exact).tolist():
            self.integrate(i, faces[i])

    def measure_freeform(self, faces: list) -> None:
        """Area and centroid of the B-spline and Bezier faces: from arrays where a
        face is a whole rational patch (spline_patches.py, which also gives its
        share of the volume), by OCCT's integration where not."""
        if not self.freeform:
            return
        ids = np.array(self.freeform)
        patches = measure_rectangles([faces[i] for i in self.freeform], self.uv_bounds[ids])
        done = ids[patches.measured]
        self.area[done] = patches.area[patches.measured]
        self.centroid[done] = patches.centroid[patches.measured]
        self.volume_share[done] = patches.volume_share[patches.measured]
        self.vector_area[done] = patches.vector_area[patches.measured]
        for i in ids[~patches.measured].tolist():
            self.rule[i] = face_rule(faces[i], freeform=True)
            self.integrate(i, faces[i])

    def copy_measures(self, faces: np.ndarray, copies: Copies) -> None:
        """Each copied face's measures from its source: sizes, kinds and (u, v) as they
        are, points moved and directions turned, and a volume share measured here
        moved too: x.n over the copy is (R x + t).(R n) over the source, its share
        plus t.(R S)/3 for the source's vector area S."""
        source, motion = copies.face_source[faces], copies.face_motion[faces]
        frames = self.frames
        for array in (
            self.surface_type,
            self.area,
            self.radius,
            self.minor_radius,
            self.half_angle,
            self.rule,
            self.reversed,
            self.uv_bounds,
            self.uv_centre,
            self.u_start,
            frames.kind,
            frames.radius,
            frames.minor,
            frames.semi_angle,
        ):
            array[faces] = array[source]
        for array in (self.centroid, self.sample_point):
            array[faces] = copies.moved_points(array[source], motion)
        framed = frames.kind[source] >= 0  # the others have no axis point: zeros stay zeros
        for array in (self.axis_point, frames.origin):
            array[faces] = array[source]
            array[faces[framed]] = copies.moved_points(array[source[framed]], motion[framed])
        for array in (self.axis, self.sample_normal, frames.x, frames.y, frames.z):
            array[faces] = copies.turned(array[source], motion)
        vector_area = copies.turned(self.vector_area[source], motion)
        self.vector_area[faces] = vector_area
        self.volume_share[faces] = (
            self.volume_share[source]
            + np.einsum("ij,ij->i", copies.translation[motion], vector_area) / 3.0
        )

    def integrate(self, i: int, face) -> None:
        """Area and centroid by OCCT, by the rule face_integrals.py picked; timed,
        because on real parts this is most of the graph's cost (make bench)."""
        started = time.perf_counter()
        self.area[i], self.centroid[i] = surface_properties(face, Rule(self.rule[i]))
        self.integration_ms += (time.perf_counter() - started) * 1000.0


class _CoedgeLists:
    """Coedges gathered loop by loop; next and previous are known as they come."""

    def __init__(self) -> None:
        self.face: list[int] = []
        self.edge: list[int] = []
        self.reversed: list[bool] = []
        self.next: list[int] = []
        self.prev: list[int] = []
        self.oriented_edges: list = []
        self.pcurve_rows: list[tuple | None] = []
        self.face_range: dict[int, tuple[int, int]] = {}  # face id: its first and past-last coedge

    def add_face_loops(self, face_id: int, face, edges: IndexedMapOfShape, kind: int) -> int:
        """Append the coedges of every loop of ``face``; return the loop count.

        On a curved elementary face each coedge's curve in (u, v) is read too:
        lines and circles as numbers, anything else marked for OCCT."""
        first = len(self.face)
        loops = 0
        curved = kind > _PLANE  # a plane's curves in (u, v) come from its edges (plane_pcurves)
        wires = TopExp_Explorer(face, TopAbs_WIRE)
        while wires.More():
            start = len(self.face)
            walker = BRepTools_WireExplorer(TopoDS.Wire(wires.Current()), face)
            while walker.More():
                edge = (
                    walker.Current()
                )  # its Orientation(), not the walker's: that one is wrong for closed edges
                self.face.append(face_id)
                self.edge.append(edges.FindIndex(edge) - 1)
                self.reversed.append(edge.Orientation().value == _REVERSED)
                self.oriented_edges.append(edge)
                self.pcurve_rows.append(_pcurve_row(edge, face) if curved else None)
                walker.Next()
            count = len(self.face) - start
            ids = list(range(start, start + count))
            self.next.extend(ids[1:] + ids[:1])
            self.prev.extend(ids[-1:] + ids[:-1])
            loops += 1
            wires.Next()
        self.face_range[face_id] = (first, len(self.face))
        return loops

    def copy_face(self, face_id: int, source: int, edge_copies: dict[int, int]) -> bool:
        """Append the coedges of ``face_id``, a moved copy of ``source``: the source's
        loops over the copies of its edges (``edge_copies``: source edge id to copy
        edge id), the same way round; False, and nothing appended, where an edge has
        no copy there. Their curves in (u, v) come later (:meth:`copy_pcurves`)."""
        start, end = self.face_range[source]
        edges = [edge_copies.get(edge, -1) for edge in self.edge[start:end]]
        if -1 in edges:
            return False
        first, count = len(self.face), end - start
        shift = first - start
        self.face.extend([face_id] * count)
        self.edge.extend(edges)
        self.reversed.extend(self.reversed[start:end])
        self.next.extend([coedge + shift for coedge in self.next[start:end]])
        self.prev.extend([coedge + shift for coedge in self.prev[start:end]])
        self.oriented_edges.extend([None] * count)  # asked only of edges measured here
        self.pcurve_rows.extend([None] * count)
        self.face_range[face_id] = (first, first + count)
        return True

    def copy_pcurves(self, pcurves: Pcurves, faces: list[int], face_source: list[int]) -> None:
        """Give the coedges of each copied face its source's curves in (u, v)."""
        ranges = [self.face_range[face] for face in faces]
        source_ranges = [self.face_range[face_source[face]] for face in faces]
        copy = np.concatenate([np.arange(start, end) for start, end in ranges])
        source = np.concatenate([np.arange(start, end) for start, end in source_ranges])
        pcurves.kind[copy] = pcurves.kind[source]
        pcurves.data[copy] = pcurves.data[source]
        pcurves.first[copy] = pcurves.first[source]
        pcurves.last[copy] = pcurves.last[source]

    def pcurves(self) -> Pcurves:
        """The coedges' curves in (u, v) as arrays; kind other where none was read."""
        rows = [row or _NO_PCURVE for row in self.pcurve_rows]
        table = np.array(rows, dtype=float).reshape(-1, 10)
        return Pcurves(
            kind=table[:, 0].astype(int), data=table[:, 1:8], first=table[:, 8], last=table[:, 9]
        )

    def uses_of_edges(self, edge_count: int) -> list[list[int]]:
        uses: list[list[int]] = [[] for _ in range(edge_count)]
        for coedge_id, edge_id in enumerate(self.edge):
            uses[edge_id].append(coedge_id)
        return uses

    def to_arrays(self) -> dict[str, np.ndarray]:
        edge = np.asarray(self.edge, dtype=np.int32)
        return {
            "coedge_face": np.asarray(self.face, dtype=np.int32),
            "coedge_edge": edge,
            "coedge_next": np.asarray(self.next, dtype=np.int32),
            "coedge_prev": np.asarray(self.prev, dtype=np.int32),
            "coedge_mate": _mates(edge),
            "coedge_reversed": np.asarray(self.reversed, dtype=bool),
        }


_NO_PCURVE = (0.0,) * 10
STRAIGHT_TRACE_TOLERANCE = 1e-10
"""How far off the line (relative to the ends' distance) a B-spline's poles may lie
for it to count as a straight trace. The 70 cylinders of trj2_as1-ec-214.stp,
every edge a cubic of 25 poles, are off by 1e-17 of it."""


def _pcurve_row(edge, face) -> tuple | None:
    """(kind, 7 numbers, first, last) of a coedge's curve in (u, v) on a curved
    face; None where OCCT has none or it is neither a line, a circle nor a straight
    trace."""
    curve = BRepAdaptor_Curve2d(edge, face)
    kind = curve.GetType().value  # "other" where the edge has no curve on the face
    if kind == _KIND_LINE:
        line = curve.Line()
        numbers = (*line.Location().Coord(), *line.Direction().Coord(), 0.0, 0.0, 0.0)
        code = PCURVE_LINE
    elif kind == _KIND_CIRCLE:
        circle = curve.Circle()
        position = circle.Position()
        numbers = (
            *position.Location().Coord(),
            *position.XDirection().Coord(),
            *position.YDirection().Coord(),
            circle.Radius(),
        )
        code = PCURVE_CIRCLE
    elif kind == _KIND_BSPLINE_CURVE:
        spline = curve.BSpline()
        numbers, code = _straight_bspline(spline), PCURVE_LINE
        if numbers is None:
            numbers, code = _straight_trace(curve, spline), PCURVE_TRACE
        if numbers is None:
            return None
    elif kind == _KIND_BEZIER_CURVE:
        numbers, code = _straight_trace(curve, curve.Bezier()), PCURVE_TRACE
        if numbers is None:
            return None
    else:
        return None
    return (code, *numbers, curve.FirstParameter(), curve.LastParameter())


def _straight_bspline(spline) -> tuple | None:
    """A degree-1 B-spline of two poles (how many exporters write a straight
    trace in (u, v)) as the line (origin, direction) in its own parameter; None
    for any other B-spline: OCCT integrates those faces (its fixed Gauss rule
    is up to 7e-4 off on such faces, but the answers keep its figures)."""
    if spline.Degree() != 1 or spline.NbPoles() != 2 or spline.IsRational():
        return None
    (x1, y1), (x2, y2) = spline.Pole(1).Coord(), spline.Pole(2).Coord()
    k1, k2 = spline.Knot(1), spline.Knot(2)
    dx, dy = (x2 - x1) / (k2 - k1), (y2 - y1) / (k2 - k1)
    return (x1 - k1 * dx, y1 - k1 * dy, dx, dy, 0.0, 0.0, 0.0)


def _straight_trace(curve: BRepAdaptor_Curve2d, spline) -> tuple | None:
    """Any other B-spline or Bezier curve whose poles all lie on the line through
    its two ends (within STRAIGHT_TRACE_TOLERANCE of their distance), as that line
    run linearly from ``first`` to ``last``: the same trace, another parameter
    (PCURVE_TRACE). None where a pole is off the line. Plain Python: a curve has
    tens of poles, too few for numpy to pay."""
    first, last = curve.FirstParameter(), curve.LastParameter()
    (u0, v0), (u1, v1) = curve.Value(first).Coord(), curve.Value(last).Coord()
    du, dv = u1 - u0, v1 - v0
    length = math.hypot(du, dv)
    if not length > 0.0:  # also where last == first: both ends are then one point
        return None
    limit = STRAIGHT_TRACE_TOLERANCE * length * length  # |offset x chord| = distance * length
    pole = spline.Pole

    def off_the_line(index: int) -> bool:
        u, v = pole(index).Coord()
        return abs((u - u0) * dv - (v - v0) * du) > limit

    count = spline.NbPoles()
    # The middle pole first: it is off the line on most curves. Then the box of
    # all poles, which settles most straight ones in one call, and only then each pole.
    if off_the_line((count + 1) // 2) or (
        not _poles_boxed_near(spline, u0, v0, du, dv, limit)
        and any(map(off_the_line, range(1, count + 1)))
    ):
        return None
    du, dv = du / (last - first), dv / (last - first)
    return (u0 - first * du, v0 - first * dv, du, dv, 0.0, 0.0, 0.0)


def _poles_boxed_near(spline, u0: float, v0: float, du: float, dv: float, limit: float) -> bool:
    """Whether the box of the curve's poles (OCCT's 2D box of a B-spline or Bezier
    curve is that of its poles) already puts every pole within ``limit`` of the
    line: a pole's |offset x chord| is at most its largest offset along u times
    |dv| plus its largest along v times |du|. Where it does not, the caller asks
    pole by pole, so the answer is the same either way: one OCCT call in place of
    two a pole on the rims and seams of cylinders that exporters write as
    B-splines (70 cylinders of trj2_as1-ec-214.stp, 25 poles an edge)."""
    box = Bnd_Box2d()
    BndLib_Add2dCurve.Add_s(spline, 0.0, box)
    along_u = max(abs(box.GetXMin() - u0), abs(box.GetXMax() - u0))
    along_v = max(abs(box.GetYMin() - v0), abs(box.GetYMax() - v0))
    return along_u * abs(dv) + along_v * abs(du) <= limit


def _mates(coedge_edge: np.ndarray) -> np.ndarray:
    """Each coedge's mate: the next use of its edge in coedge order, cyclically; -1 if alone."""
    order = np.argsort(coedge_edge, kind="stable")
    grouped = coedge_edge[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    group_start = np.repeat(starts, sizes)
    group_size = np.repeat(sizes, sizes)
    position = np.arange(len(order))
    following = np.where(position + 1 < group_start + group_size, position + 1, group_start)
    shared = group_size >= 2
    mate = np.full(len(order), -1, dtype=np.int32)
    mate[order[shared]] = order[following[shared]]
    return mate


def _measure_edges(
    edges,
    faces,
    adaptors,
    coedges: _CoedgeLists,
    pcurves: Pcurves,
    surfaces: _FaceGeometry,
    smooth_tol: float,
    copies: Copies | None,
) -> tuple[dict, EdgeCurves]:
    """Curve type, length, closure and convexity of every edge, and the lines and
    circles among their curves (which give the planes' boundaries in (u, v)).

    Convexity compares the two faces' outward normals at the edge's middle:
    from arrays where the face is elementary and the coedge's curve in (u, v)
    a line or a circle, from OCCT where not. A copied edge (instances.py)
    takes its source's measures, moved, and is left out of the lines and
    circles: its faces' curves in (u, v) are their sources'."""
    count = edges.Extent()
    curve_type = np.full(count, _OTHER_CURVE, dtype=np.int8)
    length = np.zeros(count)
    convexity = np.full(count, Convexity.SMOOTH, dtype=np.int8)
    dihedral = np.zeros(count)
    closed = np.zeros(count, dtype=bool)
    degenerate = np.zeros(count, dtype=bool)
    midpoint = np.zeros((count, 3))
    radius = np.full(count, np.nan)
    tangent = np.zeros((count, 3))
    middle = np.zeros(count)
    firsts, lasts = [0.0] * count, [0.0] * count  # floats, not tuples: the GC does not track them
    lines: list[tuple] = []  # (edge, origin, direction) of lines that bound a plane
    circles: list[tuple] = []  # (edge, centre, x, y) of every circle
    on_planes: list[int] = []  # the same-parameter edges of planes
    pairs: list[tuple[int, int, int]] = []

    uses = coedges.uses_of_edges(count)
    plane_edges = np.zeros(count, dtype=bool)
    coedge_on_plane = surfaces.frames.kind[np.asarray(coedges.face, dtype=int)] == _PLANE
    plane_edges[np.asarray(coedges.edge, dtype=int)[coedge_on_plane]] = True
    on_plane = plane_edges.tolist()
    point, d1 = gp_Pnt(), gp_Vec()
    copied = copied_edges(copies, count)
    measured = np.zeros(count, dtype=bool)  # has a curve: a midpoint to move to its copies
    for edge_id in np.flatnonzero(~copied).tolist():
        edge = TopoDS.Edge(edges.FindKey(edge_id + 1))
        if BRep_Tool.Degenerated_s(edge):
            degenerate[edge_id] = True
            continue
        if not BRep_Tool.IsGeometric_s(edge):
            continue
        measured[edge_id] = True
        curve = BRepAdaptor_Curve(edge)
        kind = curve.GetType().value
        curve_type[edge_id] = _CURVE_CODE.get(kind, _OTHER_CURVE)
        first, last = curve.FirstParameter(), curve.LastParameter()
        firsts[edge_id], lasts[edge_id] = first, last
        # A plane's curves in (u, v) are read off its edges' lines and circles, which
        # its coedges run along in the same parameter only on a same-parameter edge.
        bounds_plane = (
            on_plane[edge_id] and BRep_Tool.SameParameter_s(edge) and BRep_Tool.SameRange_s(edge)
        )
        if bounds_plane:
            on_planes.append(edge_id)
        if kind == _KIND_LINE:
            length[edge_id] = abs(last - first)  # a line's parameter is its arc length
            if bounds_plane:
                line = curve.Line()
                lines.append((edge_id, *line.Location().Coord(), *line.Direction().Coord()))
        elif kind == _KIND_CIRCLE:
            circle = curve.Circle()
            radius[edge_id] = circle.Radius()
            length[edge_id] = radius[edge_id] * abs(last - first)
            position = circle.Position()
            circles.append(
                (
                    edge_id,
                    *position.Location().Coord(),
                    *position.XDirection().Coord(),
                    *position.YDirection().Coord(),
                )
            )
        else:
            length[edge_id] = GCPnts_AbscissaPoint.Length_s(curve)
        closed[edge_id] = BRep_Tool.IsClosed_s(edge)  # its two vertices are one
        mid = 0.5 * (first + last)
        curve.D1(mid, point, d1)
        midpoint[edge_id] = _xyz(point)
        tangent[edge_id] = _xyz(d1)
        middle[edge_id] = mid
        edge_uses = uses[edge_id]
        if len(edge_uses) >= 2 and coedges.face[edge_uses[0]] != coedges.face[edge_uses[1]]:
            pairs.append((edge_id, edge_uses[0], edge_uses[1]))  # a seam meets itself smoothly

    if pairs:
        edge_ids, first_uses, second_uses = np.array(pairs).T
        normals = _coedge_normals(
            np.concatenate([first_uses, second_uses]),
            np.tile(middle[edge_ids], 2),
            coedges,
            pcurves,
            surfaces,
            faces,
            adaptors,
        )
        normal_a, normal_b = normals[: len(edge_ids)], normals[len(edge_ids) :]
        direction = tangent[edge_ids]
        length_sq = np.einsum("ij,ij->i", direction, direction)
        defined = (
            (np.abs(normal_a).sum(axis=1) > 0.0)
            & (np.abs(normal_b).sum(axis=1) > 0.0)
            & (np.sqrt(length_sq) >= 1e-12)
        )
        angle = _angle(normal_a, normal_b)
        bent = defined & (angle >= smooth_tol)
        sense = np.where(np.asarray(coedges.reversed)[first_uses], -1.0, 1.0)
        convex = np.einsum("ij,ij->i", cross(normal_a, normal_b), direction) * sense > 0.0
        chosen = edge_ids[bent]
        convexity[chosen] = np.where(convex[bent], Convexity.CONVEX, Convexity.CONCAVE)
        dihedral[chosen] = np.where(convex[bent], angle[bent], -angle[bent])

    circle_frame = np.zeros((count, 9))
    if circles:
        table = np.array(circles, dtype=float)
        circle_frame[table[:, 0].astype(int)] = table[:, 1:]
    edge_range = np.column_stack([np.array(firsts, dtype=float), np.array(lasts, dtype=float)])
    data = {
        "edge_curve_type": curve_type,
        "edge_length": length,
        "edge_convexity": convexity,
        "edge_dihedral": dihedral,
        "edge_closed": closed,
        "edge_degenerate": degenerate,
        "edge_midpoint": midpoint,
        "edge_radius": radius,
        "edge_circle": circle_frame,
        "edge_range": edge_range,
    }
    if copied.any():
        _copy_edges(data, copies, measured)
    return data, _plane_edge_curves(lines, on_planes, curve_type, radius, circle_frame, edge_range)


_EDGE_INVARIANTS = (
    "edge_curve_type",
    "edge_length",
    "edge_convexity",
    "edge_dihedral",
    "edge_closed",
    "edge_degenerate",
    "edge_radius",
    "edge_range",
)
"""What a rigid motion leaves as it is of an edge (convexity too: the faces on
both sides of a copied edge are moved with it)."""


def _copy_edges(data: dict, copies: Copies, measured: np.ndarray) -> None:
    """Each copied edge's measures from its source: the invariants as they are, the
    midpoint moved where the source has a curve, and a circle's frame moved."""
    copy = np.flatnonzero(copies.edge_source >= 0)
    source, motion = copies.edge_source[copy], copies.edge_motion[copy]
    for name in _EDGE_INVARIANTS:
        data[name][copy] = data[name][source]
    has_point = measured[source]
    data["edge_midpoint"][copy[has_point]] = copies.moved_points(
        data["edge_midpoint"][source[has_point]], motion[has_point]
    )
    frame = data["edge_circle"]
    circle = has_point & (data["edge_curve_type"][source] == _CURVE_CODE[_KIND_CIRCLE])
    rows, sources, motions = copy[circle], source[circle], motion[circle]
    frame[rows, 0:3] = copies.moved_points(frame[sources, 0:3], motions)
    frame[rows, 3:6] = copies.turned(frame[sources, 3:6], motions)
    frame[rows, 6:9] = copies.turned(frame[sources, 6:9], motions)


def _plane_edge_curves(
    lines: list,
    on_planes: list,
    curve_type: np.ndarray,
    radius: np.ndarray,
    circle_frame: np.ndarray,
    edge_range: np.ndarray,
) -> EdgeCurves:
    """The lines and circles of the planes' same-parameter edges, as arrays (one
    numpy write per kind, not per edge)."""
    count = len(curve_type)
    curves = EdgeCurves(
        kind=np.full(count, PCURVE_OTHER),
        data=np.zeros((count, 10)),
        first=edge_range[:, 0],
        last=edge_range[:, 1],
    )
    if lines:
        table = np.array(lines, dtype=float)
        edges = table[:, 0].astype(int)
        curves.kind[edges] = PCURVE_LINE
        curves.data[edges, :6] = table[:, 1:]
    planar = np.array(on_planes, dtype=int)
    circles = planar[curve_type[planar] == _CURVE_CODE[_KIND_CIRCLE]]
    curves.kind[circles] = PCURVE_CIRCLE
    curves.data[circles, :9] = circle_frame[circles]
    curves.data[circles, 9] = radius[circles]
    return curves


def _coedge_normals(
    coedge_ids: np.ndarray,
    parameters: np.ndarray,
    coedges: _CoedgeLists,
    pcurves: Pcurves,
    surfaces: _FaceGeometry,
    faces,
    adaptors,
) -> np.ndarray:
    """(N, 3) outward normals of the coedges' faces at their edges' ``parameters``;
    zero where the face has no surface or the edge no curve on it."""
    face_ids = np.asarray(coedges.face)[coedge_ids]
    kind = surfaces.frames.kind[face_ids]
    from_arrays = (kind == _PLANE) | ((kind > _PLANE) & pcurves.pointwise(coedge_ids))
    normals = np.zeros((len(coedge_ids), 3))
    rows = np.flatnonzero(from_arrays)
    if len(rows):
        u, v, _, _ = pcurves.uv(coedge_ids[rows], parameters[rows])
        faces_here = face_ids[rows]
        _, normals[rows] = surfaces.frames.unit_normals(
            faces_here, u, v, surfaces.reversed[faces_here]
        )
    for row in np.flatnonzero(~from_arrays).tolist():
        normal = _normal_along_coedge(
            coedges, int(coedge_ids[row]), faces, adaptors, float(parameters[row])
        )
        if normal is not None:
            normals[row] = _xyz(normal)
    return normals


def _angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle between unit vectors as gp_Dir.Angle takes it: acos near a right
    angle, asin of the cross product's length near 0 and pi, where acos loses digits."""
    cosine = np.einsum("ij,ij->i", a, b)
    sine = np.sqrt(np.einsum("ij,ij->i", *(2 * [cross(a, b)])))
    near_right = np.abs(cosine) < 0.70710678118655
    return np.where(
        near_right,
        np.arccos(np.clip(cosine, -1.0, 1.0)),
        np.where(
            cosine < 0.0,
            np.pi - np.arcsin(np.clip(sine, 0.0, 1.0)),
            np.arcsin(np.clip(sine, 0.0, 1.0)),
        ),
    )


def _normal_along_coedge(coedges: _CoedgeLists, coedge_id: int, faces, adaptors, parameter: float):
    """Outward normal of a coedge's face at the point of its edge at ``parameter``;
    None where the face has no surface or the edge no curve on it."""
    face_id = coedges.face[coedge_id]
    face = faces[face_id]
    edge = TopoDS.Edge(coedges.oriented_edges[coedge_id])
    if adaptors[face_id] is None:
        return None
    curve = BRep_Tool.CurveOnSurface_s(edge, face, 0.0, 0.0)  # the coedge's own, by orientation
    if curve is None:
        return None
    uv: gp_Pnt2d = curve.Value(parameter)
    _, normal = _outward_normal(
        adaptors[face_id], face.Orientation().value == _REVERSED, uv.X(), uv.Y()
    )
    return normal
