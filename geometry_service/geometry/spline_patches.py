"""Free-form faces on rational surfaces, bounded by their (u, v) box, in numpy.

Some exporters write cylinders and other surfaces of revolution as rational
B-splines: the 70 "B-spline" faces of as1-oc-214-mat.stp are quarter
cylinders. OCCT integrates such a face twice, once for its area and centroid
(the graph) and once for its share of the part's volume, over a trimmed
domain in (u, v), and its adaptive rule is loose on them: against a 1e-10
integration, areas up to 4.9e-3 off and one face's volume share 5.7e-2 off
over the OCCT and NIST sets.

A face whose loops run along the sides of its (u, v) box covers whole knot
patches (clipped to the box), each one rational polynomial patch of
(p + 1) x (q + 1) poles: GAUSS_POINTS Gauss-Legendre points in u times as
many in v integrate its smooth integrands directly. The basis (The NURBS
Book, A2.2 and A2.3) is evaluated on the points in u and in v only and the
grid comes from tensor products, for every patch of every such face of a
part at once (one batch per pair of degrees); one set of points gives the
area (|x_u x x_v|), the first moments and the volume share
(x . (x_u x x_v) / 3) together. The graph gathers its free-form faces and
measures them here after its loop over faces.

A periodic surface (a whole turn of a cylinder or cone) is first written out
over its first period (same geometry and parameters). 234 faces of the OCCT
and NIST sets qualify: 16 points agree with 32 to 1.4e-11 in area and 7e-10
in volume share, where OCCT's default rule was up to 1.2e-2 off in area
(trj4_k1_geo-md-203.stp) and 5.7e-2 in a volume share (xr1-tu-nut.stp),
against a 1e-10 integration. They take 68.2 ms here against 91.8 ms of
OCCT's two integrations (as1-oc-214-mat.stp: 11.1 against 33.4; some parts
with a few periodic faces lose 1-2 ms). Every other free-form face is left to
OCCT (``measured`` False): polynomial ones (OCCT takes 0.1 ms a face on whole
patches, no more than reading them here would), degrees above MAX_DEGREE,
more than MAX_PATCHES patches, faces beyond a periodic surface's first
period, and trimmed faces.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

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
"""Gauss points per knot span in each direction: 8 left as1-oc-214-mat.stp's
rational quarter cylinders 1.2e-6 off in area; 16 agree with 32 to 1.4e-11."""

MAX_PATCHES = 64
"""A face over more knot patches than this stays with OCCT (each patch costs
GAUSS_POINTS squared points here)."""

MAX_DEGREE = 3
"""Faces of higher degree stay with OCCT. The basis costs a numpy step per pair
of its recurrence's indices (66 at degree 11), and OCCT is quick on the
common high-degree patches (degree 2 x 7-11 on r0901_ec.stp and
ec_turbine-A.stp: 0.12-0.6 ms a face for area and volume), while it is slow on
the low-degree ones that exporters write for cylinders (degree 1 x 3: 0.42
ms; 3 x 3: 0.6-1.0 ms)."""

SIDE_TOLERANCE = 1e-9
"""A boundary curve is on a side of the box when the box of its poles is within
this fraction of the box's diagonal of that side."""

_GAUSS_X, _GAUSS_W = np.polynomial.legendre.leggauss(GAUSS_POINTS)
_LINE = GeomAbs_CurveType.GeomAbs_Line
_SPLINES = (GeomAbs_CurveType.GeomAbs_BSplineCurve, GeomAbs_CurveType.GeomAbs_BezierCurve)


@dataclass(frozen=True)
class RectangleMeasures:
    """What the graph and the part's volume need of each face, where ``measured``."""

    measured: np.ndarray  # (F,) bool
    area: np.ndarray  # (F,)
    centroid: np.ndarray  # (F, 3)
    volume_share: np.ndarray  # (F,) 1/3 of the integral of x.n (signed, outward n)
    vector_area: np.ndarray  # (F, 3) the integral of n (outward): moves a copy's volume share


@dataclass(frozen=True)
class _Patch:
    """One knot patch of a face, as read from OCCT: the knots around its span in
    each direction (degree on each side, enough for the basis), its poles in
    homogeneous form and the part of the face's (u, v) box over it."""

    u_knots: list[float]  # (2p,)
    v_knots: list[float]  # (2q,)
    homogeneous: np.ndarray  # (p + 1, q + 1, 4): w x, w y, w z, w
    bounds: tuple[float, float, float, float]
    sign: float  # -1 for a reversed face

    @property
    def degrees(self) -> tuple[int, int]:
        return len(self.u_knots) // 2, len(self.v_knots) // 2


def _patches(face: TopoDS_Face, bounds: tuple[float, ...]) -> list[_Patch] | None:
    """The knot patches under a face on a rational surface whose loops run along
    the sides of its box ``bounds``; None for any other face."""
    surface = BRep_Tool.Surface_s(face)  # with the face's location applied
    if not isinstance(surface, (Geom_BSplineSurface, Geom_BezierSurface)) or not (
        surface.IsURational() or surface.IsVRational()
    ):
        return None
    p, q = surface.UDegree(), surface.VDegree()
    if not (1 <= p <= MAX_DEGREE and 1 <= q <= MAX_DEGREE):
        return None  # before reading knots: high degrees are common on real parts
    if isinstance(surface, Geom_BSplineSurface):
        if surface.IsUPeriodic() or surface.IsVPeriodic():
            surface = _not_periodic(surface)
        u_knots = _flat_knots(surface.UKnot, surface.UMultiplicity, surface.NbUKnots())
        v_knots = _flat_knots(surface.VKnot, surface.VMultiplicity, surface.NbVKnots())
    else:
        u_knots = [0.0] * (p + 1) + [1.0] * (p + 1)
        v_knots = [0.0] * (q + 1) + [1.0] * (q + 1)
    umin, umax, vmin, vmax = bounds
    if not _within(bounds, surface.Bounds()):
        return None  # a periodic surface's face beyond its first period
    u_spans, v_spans = _spans(u_knots, p, umin, umax), _spans(v_knots, q, vmin, vmax)
    if len(u_spans) * len(v_spans) > MAX_PATCHES or not _loops_on_box_sides(face, bounds):
        return None
    first_u, first_v = u_spans[0][0] - p, v_spans[0][0] - q  # first poles used, from 0
    rows = range(first_u + 1, u_spans[-1][0] + 2)  # OCCT counts poles from 1
    columns = range(first_v + 1, v_spans[-1][0] + 2)
    poles = np.array([[surface.Pole(i, j).Coord() for j in columns] for i in rows])
    weights = np.array([[surface.Weight(i, j) for j in columns] for i in rows])
    homogeneous = np.concatenate([poles * weights[..., None], weights[..., None]], axis=2)
    sign = -1.0 if face.Orientation() == TopAbs_REVERSED else 1.0
    return [
        _Patch(
            u_knots[ku - p + 1 : ku + p + 1],
            v_knots[kv - q + 1 : kv + q + 1],
            homogeneous[ku - p - first_u : ku + 1 - first_u, kv - q - first_v : kv + 1 - first_v],
            (u_low, u_high, v_low, v_high),
            sign,
        )
        for ku, u_low, u_high in u_spans
        for kv, v_low, v_high in v_spans
    ]


def measure_rectangles(faces: list[TopoDS_Face], bounds: np.ndarray) -> RectangleMeasures:
    """Area, centroid and volume share of each face on a rational surface whose
    loops run along the sides of its box (``bounds``: (F, 4) umin, umax, vmin,
    vmax of each face's loops); ``measured`` is False for the others."""
    count = len(faces)
    area, moment, share = np.zeros(count), np.zeros((count, 3)), np.zeros(count)
    vector_area = np.zeros((count, 3))
    read = np.zeros(count, dtype=bool)
    groups: dict[tuple[int, int], list[tuple[int, _Patch]]] = {}
    for index, face in enumerate(faces):
        patches = _patches(face, tuple(bounds[index].tolist()))
        if patches:
            read[index] = True
            groups.setdefault(patches[0].degrees, []).extend((index, patch) for patch in patches)
    for members in groups.values():
        owner = np.array([index for index, _ in members])
        patch_area, patch_moment, patch_share, patch_vector = _integrate(
            [patch for _, patch in members]
        )
        np.add.at(area, owner, patch_area)
        np.add.at(moment, owner, patch_moment)
        np.add.at(share, owner, patch_share)
        np.add.at(vector_area, owner, patch_vector)
    measured = read & (area > 0.0) & np.isfinite(share) & np.isfinite(moment).all(axis=1)
    centroid = np.zeros((count, 3))
    centroid[measured] = moment[measured] / area[measured, None]
    return RectangleMeasures(measured, area, centroid, share, vector_area)


def _not_periodic(surface: Geom_BSplineSurface) -> Geom_BSplineSurface:
    """A copy of a periodic surface written out over its first period: the same
    geometry and parameters, with the knots and poles of a plain B-spline."""
    copy = surface.Copy()
    if copy.IsUPeriodic():
        copy.SetUNotPeriodic()
    if copy.IsVPeriodic():
        copy.SetVNotPeriodic()
    return copy


def _within(bounds: tuple[float, ...], domain: tuple[float, ...]) -> bool:
    """Whether the box ``bounds`` lies in the surface's parameter ``domain`` (to rounding)."""
    slack = 1e-9 * max(1.0, *(abs(value) for value in domain))
    return (
        bounds[0] >= domain[0] - slack
        and bounds[1] <= domain[1] + slack
        and bounds[2] >= domain[2] - slack
        and bounds[3] <= domain[3] + slack
    )


def _spans(
    knots: list[float], degree: int, low: float, high: float
) -> list[tuple[int, float, float]]:
    """The knot spans under [low, high]: the flat index k of each non-empty span
    [knots[k], knots[k + 1]] and the part of [low, high] over it (an end within
    rounding of a knot counts as on it). Plain Python: a face has a few knots,
    too few for numpy's per-call cost to pay."""
    slack = 1e-12 * max(1.0, max(map(abs, knots[degree : len(knots) - degree]), default=0.0))
    last = len(knots) - degree - 2
    first_span = min(max(bisect_right(knots, low + slack) - 1, degree), last)
    last_span = min(max(bisect_right(knots, high - slack) - 1, degree), last)
    spans = [k for k in range(first_span, last_span + 1) if knots[k + 1] > knots[k]]
    cuts = [low, *(knots[k] for k in spans[1:]), high]
    return [(k, cuts[i], cuts[i + 1]) for i, k in enumerate(spans)]


def _integrate(patches: list[_Patch]) -> tuple[np.ndarray, ...]:
    """Area, first moment (P, 3), volume share and vector area (P, 3) of each of
    ``patches`` (of one pair of degrees), on a GAUSS_POINTS x GAUSS_POINTS grid each."""
    p, q = patches[0].degrees
    x, w = _GAUSS_X, _GAUSS_W
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
    return (
        element.sum(axis=1),
        np.einsum("fn,fnk->fk", element, point),
        signs * cone / 3.0,
        signs[:, None] * np.einsum("fnk,fn->fk", normal, weight),
    )


def _flat_knots(knot, multiplicity, count: int) -> list[float]:
    flat: list[float] = []
    for index in range(1, count + 1):
        flat += [knot(index)] * multiplicity(index)
    return flat


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
