"""Turned parts: is the part turned, about which axis, and its turned features.

A lathe makes surfaces of revolution about one axis: cylinders, cones and
tori on that axis and planes square to it. The axis is the line that holds the
most rotational face area. A part whose every face fits it is rotational; one
whose outside is mostly turned but has other faces too (flats, cross holes,
keyways) is mixed, and so is a disc or washer whose rim is the bar and most
of whose area lies on the axis; anything else is prismatic and this module
stays out.

For a turned part the stock is the bar: the largest outside diameter over the
full length. Outside cylinders below that diameter are turned diameters (with
the shoulder they stand on) or, bounded by walls on both sides, grooves;
outside cones that are not chamfers are tapers; concave tori are shoulder
fillets; other square planes are faced. Bores are left to the hole module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ..geometry.measure import bulges_out, face_vertices, revolution_surface, unit, uv_bounds
from ..geometry.outline import PartOutline
from ..geometry.stock import reach_along
from ..geometry.topology import (
    ANGLE_TOL,
    CIRCLE,
    CONCAVE,
    CONE,
    CONVEX,
    CYLINDER,
    PLANE,
    SMOOTH,
    TORUS,
    PartTopology,
)
from .candidate import Candidate

# A level of the outside profile that neither reaches the bar's end nor is
# walled on both sides is a groove beside a step when it lies less than this
# far below the turned diameter behind it, a turned diameter (a step of a
# staircase) otherwise. Grooves and relief undercuts are shallow (DIN 509
# undercuts are 0.1-0.5 mm deep; the TurningMilling grooves 0.4-0.8 mm) and
# shoulders of turned diameters deeper (0.8-1.5 mm there).
SHOULDER_GROOVE_DEPTH_MM = 0.8
MIXED_OUTSIDE_SHARE = 0.3  # turned outside area over all area that makes a part "mixed"
# ...or, where the bar's surface is the part's widest reach (a disc, a washer),
# the share of all area that lies on the axis (including faced ends).


class _Level(NamedTuple):
    """One outside cylinder of the turned profile: its axial span and radius."""

    start: float
    end: float
    radius: float
    face: int


@dataclass
class TurningAnalysis:
    topology: PartTopology
    part_type: str = "prismatic"
    axis: np.ndarray | None = None
    origin: np.ndarray | None = None
    coaxial: np.ndarray | None = None  # bool per face: a surface of revolution about the axis
    stock_faces: np.ndarray | None = None
    max_radius: float = 0.0
    span: tuple[float, float] = (0.0, 0.0)
    profile: list[dict] = field(default_factory=list)
    # Shares of the part's area: on faces a lathe makes about the axis (the surfaces
    # of revolution on it and the round planes square to it), and on its outside
    # cylinders and cones. Measured on every part: they say why it is (not) turned.
    revolution_share: float = 0.0
    outside_share: float = 0.0
    _outside_spans: list[tuple[float, float, float]] | None = None

    def position(self, point: np.ndarray) -> float:
        return float(np.dot(point - self.origin, self.axis))

    def features(self, free: np.ndarray) -> list[Candidate]:
        """Turned diameters, grooves, tapers, shoulder fillets and faced planes."""
        graph = self.topology.graph
        topology = self.topology
        taken: set[int] = set()
        found: list[Candidate] = []
        outside = [
            int(f)
            for f in np.flatnonzero(free & self.coaxial)
            if graph.face_surface_type[f] == CYLINDER and not topology.inward(int(f))
        ]
        grooves = self._groove_faces()
        for face in sorted(outside, key=lambda f: self._range(f)[0]):
            start, end = self._range(face)
            radius = float(graph.face_radius[face])
            walls, blends = self._walls(face, free, taken)
            params = {
                "diameter": 2.0 * radius,
                "length": end - start,
                "axial_start": start,
                "axial_end": end,
                "axis": unit(self.axis),
                "cylinder_face": face,
                "shoulder_faces": sorted(walls),
            }
            if face in grooves:
                outer = [self._outer_radius(w) for w in walls] or [
                    self._rim_radius(start, end, radius)
                ]
                width = self._width(walls) if len(walls) >= 2 else end - start
                params.update(width=width, depth=min(outer) - radius)
                if not all(self._rises(start, end, radius)):
                    params["beside_step"] = True
                found.append(Candidate("groove", [face] + walls, params, "external"))
            else:
                params["depth"] = self.max_radius - radius
                found.append(Candidate("turned_diameter", [face] + walls, params, "external"))
            found.extend(self._blend(b) for b in blends)
            taken.update([face] + walls + blends)
        for face in np.flatnonzero(free & self.coaxial):
            face = int(face)
            if face in taken:
                continue
            kind = graph.face_surface_type[face]
            neighbours = topology.neighbours[face]
            if kind == CONE and not topology.inward(face):
                if all(
                    n.convexity == CONVEX or topology.same_surface(face, n.face) for n in neighbours
                ):
                    continue  # a chamfer: the chamfer rule measures it
                found.append(Candidate("taper", [face], self._taper(face), "external"))
            elif kind == TORUS and any(n.convexity == SMOOTH for n in neighbours):
                if not self._torus_convex(face):
                    params = {"radius": float(graph.face_minor_radius[face])}
                    found.append(Candidate("round", [face], params, "concave"))
            elif kind == PLANE and not any(
                n.convexity == CONCAVE and not self.coaxial[n.face] for n in neighbours
            ):
                t = self.position(graph.face_sample_point[face])
                params = {
                    "axial_position": t,
                    "outer_diameter": 2.0 * self._outer_radius(face),
                    "normal": unit(graph.face_axis[face]),
                }
                found.append(Candidate("turned_face", [face], params, "facing"))
        return found

    def mark_cross_features(self, candidates: list[Candidate]) -> None:
        """Flag the holes and milled cuts made square to the turning axis
        (live tooling on a lathe, or a second set-up), with how far they
        reach past the centre line: a cross hole drilled through the centre
        of a solid bar, or a slot milled past it, is priced apart from one
        that stops short."""
        graph = self.topology.graph
        for candidate in candidates:
            params = candidate.parameters
            if "entry_point" in params:
                direction = np.array(params["axis"])
                to_centre = float((self.origin - np.array(params["entry_point"])) @ direction)
                overrun = float(params["depth"]) - to_centre
            elif "floor_face" in params and "tool_access_direction" in params:
                direction = -np.array(params["tool_access_direction"])
                floor_point = graph.face_sample_point[params["floor_face"]]
                overrun = float((floor_point - self.origin) @ direction)
            else:
                continue
            if abs(float(direction @ self.axis)) > ANGLE_TOL:
                continue
            params.update(radial=True, centre_overrun=overrun, past_centre=overrun > 0.0)

    def area_shares(self) -> dict[str, float]:
        """The measured shares that decide the part type, for the answer's routing."""
        return {
            "revolution_area_share": self.revolution_share,
            "turned_outside_share": self.outside_share,
        }

    def part_parameters(self, part_volume: float | None = None) -> dict:
        """The bar the part is turned from, and (given the part's volume) the
        volume turned and milled off it."""
        length = self.span[1] - self.span[0]
        bar_volume = math.pi * self.max_radius**2 * length
        params = {
            "turning_axis": unit(self.axis),
            "turning_axis_point": self.origin.tolist(),
            "bar_diameter": 2.0 * self.max_radius,
            "bar_length": length,
            "bar_volume": bar_volume,
            "turned_profile": self.profile,
        }
        if part_volume is not None:
            params["removed_from_bar"] = bar_volume - part_volume
        return params

    # ----------------------------------------------------------- measuring

    def _walls(self, face: int, free: np.ndarray, taken: set[int]) -> tuple[list[int], list[int]]:
        """The square planes a turned cylinder meets in a concave corner, directly
        or through a concave blend (an inside chamfer cone or a fillet torus). A
        blend is concave where it meets the turned profile (a round is tangent
        there too, so a torus must also curve into the corner); a milled feature
        that crosses it (a passage through the groove) adds convex edges that do
        not count."""
        topology, graph = self.topology, self.topology.graph

        def usable(other: int) -> bool:
            return bool(free[other]) and bool(self.coaxial[other]) and other not in taken

        walls, blends = [], []
        for n in topology.neighbours[face]:
            if n.convexity == CONVEX or not usable(n.face):
                continue
            kind = graph.face_surface_type[n.face]
            if kind == PLANE:
                walls.append(n.face)
            elif (
                kind in (CONE, TORUS)
                and not (kind == TORUS and bulges_out(topology, n.face))
                and all(
                    m.convexity != CONVEX
                    for m in topology.neighbours[n.face]
                    if self.coaxial[m.face]
                )
            ):
                blends.append(n.face)
                walls.extend(
                    m.face
                    for m in topology.neighbours[n.face]
                    if m.face != face
                    and usable(m.face)
                    and graph.face_surface_type[m.face] == PLANE
                )
        return sorted(set(walls)), blends

    def _groove_faces(self) -> set[int]:
        """The outside cylinders that are grooves, the rest being turned diameters.

        The outside profile is a staircase down to each end of the bar with
        grooves cut into it. A level walled on both sides is a groove; one
        that runs on at its own radius to the bar's end is a step. A level
        between a higher one behind and a lower one toward the end is either
        a step of the staircase or a groove cut beside the next step, whose
        far wall that deeper step took away: it is a groove when it lies less
        than SHOULDER_GROOVE_DEPTH_MM below the turned diameter behind it.
        Levels are judged from the outermost in, so that a groove beside a
        step is measured from the turned diameter it was cut into, never
        from another groove.
        """
        tol = 100.0 * self.topology.length_tol
        levels = [
            _Level(e["axial_start"], e["axial_end"], e["diameter"] / 2.0, e["face"])
            for e in self.profile
            if e["kind"] == "cylinder"
        ]
        grooves: set[int] = set()
        undecided: list[tuple[_Level, list[_Level]]] = []
        for level in levels:
            left, right = self._rises(level.start, level.end, level.radius)
            if left and right:
                grooves.add(level.face)
            elif left or right:
                # The bar's end lies ahead, on the side that does not rise.
                after = [lv for lv in levels if lv.start >= level.end - tol]
                before = [lv for lv in levels if lv.end <= level.start + tol]
                ahead, behind = (after, before) if left else (before, after)
                behind = [lv for lv in behind if lv.radius > level.radius + tol]
                # Nearest first, both ways.
                ahead.sort(key=lambda lv: lv.start if left else -lv.end)
                behind.sort(key=lambda lv: -lv.end if left else lv.start)
                if ahead and abs(ahead[-1].radius - level.radius) > tol:
                    undecided.append((level, behind))
        for level, behind in sorted(undecided, key=lambda u: -u[0].radius):
            shoulder = next((lv.radius for lv in behind if lv.face not in grooves), self.max_radius)
            if shoulder - level.radius < SHOULDER_GROOVE_DEPTH_MM:
                grooves.add(level.face)
        return grooves

    def _rises(self, start: float, end: float, radius: float) -> tuple[bool, bool]:
        """Whether the outside rises above ``radius`` before [start, end] and
        after it (however many grooves nest inside)."""
        tol = 100.0 * self.topology.length_tol
        left = any(s <= start + tol and r > radius + tol for s, _, r in self._spans())
        right = any(e >= end - tol and r > radius + tol for _, e, r in self._spans())
        return left, right

    def _spans(self) -> list[tuple[float, float, float]]:
        """(start, end, largest radius) of every outside turned face."""
        if self._outside_spans is None:
            self._outside_spans = [
                (e["axial_start"], e["axial_end"], self._outer_radius(e["face"]))
                for e in self.profile
            ]
        return self._outside_spans

    def _rim_radius(self, start: float, end: float, radius: float) -> float:
        """The lower of the outside radii met next to [start, end] on the sides where
        the outside rises above ``radius`` (the nearest span of each such side).

        A groove beside a step rises on one side only, and a span may start before
        the groove yet end inside its walls' tolerance: taking both sides blindly
        left one empty, and ``min`` raised on a real part.
        """
        tol = 100.0 * self.topology.length_tol
        left = [(e, r) for s, e, r in self._spans() if s <= start + tol and r > radius + tol]
        right = [(s, r) for s, e, r in self._spans() if e >= end - tol and r > radius + tol]
        nearest = ([max(left)[1]] if left else []) + ([min(right)[1]] if right else [])
        return min(nearest, default=self.max_radius)

    def _width(self, walls: list[int]) -> float:
        positions = [self.position(self.topology.graph.face_sample_point[w]) for w in walls]
        return max(positions) - min(positions)

    def _blend(self, face: int) -> Candidate:
        graph = self.topology.graph
        if graph.face_surface_type[face] == TORUS:
            return Candidate(
                "round", [face], {"radius": float(graph.face_minor_radius[face])}, "concave"
            )
        params = self._taper(face)
        return Candidate(
            "chamfer",
            [face],
            {"angle_deg": params["half_angle_deg"], "axial_length": params["length"]},
            "conical_inside",
        )

    def _range(self, face: int) -> tuple[float, float]:
        """Axial extent of a coaxial cylinder or cone, exact from its v range."""
        _, _, vmin, vmax = uv_bounds(self.topology.graph, face)
        surface = revolution_surface(self.topology.graph, face)
        base = self.position(surface.location)
        sense = float(np.dot(surface.direction, self.axis))
        slope = surface.axial_per_v
        a, b = base + vmin * slope * sense, base + vmax * slope * sense
        return (a, b) if a <= b else (b, a)

    def _outer_radius(self, face: int) -> float:
        """Largest distance from the axis over a face's vertices."""
        points = face_vertices(self.topology, [face]) - self.origin
        radial = points - np.outer(points @ self.axis, self.axis)
        return float(np.linalg.norm(radial, axis=1).max()) if len(points) else 0.0

    def _taper(self, face: int) -> dict:
        cone = revolution_surface(self.topology.graph, face)
        _, _, vmin, vmax = uv_bounds(self.topology.graph, face)
        start, end = self._range(face)
        r1 = cone.ref_radius + vmin * cone.radius_per_v
        r2 = cone.ref_radius + vmax * cone.radius_per_v
        return {
            "half_angle_deg": math.degrees(abs(cone.semi_angle)),
            "included_angle_deg": 2.0 * math.degrees(abs(cone.semi_angle)),
            "length": end - start,
            "diameter_large": 2.0 * max(r1, r2),
            "diameter_small": 2.0 * min(r1, r2),
            "axis": unit(self.axis),
        }

    def _torus_convex(self, face: int) -> bool:
        graph = self.topology.graph
        point = graph.face_sample_point[face] - self.origin
        radial = point - np.dot(point, self.axis) * self.axis
        distance = float(np.linalg.norm(radial))
        direction = radial / distance
        centre_offset = direction * float(graph.face_radius[face])
        to_point = radial - centre_offset
        return float(np.dot(graph.face_sample_normal[face], to_point)) > 0.0


def analyze_turning(topology: PartTopology, outline: PartOutline) -> TurningAnalysis:
    """Find the turning axis and decide rotational, mixed or prismatic."""
    graph = topology.graph
    analysis = TurningAnalysis(topology)
    kinds = graph.face_surface_type
    rotational = np.flatnonzero((kinds == CYLINDER) | (kinds == CONE) | (kinds == TORUS))
    if not len(rotational):
        return analysis
    # Each face's axis line as (sense-free direction, point nearest the origin),
    # rounded so that one line gets one key; the line with the most area wins.
    axes = graph.face_axis[rotational]
    flip = axes[np.arange(len(axes)), np.argmax(np.abs(axes), axis=1)] < 0
    axes = np.where(flip[:, None], -axes, axes)
    points = graph.face_axis_point[rotational]
    feet = points - np.einsum("ij,ij->i", points, axes)[:, None] * axes
    grid = 1e3 * topology.length_tol
    keys = np.hstack([np.round(axes, 4), np.round(feet / grid)])
    _, group = np.unique(keys, axis=0, return_inverse=True)
    best = int(np.argmax(np.bincount(group.ravel(), weights=graph.face_area[rotational])))
    first = int(np.flatnonzero(group.ravel() == best)[0])
    axis, origin = axes[first], feet[first]
    # Axial positions are measured from the point of the axis nearest the origin.
    analysis.axis, analysis.origin = axis, origin
    offset = graph.face_axis_point[rotational] - origin
    offset -= np.einsum("ij,j->i", offset, axis)[:, None] * axis
    on_axis = (np.abs(graph.face_axis[rotational] @ axis) > 1.0 - ANGLE_TOL) & (
        np.linalg.norm(offset, axis=1) < grid
    )
    main = rotational[on_axis].tolist()

    coaxial = np.zeros(graph.face_count, dtype=bool)
    coaxial[main] = True
    planes = np.flatnonzero(graph.face_surface_type == PLANE)
    coaxial[planes] = np.abs(graph.face_axis[planes] @ axis) > 1.0 - 1e-4
    analysis.coaxial = coaxial
    outside = [
        f for f in main if graph.face_surface_type[f] in (CYLINDER, CONE) and not topology.inward(f)
    ]
    total = float(graph.face_area.sum())
    share = float(graph.face_area[outside].sum()) / total
    revolved = np.zeros(graph.face_count, dtype=bool)
    revolved[main] = True
    revolved |= coaxial & (kinds == PLANE) & _round_faces(graph)
    analysis.revolution_share = float(graph.face_area[revolved].sum()) / total
    analysis.outside_share = share
    if coaxial.all():
        analysis.part_type = "rotational"
    elif share >= MIXED_OUTSIDE_SHARE or (
        _turned_outline(analysis, outside) and float(graph.face_area[coaxial].sum()) / total >= 0.5
    ):
        analysis.part_type = "mixed"
    else:
        return analysis
    _bar(analysis, outside, outline)
    return analysis


def _round_faces(graph) -> np.ndarray:
    """Faces bounded by circles only (a plane square to the axis that a lathe faces)."""
    straight = graph.edge_curve_type[graph.coedge_edge] != CIRCLE
    return np.bincount(graph.coedge_face, weights=straight, minlength=graph.face_count) == 0


def _turned_outline(analysis: TurningAnalysis, outside: list[int]) -> bool:
    """The part's widest reach from the axis is an outside cylinder on it:
    the bar's own surface (a washer, a disc), not a boss on a block."""
    graph = analysis.topology.graph
    cylinders = [f for f in outside if graph.face_surface_type[f] == CYLINDER]
    if not cylinders:
        return False
    points = analysis.topology.edge_ends.reshape(-1, 3) - analysis.origin
    radial = points - np.outer(points @ analysis.axis, analysis.axis)
    reach = float(np.linalg.norm(radial, axis=1).max())
    return reach <= float(graph.face_radius[cylinders].max()) + 100.0 * analysis.topology.length_tol


def _bar(analysis: TurningAnalysis, outside: list[int], outline: PartOutline) -> None:
    """Bar stock: largest outside radius, the part's full length (its reach along
    the axis, not its vertices': a rounded rim reaches past them); its faces are stock."""
    topology = analysis.topology
    graph = topology.graph
    tol = 100.0 * topology.length_tol
    low, high = reach_along(outline, graph, analysis.axis)
    start = float(analysis.origin @ analysis.axis)
    analysis.span = (low - start, high - start)
    cylinders = [f for f in outside if graph.face_surface_type[f] == CYLINDER]
    analysis.max_radius = max((float(graph.face_radius[f]) for f in cylinders), default=0.0)
    stock = np.zeros(graph.face_count, dtype=bool)
    for face in cylinders:
        stock[face] = abs(graph.face_radius[face] - analysis.max_radius) < tol
    for face in np.flatnonzero(analysis.coaxial & (graph.face_surface_type == PLANE)):
        t = analysis.position(graph.face_sample_point[face])
        sense = float(np.dot(graph.face_axis[face], analysis.axis))
        stock[face] = (abs(t - analysis.span[1]) < tol and sense > 0) or (
            abs(t - analysis.span[0]) < tol and sense < 0
        )
    analysis.stock_faces = stock
    profile = []
    for face in outside:
        start, end = analysis._range(face)
        entry = {
            "face": int(face),
            "kind": "cylinder" if graph.face_surface_type[face] == CYLINDER else "cone",
            "axial_start": start,
            "axial_end": end,
        }
        if entry["kind"] == "cylinder":
            entry["diameter"] = 2.0 * float(graph.face_radius[face])
        profile.append(entry)
    analysis.profile = sorted(profile, key=lambda e: (e["axial_start"], e["axial_end"]))
