"""Repeated bodies: which faces and edges of a part are moved copies of earlier ones.

An assembly places one body several times (bolts, nuts, washers, twin
brackets): STEP writes the body once and each placement as a location, and
OCCT reads it so: every placement shares the body's faces and edges, moved.
OCCT meshes such a body once. The B-Rep graph measured every placement
again, face by face and edge by edge, although a rigid motion changes
nothing of a face's area, curves in (u, v) or convexity and moves its points
and directions by one rotation and translation. The three as1 assemblies of
OCCT's test set are 18 solids of 5 bodies: 107 of their 160 faces are
copies, and their graphs cost 0.42-0.60 x their read, the worst of the real
parts in ``make bench`` (issue 15).

Copies are found solid by solid: a solid whose shape (not location) is that
of an earlier solid, placed by a rotation and translation (no scale, no
mirror), is a copy when its faces and edges, listed in OCCT's order (each
solid's own map, which follows the body, not its placement), are all faces
and edges of the part other than the earlier solid's; its k-th face is then
a copy of the earlier solid's k-th face, and likewise its edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from OCP.collections import IndexedMap_TopoDS_Shape_TopTools_ShapeMapHasher as IndexedMapOfShape
from OCP.TopAbs import TopAbs_EDGE, TopAbs_FACE, TopAbs_SOLID
from OCP.TopExp import TopExp, TopExp_Explorer
from OCP.TopLoc import TopLoc_Location
from OCP.TopoDS import TopoDS_Shape

RIGID_TOLERANCE = 1e-12
"""How far a placement's scale may be from 1 for it to count as a rigid motion."""


@dataclass(frozen=True)
class Copies:
    """Which faces and edges are moved copies of earlier ones, and by which motion.

    ``face_source[i]`` is the face that face ``i`` copies (always a lower id, never
    itself a copy), -1 where it copies none; ``face_motion[i]`` indexes the
    rotation and translation that take the source's points onto face ``i``'s.
    Edges likewise."""

    face_source: np.ndarray  # (F,) int64
    face_motion: np.ndarray  # (F,) int64, -1 where no copy
    edge_source: np.ndarray  # (E,) int64
    edge_motion: np.ndarray  # (E,) int64
    rotation: np.ndarray  # (M, 3, 3)
    translation: np.ndarray  # (M, 3)
    edge_targets: list[dict[int, int]]  # per motion: source edge id -> its copy's id

    def edge_copies(self, face: int) -> dict[int, int]:
        """Source edge id -> copy edge id, for the placement of copied ``face``."""
        return self.edge_targets[int(self.face_motion[face])]

    def moved_points(self, points: np.ndarray, motion: np.ndarray) -> np.ndarray:
        """(N, 3) points of the sources moved by each row's ``motion``."""
        return np.einsum("nij,nj->ni", self.rotation[motion], points) + self.translation[motion]

    def turned(self, directions: np.ndarray, motion: np.ndarray) -> np.ndarray:
        """(N, 3) directions of the sources turned by each row's ``motion``."""
        return np.einsum("nij,nj->ni", self.rotation[motion], directions)


def copied_edges(copies: Copies | None, count: int) -> np.ndarray:
    """(E,) bool over ``count`` edges: which are copies, none where ``copies`` is None."""
    if copies is None:
        return np.zeros(count, dtype=bool)
    return copies.edge_source >= 0


def find_copies(
    shape: TopoDS_Shape, faces: IndexedMapOfShape, edges: IndexedMapOfShape
) -> Copies | None:
    """The moved copies among the faces and edges of ``shape`` (ids: ``faces`` and
    ``edges``); None where no solid repeats an earlier one, which costs one walk
    over the solids."""
    bodies = IndexedMapOfShape()
    first_placement: list[TopoDS_Shape] = []
    repeats: list[tuple[TopoDS_Shape, TopoDS_Shape]] = []
    solids = TopExp_Explorer(shape, TopAbs_SOLID)
    while solids.More():
        solid = solids.Current()
        body = solid.Located(TopLoc_Location())
        index = bodies.FindIndex(body)
        if index == 0:
            bodies.Add(body)
            first_placement.append(solid)
        else:
            source = first_placement[index - 1]
            if solid.Orientation() == source.Orientation() and not solid.IsSame(source):
                repeats.append((solid, source))
        solids.Next()
    if not repeats:
        return None

    face_source = np.full(faces.Extent(), -1, dtype=np.int64)
    face_motion = np.full(faces.Extent(), -1, dtype=np.int64)
    edge_source = np.full(edges.Extent(), -1, dtype=np.int64)
    edge_motion = np.full(edges.Extent(), -1, dtype=np.int64)
    rotations, translations, edge_targets = [], [], []
    source_ids: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # per body: its faces', edges' ids
    for solid, source in repeats:
        motion = _rigid_motion(solid, source)
        if motion is None:
            continue
        body = bodies.FindIndex(source.Located(TopLoc_Location()))
        if body not in source_ids:
            source_ids[body] = (_ids(source, faces, TopAbs_FACE), _ids(source, edges, TopAbs_EDGE))
        face_pairs = _pairs(_ids(solid, faces, TopAbs_FACE), source_ids[body][0])
        edge_pairs = _pairs(_ids(solid, edges, TopAbs_EDGE), source_ids[body][1])
        if face_pairs is None or edge_pairs is None:
            continue
        taken = np.concatenate([face_source[face_pairs[0]], edge_source[edge_pairs[0]]])
        if np.any(taken >= 0):
            continue  # the solid shares faces or edges with one already copied
        number = len(rotations)
        rotations.append(motion[0])
        translations.append(motion[1])
        edge_targets.append(dict(zip(edge_pairs[1].tolist(), edge_pairs[0].tolist(), strict=True)))
        face_source[face_pairs[0]], face_motion[face_pairs[0]] = face_pairs[1], number
        edge_source[edge_pairs[0]], edge_motion[edge_pairs[0]] = edge_pairs[1], number
    if not rotations:
        return None
    return Copies(
        face_source,
        face_motion,
        edge_source,
        edge_motion,
        np.array(rotations),
        np.array(translations),
        edge_targets,
    )


def _rigid_motion(solid: TopoDS_Shape, source: TopoDS_Shape):
    """(rotation, translation) taking ``source``'s points onto ``solid``'s; None where
    the placement scales or mirrors."""
    motion = source.Location().Transformation().Inverted()
    motion.PreMultiply(solid.Location().Transformation())
    if abs(motion.ScaleFactor() - 1.0) > RIGID_TOLERANCE or motion.IsNegative():
        return None
    matrix = np.array([[motion.Value(row, col) for col in range(1, 5)] for row in range(1, 4)])
    return matrix[:, :3], matrix[:, 3]


def _ids(solid: TopoDS_Shape, shapes: IndexedMapOfShape, kind) -> np.ndarray:
    """The ids in ``shapes`` of the distinct sub-shapes of ``kind`` of ``solid``, in
    OCCT's order (which follows the body, not its placement); -1 for one not there."""
    own = IndexedMapOfShape()
    TopExp.MapShapes_s(solid, kind, own)
    return np.array(
        [shapes.FindIndex(own.FindKey(index)) - 1 for index in range(1, own.Extent() + 1)],
        dtype=np.int64,
    )


def _pairs(copy_ids: np.ndarray, source_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(copy ids, source ids) matched by position; None where the lists differ in
    length, one is missing, or a copy's id is not after its source's."""
    if (
        len(copy_ids) != len(source_ids)
        or len(copy_ids) == 0
        or np.any(source_ids < 0)
        or np.any(copy_ids <= source_ids)
    ):
        return None
    return copy_ids, source_ids
