"""How finely a part is meshed: the options the HTTP process sends and the mesher reads.

Its own module, free of OCP, so that the HTTP process can build a request
without importing the geometry code, and the geometry code can read its
options without importing the request module (which imports the ladder).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MeshSettings:
    relative_deflection: float = 0.001  # of the bounding-box diagonal
    angular_deflection_rad: float = 0.35
    max_triangles: int = 500_000
