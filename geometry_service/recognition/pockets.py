"""Prismatic depressions: pockets, slots, steps, passages and bosses.

A milled depression is the union of a few cuts. Across an edge inside one cut
the material angle exceeds 180 degrees (concave) or the faces blend (a corner
radius, smooth); where two cuts or a cut and the stock meet, the edge is
convex. So the concave-or-smooth connected components of the non-stock faces
that the other modules left are the cuts, and each is classified by its
floor (the face every wall stands on), its walls and where it opens:

- no floor, walls around a common axis in a ring: a passage (3, 4, 6 sides);
  two walls in a V: a triangular through slot;
- a floor closed all round by walls: a pocket (3, 4, 6 sides, circular ends);
- a floor open to the outside on two opposite sides (through) or not (blind):
  steps (one wall, or two meeting), slots (two parallel walls, or three; a
  blind slot's end round in plan or rising to the top in a curve);
- walls standing on an inner loop of a floor: a boss; where they stand on an
  open floor and cover most of the block's footprint, the part's outer
  contour milled down to a flange (a contour, a step all round).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..disjoint_sets import DisjointSets
from ..geometry.elementary_faces import cross
from ..geometry.measure import (
    extent_along,
    face_outline,
    face_vertices,
    oriented_extent,
    unit,
    uv_bounds,
)
from ..geometry.oriented_box import OrientedBox
from ..geometry.topology import (
    ANGLE_TOL,
    CONCAVE,
    CONE,
    CONVEX,
    CYLINDER,
    PLANE,
    SMOOTH,
    SPHERE,
    TORUS,
    PartTopology,
)
from .candidate import Candidate
from .taxonomy import PASSAGE_BY_SIDES, POCKET_BY_SIDES

ELEMENTARY = (PLANE, CYLINDER, CONE, SPHERE, TORUS)
MAX_DRAFT = math.sin(math.radians(3.0))  # a wall may lean open this much
ANGLE_BINS = 720  # half degrees: how finely the turn of a round end's pieces is counted
CONTOUR_FOOTPRINT_SHARE = 0.5
"""A boss on an open floor covering this much of the block's footprint is the part's
outer contour (NIST STC 08's body: 0.88 of its footprint; its hex boss CTC 01: 0.04)."""


@dataclass
class Setting:
    """What every cut of one part is judged against: the stock's axes (a step
    square to them is rectangular, else slanted), the faces still free (a
    boss's top) and the turning axis of a turned part (a pocket milled into
    it faces away from that axis), with whether the part is turned (its
    outside about that axis is the bar's, and can clip a pocket)."""

    stock_axes: np.ndarray
    free: np.ndarray
    turning_axis: np.ndarray | None = None
    turned: bool = False
    block: OrientedBox | None = None  # the stock block, where the caller knows it
    holes: np.ndarray | None = None  # bool per face: a hole's, where the caller knows them
    rim_blends: np.ndarray | None = None  # bool per face: a chamfer's or round's, where known
    stock: np.ndarray | None = None  # bool per face: the stock's own, where known


@dataclass
class Depression:
    """One concave-connected cut, with its floor and walls once found."""

    faces: list[int]
    floor: list[int] | None = None


def recognize_depressions(
    topology: PartTopology,
    free: np.ndarray,
    stock_axes: np.ndarray,
    turning_axis: np.ndarray | None = None,
    turned: bool = False,
    block: OrientedBox | None = None,
    holes: np.ndarray | None = None,
    rim_blends: np.ndarray | None = None,
    stock: np.ndarray | None = None,
) -> list[Candidate]:
    """Classify every concave-connected component of the free faces; ``block`` (the
    stock block) tells a boss from the part's outer contour, ``holes`` (the faces of
    the holes found) a floor pierced by a hole from one open onto the outside, and
    ``rim_blends`` (the faces of the chamfers and rounds found) where a cut runs out
    through a chamfered or rounded rim, and ``stock`` (the stock's own faces) which
    of the faces a cut runs into belong to another cut."""
    setting = Setting(stock_axes, free, turning_axis, turned, block, holes, rim_blends, stock)
    found: list[Candidate] = []
    claimed: set[int] = set()
    # Largest first, so that a boss claims its top before the top is seen alone.
    for faces in sorted(_components(topology, free), key=len, reverse=True):
        faces = [f for f in faces if f not in claimed]
        if not faces:
            continue
        for candidate in _classify(topology, Depression(faces), setting):
            claimed.update(candidate.face_ids)
            found.append(candidate)
    return found


def _components(
    topology: PartTopology, free: np.ndarray, joins: tuple[int, ...] = (CONCAVE, SMOOTH)
) -> list[list[int]]:
    sets = DisjointSets(int(face) for face in np.flatnonzero(free))
    for face in np.flatnonzero(free):
        for n in topology.neighbours[face]:
            if free[n.face] and n.convexity in joins:
                sets.union(int(face), n.face)
    return sets.groups()


def _find_floor(
    topology: PartTopology,
    faces: list[int],
    turning_axis: np.ndarray | None = None,
    drafts: bool = False,
) -> list[int] | None:
    """The plane that every other face stands on, as its faces, if any.

    A floor split by a boolean is several coplanar faces. Several planes can
    qualify (an L-shaped step): the one with more walls on it, then the
    larger, wins. A floor that needs overhangs is ambiguous (the overhang's
    own side wall qualifies as well); on a turned part the milled floor is the
    one facing away from the turning axis, so that one goes first.
    """
    graph = topology.graph
    members = set(faces)
    planar = [f for f in faces if graph.face_surface_type[f] == PLANE]
    best, best_key = None, None
    for group in _distinct_planes(topology, planar):
        normal = graph.face_axis[group[0]]
        inside = set(group)
        closed = all(
            n.face in members and n.convexity != CONVEX
            for f in group
            for n in topology.neighbours[f]
        )
        if not all(
            _stands_on(topology, f, normal, inside, closed, drafts)
            for f in faces
            if f not in inside
        ):
            continue
        touching = set().union(*(topology.neighbour_faces(f) for f in group)) & (members - inside)
        overhangs = any(
            graph.face_surface_type[f] == PLANE and float(normal @ graph.face_axis[f]) < -0.5
            for f in faces
        )
        radial = turning_axis is not None and topology.perpendicular(normal, turning_axis)
        key = (not overhangs or radial, len(touching), float(graph.face_area[group].sum()))
        if best_key is None or key > best_key:
            best, best_key = sorted(group, key=lambda f: -graph.face_area[f]), key
    return best


def _stands_on(
    topology: PartTopology,
    face: int,
    normal: np.ndarray,
    floor: set[int],
    overhang: bool = False,
    drafts: bool = False,
) -> bool:
    """A face that a cut with this floor normal leaves: a wall square to the
    floor (plane or cylinder along the normal: walls, corner radii, round
    ends), a fillet along the floor's edge (a concave cylinder tangent to the
    floor) or the torus, sphere or spline patch where such fillets meet a corner
    radius.
    With ``overhang``, also a plane facing the floor: a pocket closed all
    round whose cut runs on under the material (a pocket sunk into a turned
    groove). Never for an open floor: a passage's opposite walls face each
    other too. With ``drafts``, walls may lean open by a draft angle."""
    graph = topology.graph
    kind = graph.face_surface_type[face]
    axis = graph.face_axis[face]
    if kind == PLANE:
        return _wall(topology, normal, axis, drafts) or (
            overhang and float(normal @ axis) < -1.0 + ANGLE_TOL
        )
    if kind == CONE:
        return topology.parallel(normal, axis) and topology.inward(face)  # a drafted corner radius
    if kind == CYLINDER:
        if topology.parallel(normal, axis):
            return True
        return (
            topology.perpendicular(normal, axis)
            and topology.inward(face)
            and any(n.face in floor and n.convexity == SMOOTH for n in topology.neighbours[face])
        )
    if kind == TORUS:
        return topology.parallel(normal, axis)
    if kind == SPHERE:
        return True
    # A free-form patch tangent to its neighbours: where a floor fillet meets a corner
    # radius of another radius, CAD closes the corner with a spline blend (which a cut
    # crossing the corner meets over a convex edge).
    joins = [n.convexity for n in topology.neighbours[face]]
    return kind not in ELEMENTARY and CONCAVE not in joins and joins.count(SMOOTH) >= 2


def _wall(
    topology: PartTopology, floor_normal: np.ndarray, normal: np.ndarray, drafts: bool = True
) -> bool:
    """A plane square to the floor or, with ``drafts``, leaning open by a
    draft angle (cast and moulded parts, and the real parts machined to
    match them). Drafts are looked for only once a cut has failed the square
    rules: a V slot's two faces can also meet at nearly a right angle."""
    if topology.perpendicular(floor_normal, normal):
        return True
    return drafts and 0.0 < float(floor_normal @ normal) < MAX_DRAFT


def _split_by_floors(topology: PartTopology, faces: list[int], setting: Setting) -> list[Candidate]:
    """A cut that no one floor explains (a real part's underside with pads,
    pockets and fillets all joined by blends): take its planes as floors,
    largest first, give each the faces that stand on it and are reached from
    it through concave or tangent edges, and classify each such cut alone.
    What no floor takes is left to the floorless rules."""
    graph = topology.graph
    remaining = set(faces)
    found: list[Candidate] = []
    planes = sorted(
        (f for f in faces if graph.face_surface_type[f] == PLANE), key=lambda f: -graph.face_area[f]
    )
    for seed in planes:
        if seed not in remaining:
            continue
        normal = graph.face_axis[seed]
        floor = {
            f
            for group in _distinct_planes(
                topology, [f for f in remaining if graph.face_surface_type[f] == PLANE]
            )
            if seed in group
            for f in group
        }
        cut = set(floor)
        stack = list(floor)
        while stack:
            for n in topology.neighbours[stack.pop()]:
                if (
                    n.face in remaining
                    and n.face not in cut
                    and n.convexity != CONVEX
                    and _stands_on(topology, n.face, normal, floor, drafts=True)
                ):
                    cut.add(n.face)
                    stack.append(n.face)
        if len(cut) == len(floor):
            continue
        for candidate in _classify(topology, Depression(sorted(cut)), setting, split=False):
            remaining.difference_update(candidate.face_ids)
            found.append(candidate)
    mask = np.zeros(topology.face_count, dtype=bool)
    mask[list(remaining)] = True
    for part in _components(topology, mask):
        found += _explain_floorless(topology, part)
    return found


def _explain_floorless(topology: PartTopology, faces: list[int]) -> list[Candidate]:
    found = _floorless(topology, Depression(faces))
    return found if found is not None else _unexplained(topology, faces)


def _distinct_planes(topology: PartTopology, faces: list[int]) -> list[list[int]]:
    """Planar faces grouped by the plane they lie on (a wall split by another cut)."""
    groups: list[list[int]] = []
    for face in faces:
        for group in groups:
            if topology.coplanar(face, group[0]):
                group.append(face)
                break
        else:
            groups.append([face])
    return groups


def _encircle(topology: PartTopology, planes: list[list[int]], floor_normal: np.ndarray) -> bool:
    """Whether walls on these planes close round a floor: their normals, seen along
    the floor's normal, leave no gap of half a turn (three walls of a rectangle do,
    a triangle's or a hexagon's do not)."""
    graph = topology.graph
    normals = np.array([graph.face_axis[group[0]] for group in planes]).reshape(-1, 3)
    across = normals - np.outer(normals @ floor_normal, floor_normal)
    if len(across) < 3:
        return False
    reference = across[0] / np.linalg.norm(across[0])
    other = cross(floor_normal, reference)
    angles = np.sort(np.arctan2(across @ other, across @ reference))
    gaps = np.diff(np.r_[angles, angles[0] + 2.0 * np.pi])
    return float(gaps.max()) < np.pi - 1e-3


def _axis_aligned(topology: PartTopology, normal: np.ndarray, stock_axes: np.ndarray) -> bool:
    return any(topology.parallel(normal, axis) for axis in stock_axes)


def _ways_out(
    topology: PartTopology,
    floor_faces: list[int],
    open_sides: set[int],
    floor_normal: np.ndarray,
    setting: Setting,
) -> set[int]:
    """The open sides the cut runs out through: every face of the raw block it
    reaches, and another cut's face only where the floor ends there (no corner
    of the floor lies past its edges with it, along the face's normal in the
    floor's plane, in front of them). A cut that crosses the floor leaves two of
    its walls among the open sides, facing each other across the gap, and the
    floor goes on beyond them: that is no way out, whichever way its walls face.
    Past a diagonal floor strip's end, but beside it, the floor may reach
    further: that end is still a way out (NIST CTC 03's 1.9 mm strips)."""
    graph = topology.graph
    corners = face_vertices(topology, floor_faces)
    tol = 100.0 * topology.length_tol
    ways = set()
    for side in open_sides:
        outward = graph.face_axis[side] - np.dot(graph.face_axis[side], floor_normal) * floor_normal
        size = float(np.linalg.norm(outward))
        edges = [n.edge for f in floor_faces for n in topology.neighbours[f] if n.face == side]
        if setting.stock is None or setting.stock[side] or size < 1e-6 or not edges:
            ways.add(side)
            continue
        outward = outward / size
        if not any(_beyond(topology, e, corners, outward, tol) for e in edges):
            ways.add(side)
    return ways


def _beyond(
    topology: PartTopology, edge: int, corners: np.ndarray, outward: np.ndarray, tol: float
) -> bool:
    """Whether a floor corner lies past ``edge`` along ``outward``, in front of it
    (within the edge's own span across that direction)."""
    points = topology.edge_points(edge)
    across = points[-1] - points[0]
    across -= np.dot(across, outward) * outward
    length = float(np.linalg.norm(across))
    if length < tol:
        return False
    across /= length
    span = points @ across
    lateral = corners @ across
    front = (lateral >= span.min() - tol) & (lateral <= span.max() + tol)
    return bool(np.any(corners[front] @ outward > float(np.max(points @ outward)) + tol))


def _opposite_pair(topology: PartTopology, faces: set[int]) -> bool:
    """Two planar faces among ``faces`` face opposite ways (the cut runs through)."""
    graph = topology.graph
    planes = [f for f in faces if f >= 0 and graph.face_surface_type[f] == PLANE]
    for i, a in enumerate(planes):
        for b in planes[i + 1 :]:
            if float(np.dot(graph.face_axis[a], graph.face_axis[b])) < -1.0 + 1e-4:
                return True
    return False


def _classify(
    topology: PartTopology, cut: Depression, setting: Setting, split: bool = True
) -> list[Candidate]:
    """Candidates for one cut; ``split`` lets a cut with no single floor be
    taken apart floor by floor."""
    graph = topology.graph
    cut.floor = _find_floor(topology, cut.faces, setting.turning_axis, drafts=not split)
    if cut.floor is None:
        found = _floorless(topology, cut)
        if found is not None:
            return found
        if split and len(cut.faces) > 2:
            return _split_by_floors(topology, cut.faces, setting)
        return _unexplained(topology, cut.faces)

    floor_faces = cut.floor
    floor = floor_faces[0]
    members = set(cut.faces)
    outer_walls, island_walls, open_sides = [], [], set()
    for piece in floor_faces:
        # A face of one loop has every neighbour on it; only one of more asks OCCT
        # which loop is the outer one.
        outer = topology.outer_loop_edges(piece) if graph.face_loop_count[piece] > 1 else None
        for n in topology.neighbours[piece]:
            if n.face in floor_faces:
                continue
            on_outer = outer is None or n.edge in outer
            if n.face in members and n.convexity in (CONCAVE, SMOOTH):
                (outer_walls if on_outer else island_walls).append(n.face)
            elif on_outer:
                open_sides.add(n.face)
    walls = [f for f in cut.faces if f not in floor_faces]
    if not walls:
        return []  # a lone face that no cut explains (one of a turned block's sides) stays stock
    found: list[Candidate] = []
    if island_walls:
        boss_faces = _island(topology, set(floor_faces), island_walls, members)
        walls = [f for f in walls if f not in boss_faces]
        tops = _boss_tops(topology, boss_faces, graph.face_axis[floor], setting.free)
        boss_floor = floor_faces if not outer_walls else []
        boss = _boss(topology, floor, boss_floor, boss_faces, tops, setting.block)
        found.append(boss)
        if not outer_walls:
            return found
        boss.parameters["inside_cut"] = True

    floor_normal = graph.face_axis[floor]
    planar = [
        f
        for f in walls
        if graph.face_surface_type[f] == PLANE
        and _wall(topology, floor_normal, graph.face_axis[f], drafts=not split)
    ]
    rounds = [
        f
        for f in walls
        if graph.face_surface_type[f] == CYLINDER
        and topology.parallel(floor_normal, graph.face_axis[f])
    ]
    planes = _distinct_planes(topology, planar)
    sides = len(planes)
    ends = _round_ends(topology, rounds) or _cut_slot_ends(topology, rounds, planes)
    rising = _rising_ends(topology, walls, floor_normal, members, setting)
    # A slot with a round end, or with an end rising between its sides, is blind
    # whatever it runs into beyond its open end.
    closing = ends or _between_sides(topology, rising, members)
    through = not (closing and sides == 2) and _opposite_pair(
        topology,
        _ways_out(topology, floor_faces, open_sides, floor_normal, setting)
        | _beyond_rim_blends(topology, open_sides, floor_normal, members, setting),
    )

    if not _real_openings(topology, open_sides, setting, walled=sides >= 3 or bool(ends)):
        closed = all(setting.holes is not None and setting.holes[f] for f in open_sides)
        if ends and sides == 2:
            kind = "circular_end_pocket"
        else:
            # Where the outside or another cut clipped the outline, the clipped side
            # stands for a wall; not where the walls already close round the floor
            # (another cut crosses it) nor where a hole pierces a wall.
            clipped = not closed and not _encircle(topology, planes, floor_normal)
            kind = POCKET_BY_SIDES.get(sides + clipped, "rectangular_pocket")
        subtype = "closed" if closed else "open"
    elif through:
        if sides == 1 and not rounds:
            aligned = _axis_aligned(topology, floor_normal, setting.stock_axes) and _axis_aligned(
                topology, graph.face_axis[planar[0]], setting.stock_axes
            )
            kind = "rectangular_through_step" if aligned else "slanted_through_step"
        elif sides == 2 and _parallel_planes(topology, planes):
            kind = "rectangular_through_slot"
        elif sides == 2:
            kind = "2sides_through_step"
        elif sides == 0 and not rounds:
            kind = "rectangular_through_step"
        else:
            kind = "rectangular_through_slot"
        subtype = "through"
    else:
        if sides == 1 and not rounds:
            kind = "triangular_blind_step"
        elif sides == 0 and rounds:
            kind = "circular_blind_step"
        elif sides == 2 and not ends and not _parallel_planes(topology, planes):
            kind = "rectangular_blind_step"
        elif sides == 2 and not ends and rising:
            kind = "v_circular_end_blind_slot"
        elif ends:
            kind = "h_circular_end_blind_slot"
        elif sides >= 3 or (sides == 2 and _parallel_planes(topology, planes)):
            kind = "rectangular_blind_slot"
        else:
            kind = "rectangular_blind_step"
        subtype = "blind"
    params = _floor_parameters(topology, floor_faces, walls, rounds)
    if kind == "v_circular_end_blind_slot":
        params["end_radius"] = float(graph.face_radius[rising[0]])
    fillets = [
        f
        for f in walls
        if graph.face_surface_type[f] == CYLINDER
        and topology.perpendicular(floor_normal, graph.face_axis[f])
        and f not in rising
    ]
    if fillets:
        params["floor_fillet_radius"] = min(float(graph.face_radius[f]) for f in fillets)
    if found:
        params["island_faces"] = found[0].parameters["wall_faces"]
    found.append(Candidate(kind, floor_faces + walls, params, subtype))
    return found


def _beyond_rim_blends(
    topology: PartTopology,
    open_sides: set[int],
    floor_normal: np.ndarray,
    members: set[int],
    setting: Setting,
) -> set[int]:
    """The side faces that rim chamfers and rounds among ``open_sides`` join, where a
    cut runs out through a blended edge: the stock face beyond the blend is where it
    opens. A chamfer is a plane the chamfer rule claimed, oblique to the floor, that
    meets that face in a convex edge; a round one the round rule claimed, tangent to it."""
    graph = topology.graph
    beyond: set[int] = set()
    if setting.rim_blends is None:
        return beyond
    for face in open_sides:
        if not setting.rim_blends[face]:
            continue
        if graph.face_surface_type[face] == PLANE:
            if topology.parallel(floor_normal, graph.face_axis[face]) or topology.perpendicular(
                floor_normal, graph.face_axis[face]
            ):
                continue
            joint = CONVEX
        else:
            joint = SMOOTH
        beyond.update(
            n.face
            for n in topology.neighbours[face]
            if n.convexity == joint
            and n.face not in members
            and graph.face_surface_type[n.face] == PLANE
            and topology.perpendicular(floor_normal, graph.face_axis[n.face])
        )
    return beyond


def _real_openings(
    topology: PartTopology, open_sides: set[int], setting: Setting, walled: bool = False
) -> set[int]:
    """The faces a cut's floor runs out onto that make it open: not a hole
    that pierces the floor's edge (a bore through a pocket's floor, or a
    counterbored hole drilled through its wall, shoulder and all), nor, for a
    cut ``walled`` on three sides or more, another cut it runs into (a pocket
    sunk beside a deeper one: its floor drops into the other's walls), nor on a
    turned part the turned outside (a surface of revolution about the turning
    axis: a pocket whose outline the bar's round surface or its rounded
    shoulder clipped, where a slot runs out through a flat side it was cut
    from)."""
    graph = topology.graph

    def clipping(face: int) -> bool:
        if setting.holes is not None and setting.holes[face]:
            return True
        if walled and _another_cut(face, setting):
            return True
        kind = graph.face_surface_type[face]
        if kind in (CYLINDER, CONE) and topology.inward(face):
            return True
        return (
            setting.turned
            and kind in (CYLINDER, CONE, TORUS)
            and topology.parallel(graph.face_axis[face], setting.turning_axis)
        )

    return {f for f in open_sides if not clipping(f)}


def _another_cut(face: int, setting: Setting) -> bool:
    """A face of another cut: one no rule has claimed yet, or one of a feature found
    before the cuts (an O-ring groove) that is neither stock nor a rim's chamfer
    or round (a cut that runs out through those is open)."""
    if setting.free[face]:
        return True
    if setting.stock is None or setting.stock[face]:
        return False
    return setting.rim_blends is None or not setting.rim_blends[face]


def _parallel_planes(topology: PartTopology, planes: list[list[int]]) -> bool:
    """Among the wall planes, two face each other (the two sides of a slot)."""
    graph = topology.graph
    normals = [graph.face_axis[group[0]] for group in planes]
    return any(
        float(np.dot(normals[i], normals[j])) < -1.0 + 1e-4
        for i in range(len(normals))
        for j in range(i + 1, len(normals))
    )


def _round_ends(topology: PartTopology, rounds: list[int]) -> list[list[int]]:
    """Coaxial groups of cylindrical walls turning through half a circle or more:
    the round ends of a slot or obround pocket (a corner radius turns 90)."""
    groups: list[list[int]] = []
    for face in rounds:
        for group in groups:
            if topology.coaxial(group[0], face):
                group.append(face)
                break
        else:
            groups.append([face])
    ends = []
    for group in groups:
        turned = np.zeros(ANGLE_BINS, dtype=bool)
        for face in group:
            umin, umax, _, _ = uv_bounds(topology.graph, face)
            turned[_angle_bins(umin, umax)] = True
        # The angle the pieces cover together: a corner radius that a crossing cut
        # split along its axis is two pieces of the same quarter turn.
        if turned.sum() * 360.0 / ANGLE_BINS > 179.0:
            ends.append(group)
    return ends


def _angle_bins(start: float, end: float) -> np.ndarray:
    """The half-degree bins of a turn that the angles from ``start`` to ``end`` cover."""
    first = int(np.floor(np.degrees(start) * 2.0 + 1e-6))
    last = int(np.ceil(np.degrees(end) * 2.0 - 1e-6))
    return np.arange(first, max(last, first + 1)) % ANGLE_BINS


def _cut_slot_ends(
    topology: PartTopology, rounds: list[int], planes: list[list[int]]
) -> list[list[int]]:
    """Round ends of a slot that another cut took part of (they no longer turn half a
    circle): cylinders of half the width between the slot's two parallel sides, on
    the line midway between them."""
    if len(planes) != 2 or not _parallel_planes(topology, planes):
        return []
    graph = topology.graph
    normal = graph.face_axis[planes[0][0]]
    levels = [float(np.dot(normal, graph.face_sample_point[group[0]])) for group in planes]
    half, middle = 0.5 * abs(levels[0] - levels[1]), 0.5 * (levels[0] + levels[1])
    tol = 100.0 * topology.length_tol
    return [
        [face]
        for face in rounds
        if abs(float(graph.face_radius[face]) - half) < tol
        and abs(float(np.dot(normal, graph.face_axis_point[face])) - middle) < tol
    ]


def _rising_ends(
    topology: PartTopology,
    walls: list[int],
    floor_normal: np.ndarray,
    members: set[int],
    setting: Setting,
) -> list[int]:
    """Slot ends that rise from the floor to the top in a curve (a cutter's side
    plunged across the slot): cylinders across the floor normal, facing their
    axis, that run out onto a face outside the cut (over a convex edge, or tangent
    to a round on that rim); a floor fillet stops at a wall."""
    graph = topology.graph

    def runs_out(n) -> bool:
        if n.face in members:
            return False
        if n.convexity == CONVEX:
            return True
        rounded = setting.rim_blends is not None and setting.rim_blends[n.face]
        return n.convexity == SMOOTH and rounded

    return [
        f
        for f in walls
        if graph.face_surface_type[f] == CYLINDER
        and topology.perpendicular(floor_normal, graph.face_axis[f])
        and topology.inward(f)
        and any(runs_out(n) for n in topology.neighbours[f])
    ]


def _between_sides(topology: PartTopology, rising: list[int], members: set[int]) -> bool:
    """Whether a rising end stands between the slot's sides (it meets them in concave
    corners), as a cutter plunged across the slot leaves it; a floor fillet that
    runs along a through slot meets its sides tangentially."""
    return any(
        n.face in members and n.convexity == CONCAVE
        for face in rising
        for n in topology.neighbours[face]
    )


def _floor_parameters(
    topology: PartTopology, floor_faces: list[int], walls: list[int], rounds: list[int]
) -> dict:
    graph = topology.graph
    normal = graph.face_axis[floor_faces[0]]
    base = float(np.dot(normal, graph.face_sample_point[floor_faces[0]]))
    depth = 0.0
    if walls:
        _, top = extent_along(
            face_vertices(topology, walls + _rim_blends(topology, walls, normal)), normal
        )
        depth = top - base
    outline = np.concatenate([face_outline(topology, f) for f in floor_faces])
    length, width, direction = oriented_extent(outline, normal)
    corner = [float(graph.face_radius[f]) for f in rounds if topology.inward(f)]
    return {
        "floor_face": floor_faces[0],
        "floor_faces": list(floor_faces),
        "wall_faces": list(walls),
        "depth": depth,
        "length": length,
        "width": width,
        "length_direction": unit(direction),
        "min_corner_radius": min(corner) if corner else 0.0,
        "tool_access_direction": unit(normal),
        "floor_area": float(graph.face_area[floor_faces].sum()),
    }


def _rim_blends(topology: PartTopology, walls: list[int], normal: np.ndarray) -> list[int]:
    """The chamfers and rounds on a cut's rim: faces past the walls' convex
    top edges that lean toward the opening. The cut is as deep as the
    surface they break, not just its straight walls."""
    graph = topology.graph
    members = set(walls)
    rim = {
        n.face
        for wall in walls
        for n in topology.neighbours[wall]
        if n.convexity == CONVEX and n.face not in members
    }
    return [f for f in rim if 1e-3 < float(graph.face_sample_normal[f] @ normal) < 1.0 - 1e-3]


def _floorless(topology: PartTopology, cut: Depression) -> list[Candidate] | None:
    """Passages, V slots and lone faces: no face that the others stand on.
    None where no rule explains the cut."""
    graph = topology.graph
    faces = cut.faces
    kinds = graph.face_surface_type[faces]
    planar = [f for f in faces if graph.face_surface_type[f] == PLANE]
    members = set(faces)
    if len(faces) == 1:
        return []  # a lone face that no rule explains stays stock
    prism = bool(np.all((kinds == PLANE) | (kinds == CYLINDER)))
    axis = _common_axis(topology, faces) if prism else None
    # Walls closing round the axis: each joins the others, and apart from
    # slivers that another cut left of a wall (one join) each joins two.
    joins = [
        sum(1 for n in topology.neighbours[f] if n.face in members and n.convexity != CONVEX)
        for f in faces
    ]
    ring = min(joins) >= 1 and sum(j >= 2 for j in joins) >= 3
    if axis is not None and ring and len(faces) >= 3:
        sides = len(_distinct_planes(topology, planar))
        kind = PASSAGE_BY_SIDES.get(sides, "rectangular_passage")
        return [Candidate(kind, faces, _prism_parameters(topology, faces, axis), "through")]
    if (
        axis is not None
        and len(planar) == len(faces)
        and len(_distinct_planes(topology, planar)) == 2
    ):  # a V groove; a hole across it may split a side in pieces on one plane
        return [
            Candidate(
                "triangular_through_slot",
                faces,
                _prism_parameters(topology, faces, axis),
                "through",
            )
        ]
    if (
        axis is None
        and len(planar) == len(faces)
        and any(
            n.convexity == SMOOTH
            for f in faces
            for n in topology.neighbours[f]
            if n.face in members
        )
    ):
        split = _split_at_flush_joins(topology, cut)
        if split:
            return split
    return None


def _unexplained(topology: PartTopology, faces: list[int]) -> list[Candidate]:
    """A cut no rule explains, reported with low confidence as a through slot
    (round or square by its faces) so that its faces are not called stock.
    Blends alone (a root fillet run round a boss) are left for the fillet
    rule that runs after the cuts."""
    kinds = topology.graph.face_surface_type[faces]
    if np.isin(kinds, (CYLINDER, TORUS, SPHERE)).all():
        return []
    kind = "rectangular_through_slot" if (kinds == PLANE).all() else "circular_through_slot"
    return [Candidate(kind, faces, {"wall_faces": faces}, "through", 0.5)]


def _split_at_flush_joins(topology: PartTopology, cut: Depression) -> list[Candidate]:
    """Crossing cuts whose walls run flush merge through tangent (coplanar) edges:
    classify the concave-only parts, then give each flush face to the first
    feature it continues."""
    mask = np.zeros(topology.face_count, dtype=bool)
    mask[cut.faces] = True
    parts = [p for p in _components(topology, mask, (CONCAVE,)) if len(p) > 1]
    if len(parts) < 2:
        return []
    found = [c for p in parts for c in _explain_floorless(topology, p)]
    owned = {f for c in found for f in c.face_ids}
    for face in cut.faces:
        if face in owned:
            continue
        for candidate in found:
            if any(n.face in candidate.face_ids for n in topology.neighbours[face]):
                candidate.face_ids.append(face)
                break
    return found


def _common_axis(topology: PartTopology, faces: list[int]) -> np.ndarray | None:
    """The direction every wall runs along (the prism axis), if they share
    one: square to every plane's normal, along every cylinder's axis."""
    graph = topology.graph
    kinds = graph.face_surface_type[faces]
    normals = graph.face_axis[[f for f, k in zip(faces, kinds, strict=True) if k == PLANE]]
    axes = graph.face_axis[[f for f, k in zip(faces, kinds, strict=True) if k == CYLINDER]]
    axis = None
    if len(axes):
        axis = axes[0]
    else:
        for i in range(len(normals)):
            for j in range(i + 1, len(normals)):
                across = cross(normals[i], normals[j])
                norm = float(np.linalg.norm(across))
                if norm > 1e-3:
                    axis = across / norm
                    break
            if axis is not None:
                break
    if axis is None:
        return None
    if np.all(np.abs(normals @ axis) < 1e-4) and np.all(np.abs(axes @ axis) > 1.0 - 1e-4):
        return axis
    return None


def _prism_parameters(topology: PartTopology, faces: list[int], axis: np.ndarray) -> dict:
    points = face_vertices(topology, faces)
    low, high = extent_along(points, axis)
    length, width, direction = oriented_extent(points, axis)
    return {
        "wall_faces": list(faces),
        "axis": unit(axis),
        "depth": high - low,
        "length": length,
        "width": width,
        "length_direction": unit(direction),
        "min_corner_radius": 0.0,
        "tool_access_direction": unit(axis),
    }


def _island(
    topology: PartTopology, floor: set[int], seeds: list[int], members: set[int]
) -> set[int]:
    """The walls of an island: the seeds and the faces joined to them off the floor."""
    island = set(seeds)
    stack = list(seeds)
    while stack:
        face = stack.pop()
        for n in topology.neighbours[face]:
            if (
                n.face in members
                and n.face not in floor
                and n.face not in island
                and (n.convexity == CONVEX or n.convexity == SMOOTH)
            ):
                island.add(n.face)
                stack.append(n.face)
    return island


def _boss_tops(
    topology: PartTopology, walls: set[int], normal: np.ndarray, free: np.ndarray
) -> list[int]:
    """Free planar faces capping the island walls, facing the way the floor does."""
    graph = topology.graph
    tops = set()
    for wall in walls:
        for n in topology.neighbours[wall]:
            if (
                free[n.face]
                and n.convexity == CONVEX
                and graph.face_surface_type[n.face] == PLANE
                and float(np.dot(graph.face_axis[n.face], normal)) > 1.0 - 1e-4
            ):
                tops.add(n.face)
    return sorted(tops)


def _boss(
    topology: PartTopology,
    floor: int,
    floor_faces: list[int],
    walls: set[int],
    tops: list[int],
    block: OrientedBox | None = None,
) -> Candidate:
    """A boss; the part's outer contour where it stands on an open floor (``floor_faces``
    given: no wall round it) and covers CONTOUR_FOOTPRINT_SHARE of the block's footprint."""
    graph = topology.graph
    normal = graph.face_axis[floor]
    base = float(np.dot(normal, graph.face_sample_point[floor]))
    wall_list = sorted(walls)
    points = face_vertices(topology, wall_list)
    _, top = extent_along(points, normal)
    length, width, direction = oriented_extent(points, normal)
    faces = list(floor_faces) + wall_list + tops
    params = {
        "floor_face": floor,
        "wall_faces": wall_list,
        "top_faces": tops,
        "height": top - base,
        "length": length,
        "width": width,
        "length_direction": unit(direction),
        "tool_access_direction": unit(normal),
    }
    share = _footprint_share(length * width, normal, block)
    if floor_faces and share >= CONTOUR_FOOTPRINT_SHARE:
        params["footprint_share"] = share
        return Candidate("contour", faces, params, "outer")
    return Candidate("boss", faces, params, "island")


def _footprint_share(area: float, normal: np.ndarray, block: OrientedBox | None) -> float:
    """``area`` over the block's side square to ``normal`` (0 where the block is unknown)."""
    if block is None:
        return 0.0
    square = int(np.argmax(np.abs(block.axes @ normal)))
    return area / float(np.prod(np.delete(block.size, square)))
