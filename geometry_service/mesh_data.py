"""The mesh of an answer: numpy arrays from the worker, JSON or binary for the caller.

A worker sends the mesh across the process boundary as :class:`MeshArrays`,
which pickle as raw buffers: the whole result of the 23,488-triangle NIST
part (ctc_04) pickles and unpickles in 2.6 ms, where with the mesh as Python
lists it took 17 ms. The HTTP process then writes it in the form the request
asked for:

- ``json`` (the default): the quote site's shape, flat lists of numbers with
  coordinates rounded to 1 um and normals to 4 decimals, ``vertex_face_ids``
  and ``face_mapping`` (face id -> ``triangle_indices`` and the inclusive
  ``triangle_range``);
- ``binary`` (``?mesh=binary``): each array as base64 of its little-endian
  bytes, full float32 precision, and the face map as offsets (face ``f`` owns
  triangles ``face_triangle_offsets[f]`` to ``face_triangle_offsets[f+1] - 1``):
  no number parsing in the browser, and 10-20 % fewer bytes on the NIST parts
  (a part of few faces and many triangles can come out larger than the
  rounded json form, which lists no triangle ids for it).

The result cache keeps the binary form and reads it back into arrays, so a
cached answer can be sent in either form. No OCP, no Flask.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import numpy as np

MESH_FORMATS = ("json", "binary")
COORDINATE_DECIMALS = 3  # millimetres: 1 um
NORMAL_DECIMALS = 4
BINARY_ENCODING = "base64-le"
_BINARY_DTYPES = {
    "vertices": "<f4",
    "normals": "<f4",
    "indices": "<u4",
    "vertex_face_ids": "<i4",
    "face_triangle_offsets": "<u4",
}


@dataclass(frozen=True)
class MeshArrays:
    """An indexed triangle mesh with its face map; triangles are sorted by face."""

    vertices: np.ndarray  # (V, 3) float32, mm
    normals: np.ndarray  # (V, 3) float32, unit (NaN-free)
    indices: np.ndarray  # (T, 3) uint32
    face_ids: np.ndarray  # (T,) int32, ascending: the B-Rep face of each triangle
    face_count: int

    @property
    def triangle_count(self) -> int:
        return len(self.indices)

    @property
    def vertex_count(self) -> int:
        return len(self.vertices)

    def face_offsets(self) -> np.ndarray:
        """(F + 1,) face ``f``'s triangles are ``offsets[f]`` up to ``offsets[f + 1]``,
        exclusive."""
        return np.searchsorted(self.face_ids, np.arange(self.face_count + 1)).astype(np.uint32)

    def vertex_face_ids(self) -> np.ndarray:
        """The B-Rep face of each vertex (-1 for a vertex no triangle uses)."""
        faces = np.full(self.vertex_count, -1, dtype=np.int32)
        faces[self.indices.ravel()] = np.repeat(self.face_ids, 3)
        return faces

    def face_mapping(self) -> dict[str, dict[str, Any]]:
        """Face id (as a string, for JSON) to its triangles: their ids (an array view)
        and the inclusive ``[first, last]`` range they fill (None for a face without any)."""
        bounds = self.face_offsets().tolist()
        triangle_ids = np.arange(self.triangle_count, dtype=np.int64)
        mapping = {}
        for face in range(self.face_count):
            first, end = bounds[face], bounds[face + 1]
            mapping[str(face)] = {
                "triangle_indices": triangle_ids[first:end],
                "triangle_range": [first, end - 1] if end > first else None,
            }
        return mapping

    def json_form(self) -> dict[str, Any]:
        """``mesh_data`` in the quote site's shape; numpy arrays for answer_json to write."""
        return {
            "vertices": np.round(self.vertices, COORDINATE_DECIMALS).ravel(),
            "normals": np.round(self.normals, NORMAL_DECIMALS).ravel(),
            "indices": self.indices.ravel(),
            "vertex_face_ids": self.vertex_face_ids(),
            "face_mapping": self.face_mapping(),
            **self._counts(),
        }

    def binary_form(self) -> dict[str, Any]:
        """``mesh_data`` as base64 little-endian arrays (``?mesh=binary``)."""
        arrays = {
            "vertices": self.vertices,
            "normals": self.normals,
            "indices": self.indices,
            "vertex_face_ids": self.vertex_face_ids(),
            "face_triangle_offsets": self.face_offsets(),
        }
        encoded = {
            name: base64.b64encode(
                np.ascontiguousarray(array, dtype=_BINARY_DTYPES[name]).tobytes()
            ).decode("ascii")
            for name, array in arrays.items()
        }
        return {"encoding": BINARY_ENCODING, **encoded, **self._counts()}

    @classmethod
    def from_binary_form(cls, form: dict[str, Any]) -> MeshArrays:
        """The arrays back from :meth:`binary_form` (as the result cache stores them)."""

        def array(name: str) -> np.ndarray:
            return np.frombuffer(base64.b64decode(form[name]), dtype=_BINARY_DTYPES[name])

        offsets = array("face_triangle_offsets").astype(np.int64)
        return cls(
            vertices=array("vertices").astype(np.float32).reshape(-1, 3),
            normals=array("normals").astype(np.float32).reshape(-1, 3),
            indices=array("indices").astype(np.uint32).reshape(-1, 3),
            face_ids=np.repeat(np.arange(form["face_count"], dtype=np.int32), np.diff(offsets)),
            face_count=form["face_count"],
        )

    def _counts(self) -> dict[str, int]:
        return {
            "vertex_count": self.vertex_count,
            "triangle_count": self.triangle_count,
            "face_count": self.face_count,
        }


def mesh_for_caller(mesh: MeshArrays | None, mesh_format: str) -> dict[str, Any] | None:
    """``mesh_data`` as the caller asked for it: ``json`` or ``binary``."""
    if mesh is None:
        return None
    return mesh.binary_form() if mesh_format == "binary" else mesh.json_form()
