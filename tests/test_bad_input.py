"""Bad uploads fail as PermanentError with a specific code, in process and in bounded time.

The service answers bad input with a permanent error (never retried, never
held against a breaker), so each kind of bad file must map to its own stable
code. Only inputs that OCCT rejects cleanly are read here, in process; inputs
known to crash OCCT (deep nesting, self-referencing entities: see
OCCT_NOTES.md) belong to the worker-process tests, where a crash is contained.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from OCP.BRepBuilderAPI import BRepBuilderAPI_MakeFace

from geometry_service.errors import ErrorType, PermanentError
from geometry_service.file_format import UTF8_BOM, CadFormat, sniff_format
from geometry_service.geometry.cad_reader import read_cad
from tests import part_builders as parts

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
BIG_FILE_BYTES = 100 * 2**20
# Generous: both 100 MB files take 1-3 s here; the point is that they end, and fail.
BIG_FILE_SECONDS = 30.0


@pytest.fixture(scope="module")
def valid_step(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a valid STEP file (the block with a through hole)."""
    path = tmp_path_factory.mktemp("valid") / "holed.step"
    return parts.write_step(parts.box_with_through_hole(), path).read_bytes()


@pytest.fixture(scope="module")
def step_header(valid_step: bytes) -> bytes:
    """A valid STEP header up to and including ``DATA;``: what a sniff sees first."""
    return valid_step[: valid_step.index(b"DATA;") + len(b"DATA;")] + b"\n"


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def read_error(path: Path) -> PermanentError:
    """Read ``path`` expecting a PermanentError, and return it."""
    with pytest.raises(PermanentError) as caught:
        read_cad(path)
    assert caught.value.error_type is ErrorType.PERMANENT
    return caught.value


# ----------------------------------------------------- rejected by the sniff


def test_empty_file(tmp_path: Path) -> None:
    error = read_error(write(tmp_path / "empty.step", b""))
    assert (error.code, error.http_status) == ("empty_file", 400)


def test_random_bytes(tmp_path: Path) -> None:
    noise = random.Random(1).randbytes(64 * 1024)  # seeded: a failure can be replayed
    error = read_error(write(tmp_path / "noise.step", noise))
    assert (error.code, error.http_status) == ("not_step", 415)


def test_text_that_is_not_step(tmp_path: Path) -> None:
    text = b"solid cube\n  facet normal 0 0 1\n  endfacet\nendsolid cube\n"
    error = read_error(write(tmp_path / "notes.step", text))
    assert (error.code, error.http_status) == ("not_step", 415)


def test_png_named_step(tmp_path: Path) -> None:
    image = PNG_SIGNATURE + random.Random(2).randbytes(2048)
    error = read_error(write(tmp_path / "photo.step", image))
    assert (error.code, error.http_status) == ("not_step", 415)


def test_content_decides_not_the_extension(tmp_path: Path, valid_step: bytes) -> None:
    """A valid STEP under another name reads; the PNG named .step above does not."""
    model = read_cad(write(tmp_path / "upload.bin", valid_step))
    assert model.face_count == 7 and model.solid_count == 1
    assert sniff_format(valid_step[:4096]) is CadFormat.STEP
    with pytest.raises(PermanentError, match="a PNG image"):
        sniff_format(PNG_SIGNATURE)


def test_utf8_byte_order_mark_is_read_past(
    tmp_path: Path, valid_step: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some Windows tools write a BOM before the header; OCCT's parser fails on it, we do not.

    The reader parses a copy without the BOM; the copy is gone afterwards.
    """
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    model = read_cad(write(tmp_path / "bom.step", UTF8_BOM + valid_step))
    assert model.face_count == 7 and model.solid_count == 1
    assert list(scratch.iterdir()) == []


# ------------------------------------------------- sniffed as STEP, rejected


def test_truncated_step(tmp_path: Path, valid_step: bytes) -> None:
    half = valid_step[: len(valid_step) // 2]
    error = read_error(write(tmp_path / "half.step", half))
    assert (error.code, error.http_status) == ("unreadable_step", 422)


def test_entity_with_a_syntax_error(tmp_path: Path, step_header: bytes) -> None:
    data = step_header + b"#1 = CARTESIAN_POINT('',(0.,0.,0.);\nENDSEC;\nEND-ISO-10303-21;\n"
    error = read_error(write(tmp_path / "unbalanced.step", data))
    assert (error.code, error.http_status) == ("unreadable_step", 422)


def test_stray_words_in_data_section(tmp_path: Path, step_header: bytes) -> None:
    """OCCT's parser skips tokens that open no entity, so this parses to nothing."""
    data = step_header + b"this is not an entity;\nENDSEC;\nEND-ISO-10303-21;\n"
    error = read_error(write(tmp_path / "words.step", data))
    assert (error.code, error.http_status) == ("no_geometry", 422)


def test_step_with_no_entities(tmp_path: Path, step_header: bytes) -> None:
    data = step_header + b"ENDSEC;\nEND-ISO-10303-21;\n"
    error = read_error(write(tmp_path / "nothing.step", data))
    assert (error.code, error.http_status) == ("no_geometry", 422)


def test_step_of_a_lone_face_is_a_surface_model(tmp_path: Path) -> None:
    """A face is something to draw: read (and sewn, alone), with no solid."""
    face = BRepBuilderAPI_MakeFace(parts.triangle_wire()).Face()
    model = read_cad(parts.write_step(face, tmp_path / "face.step"))
    assert (model.face_count, model.solid_count, model.sewn, model.closed) == (1, 0, True, False)


def test_step_of_a_lone_wire(tmp_path: Path) -> None:
    error = read_error(parts.write_step(parts.triangle_wire(), tmp_path / "wire.step"))
    assert (error.code, error.http_status) == ("no_geometry", 422)
    assert "a wireframe of 3 edge(s)" in error.message


# --------------------------------------------------------------- 100 MB files


@pytest.fixture
def big_path(tmp_path: Path) -> Iterator[Path]:
    """Where a 100 MB file goes; deleted after the test so old pytest temp dirs stay small."""
    path = tmp_path / "big.step"
    yield path
    path.unlink(missing_ok=True)


def write_big(path: Path, head: bytes, filler: bytes, tail: bytes = b"") -> Path:
    """``head``, then ``filler`` repeated to 100 MB, then ``tail``, written in 1 MiB blocks."""
    block = filler * (2**20 // len(filler))
    with open(path, "wb") as handle:
        handle.write(head)
        for _ in range(BIG_FILE_BYTES // len(block)):
            handle.write(block)
        handle.write(tail)
    return path


def test_100_mb_comment_is_read_and_rejected_in_bounded_time(
    big_path: Path, step_header: bytes
) -> None:
    """A valid file whose DATA section is one 100 MB comment: parses, holds no shape."""
    write_big(
        big_path, step_header + b"/*", b"x" * 1023 + b"\n", b"*/\nENDSEC;\nEND-ISO-10303-21;\n"
    )
    started = time.perf_counter()
    error = read_error(big_path)
    assert error.code == "no_geometry"
    assert time.perf_counter() - started < BIG_FILE_SECONDS


@pytest.mark.slow
def test_100_mb_garbage_after_header_is_rejected_in_bounded_time(
    big_path: Path, step_header: bytes
) -> None:
    """Unterminated garbage: OCCT reports a syntax error yet lexes all 100 MB first (~2.5 s)."""
    path = write_big(big_path, step_header, b"garbage " * 127 + b"\n")
    started = time.perf_counter()
    error = read_error(path)
    assert error.code == "unreadable_step"
    assert time.perf_counter() - started < BIG_FILE_SECONDS
