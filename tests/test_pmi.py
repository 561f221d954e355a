"""Tolerances from the file: AP242 semantic PMI read by OCCT's XCAF reader, attached
to the recognized features whose faces it names, with its DFM warnings.

NIST CTC 01 (mm) is analyzed once for the module, with a shop limit of +/-0.2
mm so that its tighter tolerances warn; NIST STC 06 (inches) is only read, to
check the unit. A part built here, without PMI, gets no entries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from part_builders import box_with_pocket, write_step

from geometry_service.analysis_request import AnalysisRequest
from geometry_service.geometry.cad_reader import read_cad
from geometry_service.geometry.pmi import carries_pmi
from geometry_service.manufacturing.limits import ShopLimits
from geometry_service.part_analysis import analyze_file
from geometry_service.worker_result import WorkerResult

NIST = Path(__file__).resolve().parents[1] / ".data" / "nist"
CTC_01 = NIST / "nist" / "nist_ctc_01_asme1_ap242-e1.stp"
STC_06 = NIST / "nist" / "nist_stc_06_asme1_ap242-e3.stp"
needs_nist = pytest.mark.skipif(not CTC_01.is_file(), reason="NIST parts not unpacked (make data)")

TIGHT_SHOP = ShopLimits(tolerance_limit_mm=0.2)


@pytest.fixture(scope="module")
def ctc_01() -> WorkerResult:
    if not CTC_01.is_file():
        pytest.skip("NIST parts not unpacked (make data)")
    return analyze_file(CTC_01, AnalysisRequest(include_mesh=False, shop_limits=TIGHT_SHOP))


def dimensions(result: WorkerResult, kind: str = "dimension") -> list[dict[str, Any]]:
    return [t for t in result.manufacturing["tolerances"] if t["kind"] == kind]


@needs_nist
def test_a_diameter_and_its_tolerance_attach_to_the_hole_they_measure(
    ctc_01: WorkerResult,
) -> None:
    (dim,) = [t for t in dimensions(ctc_01) if t["type"] == "diameter" and t["value"] == 25.0]
    assert (dim["upper"], dim["lower"], dim["tolerance"], dim["unit"]) == (
        0.15,
        -0.15,
        "plus_minus",
        "mm",
    )
    hole = next(f for f in ctc_01.features if f["id"] == dim["feature_id"])
    assert hole["type"] == "through_hole"
    assert set(dim["face_ids"]) <= set(hole["face_ids"]) and dim["feature_ids"] == [hole["id"]]
    # +0/-0.2 in the file (OCCT gives the lower deviation as a magnitude): signed here.
    asymmetric = {(t["upper"], t["lower"]) for t in dimensions(ctc_01) if t["value"] == 35.0}
    assert {(0.0, -0.2), (0.2, 0.0), (0.2, -0.2)} <= asymmetric
    # Every diameter of the part names the faces of a recognized hole.
    diameters = [t for t in dimensions(ctc_01) if t["type"] == "diameter"]
    assert len(diameters) == 7 and all(t["feature_id"] is not None for t in diameters)


@needs_nist
def test_geometric_tolerances_keep_their_zone_and_datums(ctc_01: WorkerResult) -> None:
    positions = [t for t in dimensions(ctc_01, "geometric_tolerance") if t["type"] == "position"]
    assert [(t["value"], t["datums"], t["tolerance"]) for t in positions] == [
        (0.75, ["A", "B", "C"], "zone")
    ] * 2
    assert all(t["feature_id"] is not None for t in positions)
    (datum_a,) = [t for t in dimensions(ctc_01, "datum") if t["name"] == "A"]
    assert datum_a["face_ids"] and datum_a["value"] is None
    pmi = ctc_01.manufacturing["pmi"]
    assert (pmi["dimensions"], pmi["geometric_tolerances"], pmi["datums"]) == (12, 6, 3)
    assert pmi["graphic_only"] == 9 and pmi["read_as_zero"] == 4


@needs_nist
def test_values_occt_reads_as_zero_are_said_so_not_invented(ctc_01: WorkerResult) -> None:
    unread = [t for t in dimensions(ctc_01) if t["unread"]]
    assert len(unread) == 4
    assert all(t["value"] == 0.0 and t["unread"] == ["value"] for t in unread)
    assert all(t["upper"] is None and t["lower"] is None for t in unread)
    notes = [w for w in ctc_01.manufacturing["warnings"] if w["code"] == "tolerance_unread"]
    assert len(notes) == 4
    assert all(w["severity"] == "info" and "read its value as 0" in w["message"] for w in notes)
    assert not any(w["code"] == "tight_tolerance" and w["measured"] == 0.0 for w in notes)


@needs_nist
def test_tolerances_tighter_than_the_shop_limit_warn(ctc_01: WorkerResult) -> None:
    tight = [w for w in ctc_01.manufacturing["warnings"] if w["code"] == "tight_tolerance"]
    # Half the band against +/-0.2: Ø25 +/-0.15, Ø20 +0.05/-0.1 and +0.1/-0.05, Ø35 +0/-0.2
    # and +0.2/-0, flatness 0.2; not the Ø35 limits 34.8-35.2 (exactly +/-0.2), nor the
    # 60 deg +/-0.5 (degrees), nor the position zones of 0.75.
    assert sorted(w["measured"] for w in tight) == [0.075, 0.075, 0.1, 0.1, 0.1, 0.15]
    assert all(
        w["limit"] == 0.2 and w["unit"] == "mm" and w["severity"] == "warning" for w in tight
    )
    by_value = {w["measured"]: w for w in tight}
    assert "Ø25 mm is held to +0.15/-0.15 mm" in by_value[0.15]["message"]
    assert by_value[0.15]["feature_id"] is not None and by_value[0.15]["face_ids"]
    assert ctc_01.manufacturing["limits"]["tolerance_limit_mm"] == 0.2


@pytest.mark.skipif(not STC_06.is_file(), reason="NIST parts not unpacked (make data)")
def test_an_inch_file_reads_in_millimetres() -> None:
    """STC 06 states Ø0.8125 in +/-0.02 in and thickness 0.5625 in +/-0.02 in."""
    model = read_cad(STC_06)
    assert model.pmi is not None
    entries = {(e.type, e.value): e for e in model.pmi.entries if e.kind == "dimension"}
    diameter = entries[("diameter", 20.6375)]
    assert (diameter.upper, diameter.lower, diameter.unit) == (0.508, -0.508, "mm")
    assert entries[("thickness", 14.2875)].band == pytest.approx(1.016)


def test_a_file_without_pmi_costs_nothing(tmp_path: Path) -> None:
    path = write_step(box_with_pocket(), tmp_path / "pocket.step")
    assert not carries_pmi(path.read_bytes())
    result = analyze_file(path, AnalysisRequest(include_mesh=False))
    assert result.manufacturing["tolerances"] == []
    assert result.manufacturing["pmi"] is None
    assert not any(
        w["code"] in ("tight_tolerance", "tolerance_unread")
        for w in result.manufacturing["warnings"]
    )
