"""Free-form faces on rational patches that are whole rectangles in (u, v), in numpy.

Some exporters write cylinders and other surfaces of revolution as rational
B-splines: the 70 "B-spline" faces of as1-oc-214-mat.stp are quarter
cylinders. OCCT integrates such a face twice, once for its area and centroid
(the graph) and once for its share of the part's volume, over a trimmed
domain in (u, v): over the OCCT and NIST sets, 101 rational faces that are
whole knot patches cost it 39.9 ms (0.4 ms a face; the 336 polynomial ones
0.1 ms, no more than reading them here would), and its adaptive rule leaves
areas 2.4e-4 off on as1-oc-214-mat.stp.

A face whose loops run along the sides of its (u, v) box, within one knot
span in u and one in v, is one rational polynomial patch of (p + 1) x
(q + 1) poles: GAUSS_POINTS Gauss-Legendre points in u times as many in v
integrate its smooth integrands directly. The basis (The NURBS Book, A2.2
and A2.3) is evaluated on the points in u and in v only, and the grid comes
from tensor products, for all such faces of a part at once (one batch per
pair of degrees); one set of points gives the area (|x_u x x_v|), the first
moments and the volume share (x . (x_u x x_v) / 3) together. The graph
gathers its free-form faces and measures them here after its loop over faces.

Every other free-form face is left to OCCT (``measured`` False).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from OCP.Bnd import Bnd_Box2d
from OCP.BndLib import BndLib_Add2dCurve
from OCP.BRep import BRep_Tool
from OCP.BRepAdaptor import BRepAdaptor_Curve2d
from OCP.Geom import Geom_BezierSurface, Geom_BSplineSurface
from OCP.GeomAbs import GeomAbs_CurveType
from OCP.TopAbs import TopAbs_EDGE, TopAbs_REVERSED
from OCP.TopExp import TopExp_Explorer
from OCP.TopoDS import TopoDS, TopoDS_Face

GAUSS_POINTS = 16
"""Points per knot span in each direction: see the measurements in CHANGELOG
(2026-12-04) against OCCT integrating to 1e-10."""

SIDE_TOLERANCE = 1e-9
"""A boundary curve is on a side of the box when the box of its poles is within
this fraction of the box's diagonal of that side."""

_LINE = GeomAbs_CurveType.GeomAbs_Line
_SPLINES = (GeomAbs_CurveType.GeomAbs_BSplineCurve, GeomAbs_CurveType.GeomAbs_BezierCurve)


@dataclass(frozen=True)
class RectangleMeasures:
    """What the graph and the part's volume need of each face, where ``measured``."""

    measured: np.ndarray  # (F,) bool
    area: np.ndarray  # (F,)
    centroid: np.ndarray  # (F, 3)
    volume_share: np.ndarray  # (F,) 1/3 of the integral of x.n (signed, outward n)


@dataclass(frozen=True)
class _Patch:
    """One face's knot patch as read from OCCT: the knots around its span in
    each direction (degree on each side, enough for the basis), its poles in
    homogeneous form and the face's (u, v) box."""

    u_knots: np.ndarray  # (2p,)
    v_knots: np.ndarray  # (2q,)
    homogeneous: np.ndarray  # (p + 1, q + 1, 4): w x, w y, w z, w
    bounds: tuple[float, ...]
    sign: float  # -1 for a reversed face

    @property
    def degrees(self) -> tuple[int, int]:
        return len(self.u_knots) // 2, len(self.v_knots) // 2

    @classmethod
    def read(cls, face: TopoDS_Face, bounds: tuple[float, ...]) -> _Patch | None:
        surface = BRep_Tool.Surface_s(face)  # with the face's location applied
        if not isinstance(surface, (Geom_BSplineSurface, Geom_BezierSurface)) or not (
            surface.IsURational() or surface.IsVRational()
        ):
            return None
        umin, umax, vmin, vmax = bounds
        if isinstance(surface, Geom_BSplineSurface):
            if surface.IsUPeriodic() or surface.IsVPeriodic():
                return None
            u_knots = _flat_knots(surface.UKnot, surface.UMultiplicity, surface.NbUKnots())
            v_knots = _flat_knots(surface.VKnot, surface.VMultiplicity, surface.NbVKnots())
        else:
            u_knots = np.repeat([0.0, 1.0], surface.UDegree() + 1)
            v_knots = np.repeat([0.0, 1.0], surface.VDegree() + 1)
        p, q = surface.UDegree(), surface.VDegree()
        if p < 1 or q < 1:
            return None
        u_span, v_span = _span(u_knots, p, umin, umax), _span(v_knots, q, vmin, vmax)
        if u_span is None or v_span is None or not _loops_on_box_sides(face, bounds):
            return None
        rows = range(u_span - p + 1, u_span + 2)  # OCCT counts poles from 1
        columns = range(v_span - q + 1, v_span + 2)
        poles = np.array([[surface.Pole(i, j).Coord() for j in columns] for i in rows])
        weights = np.array([[surface.Weight(i, j) for j in columns] for i in rows])
        return cls(
            u_knots[u_span - p + 1 : u_span + p + 1],
            v_knots[v_span - q + 1 : v_span + q + 1],
            np.concatenate([poles * weights[..., None], weights[..., None]], axis=2),
            bounds,
            -1.0 if face.Orientation() == TopAbs_REVERSED else 1.0,
        )


def measure_rectangles(faces: list[TopoDS_Face], bounds: np.ndarray) -> RectangleMeasures:
    """Area, centroid and volume share of each face that is a whole rational
    knot patch (``bounds``: (F, 4) umin, umax, vmin, vmax of each face's
    loops); ``measured`` is False for the others."""
    count = len(faces)
    result = RectangleMeasures(
        np.zeros(count, dtype=bool), np.zeros(count), np.zeros((count, 3)), np.zeros(count)
    )
    groups: dict[tuple[int, int], list[tuple[int, _Patch]]] = {}
    for index, face in enumerate(faces):
        patch = _Patch.read(face, tuple(bounds[index].tolist()))
        if patch is not None:
            groups.setdefault(patch.degrees, []).append((index, patch))
    for members in groups.values():
        indices = np.array([index for index, _ in members])
        area, moment, share = _integrate([patch for _, patch in members])
        good = area > 0.0
        chosen = indices[good]
        result.measured[chosen] = True
        result.area[chosen] = area[good]
        result.centroid[chosen] = moment[good] / area[good, None]
        result.volume_share[chosen] = share[good]
    return result


def _span(knots: np.ndarray, degree: int, low: float, high: float) -> int | None:
    """The flat index k of the one knot span [knots[k], knots[k + 1]] that holds
    [low, high] (to rounding), None where the range crosses a knot."""
    inner = knots[degree : len(knots) - degree]
    slack = 1e-12 * max(1.0, float(np.abs(inner).max()))
    k = int(np.searchsorted(knots, low + slack, side="right")) - 1
    k = min(max(k, degree), len(knots) - degree - 2)
    if high > knots[k + 1] + slack:
        return None
    return k


def _integrate(patches: list[_Patch]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Area, first moment (F, 3) and volume share of whole-patch faces of one
    pair of degrees, on a GAUSS_POINTS x GAUSS_POINTS grid each."""
    p, q = patches[0].degrees
    x, w = _gauss(GAUSS_POINTS)
    bounds = np.array([patch.bounds for patch in patches])
    u_half, v_half = 0.5 * (bounds[:, 1] - bounds[:, 0]), 0.5 * (bounds[:, 3] - bounds[:, 2])
    u = (bounds[:, 0] + u_half)[:, None] + u_half[:, None] * x  # (F, G)
    v = (bounds[:, 2] + v_half)[:, None] + v_half[:, None] * x
    u_values, u_slopes = _basis(np.array([patch.u_knots for patch in patches]), p, u)
    v_values, v_slopes = _basis(np.array([patch.v_knots for patch in patches]), q, v)
    block = np.array([patch.homogeneous for patch in patches])  # (F, p + 1, q + 1, 4)
    along_v = np.einsum("fjb,fabc->fajc", v_values, block)
    slope_v = np.einsum("fjb,fabc->fajc", v_slopes, block)
    h = np.einsum("fia,fajc->fijc", u_values, along_v).reshape(len(patches), -1, 4)
    h_u = np.einsum("fia,fajc->fijc", u_slopes, along_v).reshape(len(patches), -1, 4)
    h_v = np.einsum("fia,fajc->fijc", u_values, slope_v).reshape(len(patches), -1, 4)
    weight = ((u_half[:, None] * w)[:, :, None] * (v_half[:, None] * w)[:, None, :]).reshape(
        len(patches), -1
    )
    h_w = h[..., 3:]
    point = h[..., :3] / h_w
    normal = np.cross(
        (h_u[..., :3] - point * h_u[..., 3:]) / h_w, (h_v[..., :3] - point * h_v[..., 3:]) / h_w
    )
    element = np.linalg.norm(normal, axis=2) * weight
    cone = np.einsum("fnk,fnk,fn->f", point, normal, weight)
    signs = np.array([patch.sign for patch in patches])
    return element.sum(axis=1), np.einsum("fn,fnk->fk", element, point), signs * cone / 3.0


def _flat_knots(knot, multiplicity, count: int) -> np.ndarray:
    return np.repeat(
        [knot(i) for i in range(1, count + 1)], [multiplicity(i) for i in range(1, count + 1)]
    )


@lru_cache(maxsize=4)
def _gauss(count: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(count)


def _loops_on_box_sides(face: TopoDS_Face, bounds: tuple[float, float, float, float]) -> bool:
    """Whether every curve of the face's loops in (u, v) lies on a side of its
    box: a line along a side, or a B-spline or Bezier curve whose poles do
    (the box of a curve's poles is OCCT's 2D box of the curve)."""
    umin, umax, vmin, vmax = bounds
    tolerance = SIDE_TOLERANCE * float(np.hypot(umax - umin, vmax - vmin))
    edges = TopExp_Explorer(face, TopAbs_EDGE)
    while edges.More():
        curve = BRepAdaptor_Curve2d(TopoDS.Edge(edges.Current()), face)
        kind = curve.GetType()
        if kind == _LINE:
            line = curve.Line()
            (u, v), (du, dv) = line.Location().Coord(), line.Direction().Coord()
            first, last = curve.FirstParameter(), curve.LastParameter()
            box = (
                u + min(first * du, last * du),
                u + max(first * du, last * du),
                v + min(first * dv, last * dv),
                v + max(first * dv, last * dv),
            )
        elif kind in _SPLINES:
            spline = curve.BSpline() if kind == _SPLINES[0] else curve.Bezier()
            poles = Bnd_Box2d()
            BndLib_Add2dCurve.Add_s(spline, 0.0, poles)
            box = (poles.GetXMin(), poles.GetXMax(), poles.GetYMin(), poles.GetYMax())
        else:
            return False
        low_u, high_u, low_v, high_v = box
        along_v = high_u - low_u <= tolerance and (
            abs(low_u - umin) <= tolerance or abs(high_u - umax) <= tolerance
        )
        along_u = high_v - low_v <= tolerance and (
            abs(low_v - vmin) <= tolerance or abs(high_v - vmax) <= tolerance
        )
        if not (along_u or along_v):
            return False
        edges.Next()
    return True


def _basis(knots: np.ndarray, degree: int, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values and first derivatives, (F, G, degree + 1), of the degree + 1 basis
    functions of each face's span at its parameters ``t`` (F, G); ``knots``
    (F, 2 degree) holds the knots around each span, the span being
    [knots[degree - 1], knots[degree]] (The NURBS Book, A2.2 and A2.3)."""
    count = t.shape[1]
    around = np.repeat(knots, count, axis=0)  # (F G, 2p)
    t = t.ravel()
    values = np.zeros((len(t), degree + 1))
    values[:, 0] = 1.0
    lower = values[:, :0]
    for j in range(1, degree + 1):
        if j == degree:
            lower = values[:, :degree].copy()  # the degree - 1 functions, for the slopes
        left = t[:, None] - around[:, degree - np.arange(1, j + 1)]
        right = around[:, degree - 1 + np.arange(1, j + 1)] - t[:, None]
        saved = np.zeros(len(t))
        for r in range(j):
            share = values[:, r] / (right[:, r] + left[:, j - r - 1])
            values[:, r] = saved + right[:, r] * share
            saved = left[:, j - r - 1] * share
        values[:, j] = saved
    shape = (-1, count, degree + 1)
    # N'_k = p / (U[k+p] - U[k]) N_{k,p-1} - p / (U[k+p+1] - U[k+1]) N_{k+1,p-1}, for the
    # functions k = 0..p of the span, with around[m] = U[first + 1 + m].
    below = np.zeros((len(t), degree + 2))
    below[:, 1:-1] = lower  # column k: N_{k,p-1}, zero at both ends
    k = np.arange(degree + 1)
    low_end = np.concatenate([np.full((len(t), 1), np.nan), around], axis=1)  # index m + 1
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = degree / (low_end[:, k + degree] - low_end[:, k])
        fall = degree / (low_end[:, np.minimum(k + degree + 1, 2 * degree)] - low_end[:, k + 1])
    rise = np.where(np.isfinite(rise), rise, 0.0)
    fall = np.where(np.isfinite(fall) & (k < degree), fall, 0.0)
    slopes = rise * below[:, :-1] - fall * below[:, 1:]
    return values.reshape(shape), slopes.reshape(shape)
