"""The parts the benchmark measures: generated ones of known size, and shared data samples.

Generated parts span about 10 to 2,000 faces so that the cost per face can be
seen to grow; the MFCAD sample (small synthetic milled parts) and the NIST test
parts and the largest OCCT test files (real CAD exports from many systems)
show what uploads cost. Samples are chosen by a fixed
stride through the sorted file list, so every run measures the same parts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from OCP.TopoDS import TopoDS_Shape

from tests import part_builders as builders


@dataclass(frozen=True)
class BenchPart:
    name: str
    group: str  # "generated", "mfcad", "nist" or "occt_step"
    path: Path

    @property
    def real(self) -> bool:
        """A real CAD export (not generated, not synthetic): the parts the speed
        targets are about."""
        return self.group in REAL_GROUPS


REAL_GROUPS = ("nist", "occt_step")
LARGEST_OCCT_STEP = 20


# (name, builder); hole_grid_plate(rows, cols) has 6 + 3*rows*cols faces.
GENERATED: list[tuple[str, Callable[[], TopoDS_Shape]]] = [
    ("box", builders.box),
    ("box_through_hole", builders.box_with_through_hole),
    ("box_pocket", builders.box_with_pocket),
    ("turned_shaft", builders.turned_shaft),
    ("plate_2x2", partial(builders.hole_grid_plate, 2, 2)),
    ("plate_4x8", partial(builders.hole_grid_plate, 4, 8)),
    ("plate_6x10", partial(builders.hole_grid_plate, 6, 10)),
    ("plate_10x10", partial(builders.hole_grid_plate, 10, 10)),
    ("plate_15x15", partial(builders.hole_grid_plate, 15, 15)),
    ("plate_18x24", partial(builders.hole_grid_plate, 18, 24)),
    ("plate_25x26", partial(builders.hole_grid_plate, 25, 26)),
]
QUICK_GENERATED = 8  # up to the 306-face plate


def generated_parts(folder: Path, quick: bool) -> list[BenchPart]:
    """Build and write the generated parts as STEP files under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    chosen = GENERATED[:QUICK_GENERATED] if quick else GENERATED
    return [
        BenchPart(name, "generated", builders.write_step(build(), folder / f"{name}.step"))
        for name, build in chosen
    ]


def mfcad_sample(data: Path, count: int) -> list[BenchPart]:
    """``count`` MFCAD parts at a fixed stride through the sorted list; none if absent."""
    files = sorted((data / "mfcad" / "step").glob("*.step"))
    if not files or count <= 0:
        return []
    stride = max(1, len(files) // count)
    return [BenchPart(path.stem, "mfcad", path) for path in files[::stride][:count]]


def nist_parts(data: Path, count: int | None = None) -> list[BenchPart]:
    """The NIST CAD test parts (``*.stp``), or the first ``count`` of them; none if absent."""
    files = sorted((data / "nist" / "nist").glob("*.stp"))[:count]
    return [BenchPart(path.stem.split("_asme")[0], "nist", path) for path in files]


def occt_step_largest(data: Path, count: int = LARGEST_OCCT_STEP) -> list[BenchPart]:
    """The ``count`` largest STEP files of OCCT's test set (by bytes); none if absent."""
    files = [
        path
        for path in (data / "occt_step" / "occt_step").glob("*")
        if path.suffix.lower() in (".stp", ".step")
    ]
    files.sort(key=lambda path: (-path.stat().st_size, path.name))
    return [BenchPart(path.stem, "occt_step", path) for path in files[:count]]
