"""Holes: coaxial stacks of bores, with counterbores, countersinks and bottoms.

A hole is a set of inward-facing cylinders and cones on one axis (a bore's
outward normal points at its axis), joined to each other directly or through
flat rings normal to the axis (a counterbore's shoulder), and closed by a flat
bottom or a drill-point cone when it is blind. Cylinders tangent to a
neighbour are left out: those are corner radii and round slot ends; the one
tangent neighbour a bore may have is the round on its rim (a torus, or a
B-spline where the hole enters a face at a slant).

Dimensions are exact: radii from the surfaces, axial positions from the
surfaces' own parameter ranges (v runs along the axis), so a depth is right
even where the hole breaks out through a slanted or curved face.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..disjoint_sets import DisjointSets
from ..geometry.measure import edge_v_ranges, revolution_surface, unit, uv_bounds
from ..geometry.topology import (
    BSPLINE,
    CONCAVE,
    CONE,
    CONVEX,
    CYLINDER,
    LINE,
    PLANE,
    SMOOTH,
    TORUS,
    Neighbour,
    PartTopology,
)
from .candidate import Candidate
from .iso_sizes import DrillMatch, TapMatch, nearest_drill, nearest_tap

FULL_TURN = 2.0 * math.pi
CORNER_ARC_DEG = 135.0
"""A blind bore covering no more of its circle than this is a corner cut by a round
end mill (MFCAD++'s circular blind step, a quarter circle), not a hole: a hole that
breaks out of the part keeps at least half of its circle."""
CHANNEL_ARC_DEG = 180.0 + 1e-3
"""A through bore covering no more than half its circle, at least as long as it is
wide, with at least half its side length on the raw block's faces, has its axis
on or outside the part: no drill can centre there, a round-nosed or end mill
runs it along its length, and MFCAD++ calls it a circular through slot (a
round-bottomed channel). A shorter one is a notch through a thin wall (NIST
STC 08's 10.16 mm half circles in its 3.43 mm flange), and one whose sides lie
in another cut (a slot that took the upper half of a hole) was drilled whole:
both stay partial holes."""


@dataclass
class Segment:
    """Faces of one surface of the stack (split halves of a bore are one segment)."""

    kind: str  # "cylinder", "cone" or "plane"
    faces: list[int]
    start: float  # axial positions along the group axis
    end: float
    radius_start: float
    radius_end: float
    span: float = 0.0  # angle covered, radians (cylinders and cones)
    bores: list[BoreFace] = field(default_factory=list)

    @property
    def included_angle_deg(self) -> float:
        """A cone's included angle (a countersink's 90, a drill point's 118)."""
        slope = math.atan2(self.radius_end - self.radius_start, self.end - self.start)
        return 2.0 * math.degrees(abs(slope))


@dataclass
class BoreFace:
    """One face of a bore segment: the v range of each of its edges, and the
    axial position of its two v bounds, to tell which edges are its ends."""

    face: int
    edge_v: dict[int, tuple[float, float]]
    ends: tuple[tuple[float, float], tuple[float, float]]  # (v, axial position) at vmin, vmax


@dataclass
class HoleStack:
    axis: np.ndarray
    origin: np.ndarray
    faces: set[int] = field(default_factory=set)


def recognize_holes(
    topology: PartTopology, free: np.ndarray, stock: np.ndarray | None = None
) -> list[Candidate]:
    """Holes among the ``free`` faces. ``stock`` marks the faces left of the raw
    block, which tell a channel cut into it from a hole another cut opened;
    without it (tier 1 measuring the faces the network calls a hole) every
    bore stack is a hole."""
    stacks = _stacks(topology, free)
    found = []
    for stack in stacks:
        candidate = _measure(topology, stack, stock)
        if candidate is not None:
            found.append(candidate)
    return found


def _is_bore(topology: PartTopology, face: int) -> bool:
    """An inward cylinder or cone that a drill could have made. Not one
    tangent to a wall (a corner radius, a slot's round end; a rounded rim is
    fine, see _rim_blend), nor one whose side lines (the only lines on it)
    meet walls in a concave corner: a partial hole breaks out of the part, so
    its sides are convex, while a round end between drafted walls is concave
    along them."""
    graph = topology.graph
    if graph.face_surface_type[face] not in (CYLINDER, CONE):
        return False
    for n in topology.neighbours[face]:
        if (
            n.convexity == SMOOTH
            and not _rim_blend(topology, face, n)
            and not topology.same_surface(face, n.face)
        ):
            return False
        if n.convexity == CONCAVE and graph.edge_curve_type[n.edge] == LINE:
            return False
    return topology.inward(face)


def _rim_blend(topology: PartTopology, bore: int, neighbour: Neighbour) -> bool:
    """A round on a bore's rim: a torus, or, where a drilled cylinder enters a
    face at a slant, a B-spline blend that meets it round it (not along a
    side line) and widens away from it (its edges reach outside the bore's
    radius). A B-spline that stays inside the radius is a domed bottom: OCCT's
    trj4_s1-pe-214.stp has 146 mm bores closed by B-spline domes, round
    pockets, not holes."""
    graph = topology.graph
    kind = graph.face_surface_type[neighbour.face]
    if kind == TORUS:
        return True
    if (
        kind != BSPLINE
        or graph.face_surface_type[bore] != CYLINDER
        or graph.edge_curve_type[neighbour.edge] == LINE
    ):
        return False
    axis, origin = graph.face_axis[bore], graph.face_axis_point[bore]
    points = np.concatenate([topology.edge_points(e) for e in topology.face_edges(neighbour.face)])
    offset = points - origin
    off_axis = offset - np.outer(offset @ axis, axis)
    reach = float(np.linalg.norm(off_axis, axis=1).max())
    return reach > float(graph.face_radius[bore]) + 100.0 * topology.length_tol


def _stacks(topology: PartTopology, free: np.ndarray) -> list[HoleStack]:
    """Coaxial bores joined directly or through flat rings, as union-find groups."""
    graph = topology.graph
    bores = [int(f) for f in np.flatnonzero(free) if _is_bore(topology, int(f))]
    stacks = DisjointSets(bores)
    for face in bores:
        for n in topology.neighbours[face]:
            if n.face in stacks and topology.coaxial(face, n.face):
                stacks.union(face, n.face)

    # Flat rings and bottoms: planes square to the axis that a bore meets in a
    # concave corner, otherwise bounded by bores of that axis or, for a hole
    # that breaks out sideways (a partial hole) or is crossed by another (a
    # bore of another axis), by convex edges, and no larger than the widest
    # bore's disc.
    for face in np.flatnonzero(free & (graph.face_surface_type == PLANE)):
        face = int(face)
        corners = [
            n.face
            for n in topology.neighbours[face]
            if n.face in stacks
            and n.convexity == CONCAVE
            and topology.parallel(graph.face_axis[face], graph.face_axis[n.face])
        ]
        if not corners or not all(topology.coaxial(corners[0], f) for f in corners):
            continue
        rim = [
            n
            for n in topology.neighbours[face]
            if n.face in stacks and topology.coaxial(corners[0], n.face)
        ]
        if any(n not in rim and n.convexity != CONVEX for n in topology.neighbours[face]):
            continue
        widest = max(
            (
                float(graph.face_radius[n.face])
                for n in rim
                if graph.face_surface_type[n.face] == CYLINDER
            ),
            default=math.inf,
        )
        if graph.face_area[face] > math.pi * widest**2 * (1.0 + 1e-6):
            continue
        stacks.add(face)
        for n in rim:
            stacks.union(n.face, face)

    found = []
    for faces in stacks.groups():
        bore = next(f for f in faces if graph.face_surface_type[f] != PLANE)
        stack = HoleStack(graph.face_axis[bore].copy(), graph.face_axis_point[bore].copy())
        stack.faces.update(faces)
        found.append(stack)
    return found


def _segment(topology: PartTopology, face: int, stack: HoleStack) -> Segment:
    graph = topology.graph
    kind = int(graph.face_surface_type[face])
    if kind == PLANE:
        t = float(np.dot(graph.face_sample_point[face] - stack.origin, stack.axis))
        return Segment("plane", [face], t, t, math.nan, math.nan)
    umin, umax, _, _ = uv_bounds(graph, face)
    edge_v = edge_v_ranges(topology, face)
    vmin = min(low for low, _ in edge_v.values())
    vmax = max(high for _, high in edge_v.values())
    surface = revolution_surface(graph, face)
    slope, radius0, radius_rate = surface.axial_per_v, surface.ref_radius, surface.radius_per_v
    direction = float(np.dot(surface.direction, stack.axis))
    base = float(np.dot(surface.location - stack.origin, stack.axis))
    ends = [(base + v * slope * direction, radius0 + v * radius_rate) for v in (vmin, vmax)]
    bore = BoreFace(face, edge_v, ((vmin, ends[0][0]), (vmax, ends[1][0])))
    ends.sort()
    return Segment(
        "cylinder" if kind == CYLINDER else "cone",
        [face],
        ends[0][0],
        ends[1][0],
        ends[0][1],
        ends[1][1],
        umax - umin,
        [bore],
    )


def _merge(segments: list[Segment], tol: float) -> list[Segment]:
    """Faces of the same surface over the same axial range become one segment."""
    merged: list[Segment] = []
    for seg in sorted(segments, key=lambda s: (s.start, s.end)):
        for other in merged:
            if (
                other.kind == seg.kind
                and abs(other.start - seg.start) < tol
                and abs(other.end - seg.end) < tol
                and (seg.kind == "plane" or abs(other.radius_start - seg.radius_start) < tol)
            ):
                other.faces += seg.faces
                other.span += seg.span
                other.bores += seg.bores
                break
        else:
            merged.append(seg)
    return merged


def _measure(
    topology: PartTopology, stack: HoleStack, stock: np.ndarray | None
) -> Candidate | None:
    tol = 100.0 * topology.length_tol
    segments = _merge([_segment(topology, f, stack) for f in stack.faces], tol)
    bores = [s for s in segments if s.kind != "plane"]
    if not bores:
        return None
    low = min(s.start for s in bores)
    high = max(s.end for s in bores)

    entry_faces = _end_faces(topology, stack, bores, low, high, tol)
    open_low, open_high = bool(entry_faces[False]), bool(entry_faces[True])
    bottoms = [
        s
        for s in segments
        if s.kind == "plane" and min(abs(s.start - low), abs(s.start - high)) < tol
    ]
    if bottoms:
        bottom_at_high = abs(bottoms[0].start - high) < tol
        open_low, open_high = (open_low and bottom_at_high, open_high and not bottom_at_high)
    tip = _tip(bores, low, high, tol)
    if tip is not None:
        if tip == "high":
            open_high = False
        else:
            open_low = False
    through = open_low and open_high
    if not (open_low or open_high):
        return None  # an internal void or an odd shape: not a hole we can drill

    # Drilling direction: into the part from the entry end.
    if through:
        entry_high = _entry_by_size(stack, bores, low, high, tol)
        into_bore = {
            end: all(_is_bore(topology, f) for f in entry_faces[end]) for end in (False, True)
        }
        if into_bore[False] != into_bore[True]:
            entry_high = into_bore[False]  # a cross hole is drilled from outside into the bore
    else:
        entry_high = open_high
    drill = -stack.axis if entry_high else stack.axis
    entry_t = high if entry_high else low

    def depth_of(t: float) -> float:
        return abs(t - entry_t)

    ordered = sorted(segments, key=lambda s: min(depth_of(s.start), depth_of(s.end)))
    cylinders = [s for s in ordered if s.kind == "cylinder"]
    if not cylinders:
        return None
    main = cylinders[-1]
    radius = main.radius_start
    diameter = 2.0 * radius
    if (
        through
        and math.degrees(main.span) <= CHANNEL_ARC_DEG
        and high - low >= diameter
        and stock is not None
        and _opens_onto_stock(topology, main, stock)
    ):  # a channel, measured as a slot: none of a hole's segments or drill sizes
        walls = sorted(f for s in cylinders for f in s.faces)
        return Candidate(
            "circular_through_slot",
            walls,
            _channel_parameters(topology, stack, walls, main, high - low),
            "through",
        )
    main_bottom = max(depth_of(main.start), depth_of(main.end))
    stack_parts = []
    subtype_parts = []
    # How deep the entry's own segments reach: a countersink under a rim chamfer, or a
    # counterbore under one, starts where the segment above it ends.
    entry = 0.0
    for seg in ordered:
        if seg is main or seg.kind == "plane":
            continue
        near, far = sorted((depth_of(seg.start), depth_of(seg.end)))
        at_entry = near < entry + tol
        if seg.kind == "cylinder" and seg.radius_start > radius + tol and at_entry:
            entry = far
            shoulder = [
                face
                for plane in segments
                if plane.kind == "plane" and abs(depth_of(plane.start) - far) < tol
                for face in plane.faces
            ]
            stack_parts.append(
                {
                    "kind": "counterbore",
                    "diameter": 2.0 * seg.radius_start,
                    "depth": far - near,
                    "faces": seg.faces + shoulder,
                }
            )
            subtype_parts.append("counterbore")
        elif seg.kind == "cone" and at_entry:
            entry = far
            angle = seg.included_angle_deg
            stack_parts.append(
                {
                    "kind": "countersink",
                    "diameter": 2.0 * max(seg.radius_start, seg.radius_end),
                    "angle_deg": angle,
                    "depth": far - near,
                    "faces": seg.faces,
                }
            )
            subtype_parts.append("countersink")
        elif seg.kind == "cone" and through and abs(far - abs(high - low)) < tol:
            stack_parts.append(
                {
                    "kind": "exit_countersink",
                    "diameter": 2.0 * max(seg.radius_start, seg.radius_end),
                    "angle_deg": seg.included_angle_deg,
                    "depth": far - near,
                    "faces": seg.faces,
                }
            )
            subtype_parts.append("exit_countersink")
        elif seg.kind == "cylinder":
            stack_parts.append(
                {
                    "kind": "bore",
                    "diameter": 2.0 * seg.radius_start,
                    "depth_from": near,
                    "depth_to": far,
                    "faces": seg.faces,
                }
            )

    params = {
        "diameter": diameter,
        "radius": radius,
        "depth": high - low if through else main_bottom,
        "axis": unit(drill),
        "entry_point": (stack.origin + entry_t * stack.axis).tolist(),
        "entry_faces": sorted(entry_faces[entry_high]),
        "through": through,
        "bottom": "through"
        if through
        else ("flat" if bottoms else ("drill_point" if tip else "open")),
        "bottom_faces": sorted(face for segment in bottoms for face in segment.faces),
        "segments": stack_parts,
        "partial": main.span < FULL_TURN - 1e-6,
        "arc_deg": math.degrees(main.span),
        "iso_drill": _json(nearest_drill(diameter)),
        "iso_tap": _json(nearest_tap(diameter)),
    }
    if tip is not None:
        cone = next(
            s
            for s in bores
            if s.kind == "cone"
            and (
                (tip == "high" and abs(s.end - high) < tol)
                or (tip == "low" and abs(s.start - low) < tol)
            )
        )
        params["drill_point_angle_deg"] = cone.included_angle_deg
        params["tip_depth"] = high - low
        params["bottom_faces"] = sorted(cone.faces)  # a drill point closes the hole
    kind = "through_hole" if through else "blind_hole"
    subtype = "+".join(subtype_parts) if subtype_parts else "plain"
    if not through and math.degrees(main.span) <= CORNER_ARC_DEG:
        kind, subtype = "circular_blind_step", "blind"
    return Candidate(kind, sorted(stack.faces), params, subtype)


def _opens_onto_stock(topology: PartTopology, main: Segment, stock: np.ndarray) -> bool:
    """Whether at least half the length of the bore's side lines (the only lines
    on it) runs along faces of the raw block: a later cut may take a stretch of a
    channel's rim, and a rim chamfer one whole side, but a hole another cut
    opened has its sides in that cut's faces."""
    graph = topology.graph
    sides = [
        (n.face, float(graph.edge_length[n.edge]))
        for face in main.faces
        for n in topology.neighbours[face]
        if graph.edge_curve_type[n.edge] == LINE and n.face not in main.faces
    ]
    on_stock = sum(length for face, length in sides if stock[face])
    return bool(sides) and on_stock >= 0.5 * sum(length for _, length in sides)


def _channel_parameters(
    topology: PartTopology, stack: HoleStack, walls: list[int], main: Segment, length: float
) -> dict:
    """A round-bottomed channel's slot dimensions: the tool comes from its open
    side (from the bore's centroid across the axis), ``width`` is the chord
    the part's surface leaves, ``depth`` from that chord to the bottom."""
    graph = topology.graph
    radius = main.radius_start
    half = 0.5 * main.span
    weights = np.maximum(graph.face_area[main.faces], 1e-12)  # a sliver of no area still counts
    centroid = (graph.face_centroid[main.faces] * weights[:, None]).sum(axis=0) / weights.sum()
    across = stack.origin - centroid
    across = unit(across - np.dot(across, stack.axis) * stack.axis)
    return {
        "wall_faces": walls,
        "axis": across,
        "tool_access_direction": list(across),
        "depth": radius * (1.0 - math.cos(half)),
        "width": 2.0 * radius * math.sin(half),
        "length": length,
        "length_direction": unit(stack.axis),
        "radius": radius,
        "min_corner_radius": radius,
        "arc_deg": math.degrees(main.span),
    }


def _json(match: DrillMatch | TapMatch | None) -> dict | None:
    return None if match is None else match.to_json()


def _end_faces(
    topology: PartTopology,
    stack: HoleStack,
    bores: list[Segment],
    low: float,
    high: float,
    tol: float,
) -> dict[bool, set[int]]:
    """Faces outside the stack met where a bore ends at the stack's low (False)
    or high (True) end: the faces the hole opens onto.

    An edge counts where it reaches the face's v bound at that end. Lines are
    the sides of a partial hole (the only lines on a cylinder or cone run
    along it) and an edge inside the v range is another hole crossing this
    one: neither is an end.
    """
    graph = topology.graph
    ends: dict[bool, set[int]] = {False: set(), True: set()}
    for seg in bores:
        for bore in seg.bores:
            at_end = [
                (v, abs(t - high) < tol)
                for v, t in bore.ends
                if min(abs(t - low), abs(t - high)) < tol
            ]
            for n in topology.neighbours[bore.face]:
                if n.face in stack.faces or graph.edge_curve_type[n.edge] == LINE:
                    continue
                vmin, vmax = bore.edge_v[n.edge]
                for v, is_high in at_end:
                    if min(abs(vmin - v), abs(vmax - v)) < tol:
                        ends[is_high].add(n.face)
    return ends


def _tip(bores: list[Segment], low: float, high: float, tol: float) -> str | None:
    """The end closed by a cone narrowing to a point (a drill point), if any."""
    for seg in bores:
        if seg.kind != "cone":
            continue
        if abs(seg.end - high) < tol and seg.radius_end < tol:
            return "high"
        if abs(seg.start - low) < tol and seg.radius_start < tol:
            return "low"
    return None


def _entry_by_size(
    stack: HoleStack, bores: list[Segment], low: float, high: float, tol: float
) -> bool:
    """For a through hole, enter where the stack is widest (the counterbore or
    countersink side); if both ends are alike, from above: along the axis's
    main component, downward."""

    def widest_at(t: float) -> float:
        return max(
            max(s.radius_start, s.radius_end) for s in bores if s.start - tol <= t <= s.end + tol
        )

    radius_low, radius_high = widest_at(low), widest_at(high)
    if abs(radius_low - radius_high) > tol:
        return radius_high > radius_low
    return bool(stack.axis[int(np.argmax(np.abs(stack.axis)))] > 0)
