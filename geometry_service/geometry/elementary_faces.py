"""Area, centroid, points and normals of faces on elementary surfaces, in numpy.

OCCT's surface integration (``BRepGProp.SurfaceProperties_s``) costs 0.1-0.5 ms
a face even on a plane or a cylinder, and evaluating a normal costs several
Python calls into OCCT a point: on real parts that was most of the graph. On
planes, cylinders, cones, spheres and tori every point is a closed form of
(u, v) and of the surface's frame, and a face's boundary in (u, v) is, on
almost every such face, made of lines and circles, read once per coedge. So:

- points and normals at any (u, v) are array expressions;
- area and moments come from Green's theorem in (u, v): the integral of
  f du dv over the face is the loop integral of F dv, F the antiderivative
  of f in u; Gauss-Legendre quadrature on each line or arc is exact to
  rounding for the trigonometric polynomials that arise (16 nodes on a full
  turn: error far below 1e-12).

Every surface of revolution here is O + rho(v) (cos u X + sin u Y) + h(v) Z
with area element J(v) du dv (OCCT's own parameterisations: ElSLib):
cylinder rho = R, h = v, J = R; cone rho = R + v sin a, h = v cos a, J = rho;
sphere rho = R cos v, h = R sin v, J = R rho; torus rho = R + r cos v,
h = r sin v, J = r rho. A plane is O + u X + v Y with J = 1.

A plane's boundary in (u, v) is not read coedge by coedge: it is the
projection of its edges' lines and circles in space (:func:`plane_pcurves`).
Faces whose loops hold another kind of curve (a B-spline trace that is not
straight, a free-form edge on a plane) keep OCCT's integration; the caller
asks :func:`integrable` which faces qualify.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PLANE, CYLINDER, CONE, SPHERE, TORUS = range(5)
"""Surface codes, equal to the graph's SURFACE_TYPES indices."""

PCURVE_OTHER, PCURVE_LINE, PCURVE_CIRCLE, PCURVE_TRACE = range(4)
"""Kinds of a coedge's curve in (u, v). A trace is a straight segment whose parameter
does not run linearly along it (a B-spline of collinear poles, as some exporters
write every rim and seam of a cylinder): kept as the line through its two ends,
which is exact for integrals along it (on a line every 1-form has an
antiderivative, so they depend on the ends alone) but not for the point at a
given parameter."""

_GAUSS_X, _GAUSS_W = np.polynomial.legendre.leggauss(16)
_GAUSS_2 = np.polynomial.legendre.leggauss(2)
_NULL_NORMAL = 1e-12  # below this magnitude the normal is undefined (a pole, an apex)


@dataclass
class SurfaceFrames:
    """Each face's elementary surface: code (-1: not elementary), frame and radii."""

    kind: np.ndarray  # (F,) int
    origin: np.ndarray  # (F, 3)
    x: np.ndarray  # (F, 3)
    y: np.ndarray  # (F, 3)
    z: np.ndarray  # (F, 3)
    radius: np.ndarray  # (F,) cylinder, cone (reference), sphere, torus (major)
    minor: np.ndarray  # (F,) torus minor radius
    semi_angle: np.ndarray  # (F,) cone semi-angle, signed as OCCT keeps it

    def points(self, faces: np.ndarray, u: np.ndarray, v: np.ndarray):
        """Points and natural normals (Su x Sv, not unit) at (u, v) on ``faces``."""
        kind = self.kind[faces]
        x, y = self.x[faces], self.y[faces]
        point = self.origin[faces] + u[:, None] * x + v[:, None] * y
        d_u, d_v = x, y
        curved = np.flatnonzero(kind != PLANE)
        if len(curved):  # most points of a prismatic part are on planes: skip the rest there
            faces, kind, u, v = faces[curved], kind[curved], u[curved], v[curved]
            x, y, z = x[curved], y[curved], self.z[faces]
            rho, height, d_rho, d_height, _ = self._profile(faces, kind, v)
            radial = np.cos(u)[:, None] * x + np.sin(u)[:, None] * y
            tangent = -np.sin(u)[:, None] * x + np.cos(u)[:, None] * y
            point[curved] = self.origin[faces] + rho[:, None] * radial + height[:, None] * z
            d_u, d_v = d_u.copy(), d_v.copy()
            d_u[curved] = rho[:, None] * tangent
            d_v[curved] = d_rho[:, None] * radial + d_height[:, None] * z
        return point, cross(d_u, d_v)

    def unit_normals(self, faces: np.ndarray, u: np.ndarray, v: np.ndarray, reverse: np.ndarray):
        """Points and unit outward normals; the normal is zero where undefined."""
        point, normal = self.points(faces, u, v)
        magnitude = np.sqrt(np.einsum("ij,ij->i", normal, normal))
        defined = magnitude >= _NULL_NORMAL
        scale = np.where(reverse, -1.0, 1.0) / np.where(defined, magnitude, 1.0)
        return point, np.where(defined[:, None], normal * scale[:, None], 0.0)

    def _profile(self, faces: np.ndarray, kind: np.ndarray, v: np.ndarray):
        """rho, h, d rho / dv, dh / dv and J along v for each point's face (a
        surface of revolution's; zero on planes)."""
        big, small = self.radius[faces], self.minor[faces]
        sin_a, cos_a = np.sin(self.semi_angle[faces]), np.cos(self.semi_angle[faces])
        cos_v, sin_v = np.cos(v), np.sin(v)
        cylinder, cone, sphere, torus = (kind == code for code in (CYLINDER, CONE, SPHERE, TORUS))

        def by_kind(on_cylinder, on_cone, on_sphere, on_torus):
            """Each point's value for its face's kind, zero on any other: nested
            np.where, the same values as np.select at under a third of its cost on
            the few points of a small part (29 against 101 us for 8 points)."""
            on_others = np.where(sphere, on_sphere, np.where(torus, on_torus, 0.0))
            return np.where(cylinder, on_cylinder, np.where(cone, on_cone, on_others))

        rho = by_kind(big, big + v * sin_a, big * cos_v, big + small * cos_v)
        height = by_kind(v, v * cos_a, big * sin_v, small * sin_v)
        d_rho = by_kind(0.0, sin_a, -big * sin_v, -small * sin_v)
        d_height = by_kind(1.0, cos_a, big * cos_v, small * cos_v)
        jacobian = by_kind(big, rho, big * rho, small * rho)
        return rho, height, d_rho, d_height, jacobian


@dataclass
class Pcurves:
    """Each coedge's curve in its face's (u, v): kind, its numbers, its range.

    A line or a trace is (ox, oy, dx, dy); a circle (cx, cy, xx, xy, yx, yy, r); the
    coedge runs from ``first`` to ``last``, or back where ``reversed``."""

    kind: np.ndarray  # (C,) int
    data: np.ndarray  # (C, 7)
    first: np.ndarray  # (C,)
    last: np.ndarray  # (C,)

    def pointwise(self, coedges: np.ndarray) -> np.ndarray:
        """(C,) bool: whether :meth:`uv` gives the coedge's own point at its parameter."""
        kind = self.kind[coedges]
        return (kind == PCURVE_LINE) | (kind == PCURVE_CIRCLE)

    def uv(self, coedges: np.ndarray, t: np.ndarray):
        """(u, v) and (du/dt, dv/dt) of ``coedges`` at parameters ``t``."""
        d = self.data[coedges]
        circle = self.kind[coedges] == PCURVE_CIRCLE
        cos_t, sin_t = np.cos(t), np.sin(t)
        r = np.where(circle, d[:, 6], 0.0)
        u = np.where(
            circle, d[:, 0] + r * (cos_t * d[:, 2] + sin_t * d[:, 4]), d[:, 0] + t * d[:, 2]
        )
        v = np.where(
            circle, d[:, 1] + r * (cos_t * d[:, 3] + sin_t * d[:, 5]), d[:, 1] + t * d[:, 3]
        )
        du = np.where(circle, r * (-sin_t * d[:, 2] + cos_t * d[:, 4]), d[:, 2])
        dv = np.where(circle, r * (-sin_t * d[:, 3] + cos_t * d[:, 5]), d[:, 3])
        return u, v, du, dv


@dataclass
class EdgeCurves:
    """Each edge's curve in space where it is a line or a circle whose parameter is
    its coedges' parameter too (a same-parameter, same-range edge): a line as
    (origin, direction), a circle as (centre, x, y, radius), in ``data`` (E, 10);
    kind PCURVE_OTHER for any other edge."""

    kind: np.ndarray  # (E,) int: PCURVE_LINE, PCURVE_CIRCLE or PCURVE_OTHER
    data: np.ndarray  # (E, 10)
    first: np.ndarray  # (E,)
    last: np.ndarray  # (E,)


def plane_pcurves(
    frames: SurfaceFrames,
    edges: EdgeCurves,
    coedge_face: np.ndarray,
    coedge_edge: np.ndarray,
    pcurves: Pcurves,
) -> None:
    """Set the curves in (u, v) of the coedges of planes, in place, from their edges'
    lines and circles in space.

    A plane's (u, v) are a point's coordinates along the plane's x and y, so a
    line's trace is the line of the projected origin and direction, and a
    circle's is the circle of the projected centre and axes (an ellipse where
    the circle leans off the plane: the same formula, its axes no longer unit),
    both in the edge's own parameter. Reading each coedge's own curve in (u, v)
    would cost an OCCT call per coedge, as much as the integration it replaces;
    the edges' curves are read once per edge anyway."""
    rows = np.flatnonzero(frames.kind[coedge_face] == PLANE)
    face, edge = coedge_face[rows], coedge_edge[rows]
    x, y = frames.x[face], frames.y[face]
    data = edges.data[edge]
    offset = data[:, 0:3] - frames.origin[face]

    def along_xy(vectors: np.ndarray) -> list[np.ndarray]:
        return [np.einsum("ij,ij->i", vectors, x), np.einsum("ij,ij->i", vectors, y)]

    pcurves.kind[rows] = edges.kind[edge]
    pcurves.data[rows] = np.stack(
        [*along_xy(offset), *along_xy(data[:, 3:6]), *along_xy(data[:, 6:9]), data[:, 9]], axis=1
    )
    pcurves.first[rows], pcurves.last[rows] = edges.first[edge], edges.last[edge]


def uv_boxes(
    pcurves: Pcurves, coedge_face: np.ndarray, face_count: int
) -> tuple[np.ndarray, np.ndarray]:
    """(F, 4) each face's box in (u, v) as umin, umax, vmin, vmax, and (F,) bool where
    it is known: faces whose every coedge is a line or a circle in (u, v).

    A line's box is its ends', a circle's (or a plane's ellipse's) its ends' and the
    extremes its arc passes: OCCT's UVBounds (9 us a face) boxes the same curves the
    same way. Over the NIST parts, the 20 largest OCCT files and 70 MFCAD parts,
    5,413 of 6,184 elementary faces qualify, all within 2e-13 of OCCT's figures."""
    first, last, data = pcurves.first, pcurves.last, pcurves.data
    circle = pcurves.kind == PCURVE_CIRCLE
    low, high = np.empty((len(first), 2)), np.empty((len(first), 2))
    for k in range(2):  # u, then v
        origin, along = data[:, k], data[:, 2 + k]
        ends = np.stack([origin + first * along, origin + last * along])
        low[:, k], high[:, k] = ends.min(axis=0), ends.max(axis=0)
        if circle.any():
            low[circle, k], high[circle, k] = arc_range(
                data[circle, k],
                data[circle, 2 + k],
                data[circle, 4 + k],
                data[circle, 6],
                first[circle],
                last[circle],
            )
    known = np.zeros(face_count, dtype=bool)
    known[coedge_face] = True
    known[coedge_face[(pcurves.kind != PCURVE_LINE) & ~circle]] = False
    box_low, box_high = np.full((face_count, 2), np.inf), np.full((face_count, 2), -np.inf)
    np.minimum.at(box_low, coedge_face, low)
    np.maximum.at(box_high, coedge_face, high)
    return np.stack([box_low[:, 0], box_high[:, 0], box_low[:, 1], box_high[:, 1]], axis=1), known


def arc_range(
    base: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    radius: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest value of base + radius (a cos t + b sin t) for t from ``first``
    to ``last``: one coordinate of arcs (or of ellipses, a and b then not unit), exactly:
    their ends, and the extremes of the whole circle where the arc passes them."""
    peak = np.arctan2(b, a)  # where the full circle is highest
    amplitude = radius * np.hypot(a, b)
    ends = [base + radius * (a * np.cos(t) + b * np.sin(t)) for t in (first, last)]
    low, high = np.minimum(*ends), np.maximum(*ends)
    high = np.where(_angle_within(peak, first, last), base + amplitude, high)
    low = np.where(_angle_within(peak + np.pi, first, last), base - amplitude, low)
    return low, high


def _angle_within(angle: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Whether each angle falls in its arc's parameter range."""
    offset = np.mod(angle - first, 2.0 * np.pi)
    return offset <= (last - first) + 1e-12


def integrable(frames: SurfaceFrames, pcurves: Pcurves, coedge_face: np.ndarray) -> np.ndarray:
    """(F,) bool: elementary faces every coedge of which is a line or a circle in (u, v)."""
    bad = np.zeros(len(frames.kind), dtype=bool)
    bad[coedge_face[pcurves.kind == PCURVE_OTHER]] = True
    return (frames.kind >= PLANE) & ~bad


def area_and_centroid(
    frames: SurfaceFrames,
    pcurves: Pcurves,
    coedge_face: np.ndarray,
    coedge_reversed: np.ndarray,
    faces: np.ndarray,
    u_start: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Area and centroid of elementary ``faces`` (integrable ones) by Green's theorem in (u, v).

    The antiderivative in u starts at each face's lowest u (``u_start``, per
    face), as OCCT's integration does: a loop that closes only to within the
    edges' tolerance then gives OCCT's figures, not others that differ by
    that gap times the distance from u = 0. The loops' sense (counter-clockwise
    in (u, v) on a forward face, clockwise on a reversed one) signs area and
    moments alike, so the centroid is their ratio and the area its magnitude."""
    loops = _Loops(pcurves, coedge_face, coedge_reversed, u_start)
    area, moment = np.zeros(len(faces)), np.zeros((len(faces), 3))
    plane = frames.kind[faces] == PLANE
    for chosen, moments in ((plane, _planar_moments), (~plane, _revolved_moments)):
        if chosen.any():
            area[chosen], moment[chosen] = moments(frames, loops, faces[chosen])
    return np.abs(area), moment / np.where(area == 0.0, 1.0, area)[:, None]


@dataclass
class _Loops:
    """The faces' loops in (u, v), coedge by coedge, and where each face's u starts."""

    pcurves: Pcurves
    coedge_face: np.ndarray
    coedge_reversed: np.ndarray
    u_start: np.ndarray

    def coedges_of(self, faces: np.ndarray, face_count: int) -> np.ndarray:
        wanted = np.zeros(face_count, dtype=bool)
        wanted[faces] = True
        return np.flatnonzero(wanted[self.coedge_face])

    def quadrature(self, coedges: np.ndarray, nodes: np.ndarray, weights: np.ndarray):
        """Gauss-Legendre nodes along ``coedges`` as each runs: (coedge, parameter, weight)."""
        first, last = self.pcurves.first[coedges], self.pcurves.last[coedges]
        half = np.where(self.coedge_reversed[coedges], -0.5, 0.5) * (last - first)
        t = (0.5 * (last + first)[:, None] + half[:, None] * nodes).ravel()
        return np.repeat(coedges, len(nodes)), t, (half[:, None] * weights).ravel()


def _planar_moments(
    frames: SurfaceFrames, loops: _Loops, faces: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Signed area and first moment of planar ``faces``: O + u X + v Y makes the
    moment O A + X (integral of u) + Y (integral of v), three sums of scalars."""
    pcurves, coedge_face, u_start = loops.pcurves, loops.coedge_face, loops.u_start
    coedges = loops.coedges_of(faces, len(frames.kind))
    # Along a line every integrand here is a polynomial of degree 2 in the line's
    # parameter: two nodes are exact, and most coedges of a prismatic part are lines.
    line = pcurves.kind[coedges] == PCURVE_LINE
    at, t, weight = (
        np.concatenate(parts)
        for parts in zip(
            loops.quadrature(coedges[~line], _GAUSS_X, _GAUSS_W),
            loops.quadrature(coedges[line], *_GAUSS_2),
            strict=True,
        )
    )
    face = coedge_face[at]
    u, v, _, dv = pcurves.uv(at, t)
    u0 = u_start[face]
    span, step = u - u0, weight * dv
    area, along_x, along_y = (
        np.bincount(face, weights=step * integrand, minlength=len(frames.kind))[faces]
        for integrand in (span, 0.5 * span * (u + u0), span * v)
    )
    moment = (
        area[:, None] * frames.origin[faces]
        + along_x[:, None] * frames.x[faces]
        + along_y[:, None] * frames.y[faces]
    )
    return area, moment


def _revolved_moments(
    frames: SurfaceFrames, loops: _Loops, faces: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Signed area and first moment of ``faces`` on surfaces of revolution."""
    pcurves, coedge_face, u_start = loops.pcurves, loops.coedge_face, loops.u_start
    coedges = loops.coedges_of(faces, len(frames.kind))
    at, t, weight = loops.quadrature(coedges, _GAUSS_X, _GAUSS_W)
    face = coedge_face[at]
    u, v, _, dv = pcurves.uv(at, t)
    u0 = u_start[face]
    kind = frames.kind[face]
    rho, height, _, _, jacobian = frames._profile(face, kind, v)
    x, y, z = frames.x[face], frames.y[face], frames.z[face]
    span = u - u0
    along = (
        rho[:, None]
        * ((np.sin(u) - np.sin(u0))[:, None] * x - (np.cos(u) - np.cos(u0))[:, None] * y)
        + (span * height)[:, None] * z
        + span[:, None] * frames.origin[face]
    )
    step = weight * dv * jacobian
    size = len(frames.kind)
    area = np.bincount(face, weights=step * span, minlength=size)[faces]
    moment = np.stack(
        [np.bincount(face, weights=step * along[:, k], minlength=size)[faces] for k in range(3)],
        axis=1,
    )
    return area, moment


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product over the last axis, written out: numpy's costs 25 us a call."""
    return np.stack(
        [
            a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1],
            a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
            a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0],
        ],
        axis=-1,
    )
