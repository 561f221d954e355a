"""Tier 1 as one answer from two recognizers (combined_recognition.py).

The rules run on real OCP parts after a STEP round trip; the network's side
is scripted face by face (a ScriptedNetwork answers with chosen labels and
probabilities), because the shipped model cannot be made to disagree on
demand. The shipped model itself answers in test_brepnet_service.py.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from geometry_service.brepnet_wrapper import FacePrediction
from geometry_service.combined_recognition import (
    MAX_CONFIDENCE,
    REVIEW_FACTOR,
    RULES_CONFIDENCE,
    NetworkGate,
    recognize_combined,
)
from geometry_service.config import Settings
from geometry_service.errors import PermanentError
from geometry_service.features import STOCK, Recognition
from geometry_service.geometric_fallback import recognize_features
from geometry_service.geometry.brep_graph import BRepGraph
from geometry_service.geometry.cad_reader import read_cad
from geometry_service.geometry.part import Part
from geometry_service.geometry.topology import PartTopology
from geometry_service.graceful_degradation import Tier
from geometry_service.public_answer import recognition_method
from geometry_service.recognition.taxonomy import MFCADPP_CLASSES
from tests import feature_parts as fp
from tests import part_builders as pb

GATE = NetworkGate(Settings.model_min_face_probability, Settings.model_min_part_agreement)
SURE, UNSURE = 0.99, 0.6


class ScriptedNetwork:
    """The network's side of the combination, scripted: a label and a probability
    per face; the probability left over is spread over the other classes."""

    version = "scripted"

    def __init__(self, labels: list[str], probability: list[float]) -> None:
        self.labels, self.probability = labels, np.asarray(probability, dtype=float)

    def predict(self, graph: BRepGraph) -> FacePrediction:
        assert len(self.labels) == graph.face_count
        classes = len(MFCADPP_CLASSES)
        spread = (1.0 - self.probability) / (classes - 1)
        table = np.repeat(spread[:, None], classes, axis=1)
        for face, label in enumerate(self.labels):
            table[face, MFCADPP_CLASSES.index(label)] = self.probability[face]
        return FacePrediction(list(self.labels), self.probability.copy(), table)


Analyzed = tuple[PartTopology, Recognition]


@pytest.fixture(scope="module")
def part(tmp_path_factory) -> Callable[[Callable], Analyzed]:
    folder = tmp_path_factory.mktemp("combined")
    cache: dict[str, Analyzed] = {}

    def build(builder: Callable) -> Analyzed:
        if builder.__name__ not in cache:
            path = pb.write_step(builder(), folder / f"{builder.__name__}.step")
            solid = Part.from_model(read_cad(path))
            cache[builder.__name__] = (solid.topology, recognize_features(solid))
        return cache[builder.__name__]

    return build


def combined(
    part: Analyzed, labels: list[str], probability: list[float], gate: NetworkGate = GATE
) -> Recognition:
    topology, rules = part
    return recognize_combined(topology, rules, ScriptedNetwork(labels, probability), gate)


def only(recognition: Recognition, kind: str):
    (feature,) = [f for f in recognition.features if f.type == kind]
    return feature


def test_agreeing_and_sure_the_network_names_every_feature(part) -> None:
    topology, rules = part(pb.box_with_pocket)
    answer = combined((topology, rules), rules.face_labels, [SURE] * topology.face_count)
    assert answer.face_labels == rules.face_labels
    pocket = only(answer, "rectangular_pocket")
    assert (pocket.recognition_method, pocket.agreement, pocket.needs_review) == ("ml", True, False)
    assert (
        pocket.parameters == only(rules, "rectangular_pocket").parameters
    )  # the rules' measures kept
    assert pocket.confidence == pytest.approx(SURE)
    summary = answer.part_parameters["recognizers"]
    assert summary["network_named_faces"] == summary["agreeing_faces"] == topology.face_count
    assert (
        summary["rules_named_faces"],
        summary["contested_faces"],
        summary["features_needing_review"],
    ) == (0, 0, 0)
    assert recognition_method(Tier.BREP_ML, answer.part_parameters) == "brepnet"
    assert (
        answer.confidence == MAX_CONFIDENCE
    )  # the answer claims no more than tier 1 nominally does


def test_faces_the_network_is_unsure_of_are_named_by_the_rules(part) -> None:
    topology, rules = part(pb.box_with_pocket)
    pocket_faces = only(rules, "rectangular_pocket").face_ids
    probability = [UNSURE if f in pocket_faces else SURE for f in range(topology.face_count)]
    answer = combined((topology, rules), rules.face_labels, probability)
    pocket = only(answer, "rectangular_pocket")
    assert (pocket.recognition_method, pocket.agreement, pocket.needs_review) == (
        "geometric",
        True,
        False,
    )
    assert (
        pocket.confidence == RULES_CONFIDENCE
    )  # the network's agreement is weaker than the rules' own
    summary = answer.part_parameters["recognizers"]
    assert summary["rules_named_faces"] == summary["unsure_faces"] == len(pocket_faces)
    assert recognition_method(Tier.BREP_ML, answer.part_parameters) == "brepnet+rules"
    assert answer.face_probabilities[pocket_faces[0]] == pytest.approx(UNSURE)


def test_where_the_network_is_sure_and_disagrees_its_label_is_served_for_review(part) -> None:
    topology, rules = part(pb.chamfered_filleted_block)
    chamfer = only(rules, "chamfer").face_ids[0]
    labels = list(rules.face_labels)
    labels[chamfer] = "round"
    answer = combined((topology, rules), labels, [SURE] * topology.face_count)
    assert answer.face_labels[chamfer] == "round"
    assert [f.type for f in answer.features].count("chamfer") == 0
    (disputed,) = [f for f in answer.features if f.face_ids == [chamfer]]
    assert (
        disputed.type,
        disputed.recognition_method,
        disputed.agreement,
        disputed.needs_review,
    ) == ("round", "ml", False, True)
    assert disputed.confidence == pytest.approx(REVIEW_FACTOR * SURE)
    (fillet,) = [f for f in answer.features if f is not disputed]
    assert fillet.face_ids == only(rules, "round").face_ids
    assert (fillet.recognition_method, fillet.agreement, fillet.needs_review) == ("ml", True, False)
    assert answer.part_parameters["recognizers"]["contested_faces"] == 1
    assert answer.part_parameters["recognizers"]["features_needing_review"] == 1
    assert answer.confidence < SURE


def test_an_unsure_network_that_reads_a_feature_otherwise_flags_it(part) -> None:
    topology, rules = part(pb.box_with_pocket)
    pocket_faces = only(rules, "rectangular_pocket").face_ids
    labels = [
        "rectangular_blind_slot" if f in pocket_faces else label
        for f, label in enumerate(rules.face_labels)
    ]
    probability = [UNSURE if f in pocket_faces else SURE for f in range(topology.face_count)]
    answer = combined((topology, rules), labels, probability)
    pocket = only(answer, "rectangular_pocket")  # the rules keep what the network is unsure of
    assert (pocket.recognition_method, pocket.agreement, pocket.needs_review) == (
        "geometric",
        False,
        True,
    )
    assert pocket.confidence == pytest.approx(REVIEW_FACTOR * RULES_CONFIDENCE)


def test_a_sure_stock_label_takes_the_face_out_of_its_feature(part) -> None:
    topology, rules = part(pb.box_with_pocket)
    pocket = only(rules, "rectangular_pocket")
    floor = pocket.parameters["floor_faces"][0]
    labels = list(rules.face_labels)
    labels[floor] = STOCK
    answer = combined((topology, rules), labels, [SURE] * topology.face_count)
    assert answer.face_labels[floor] == STOCK and answer.face_feature[floor] is None
    regrouped = only(answer, "rectangular_pocket")
    assert (
        floor not in regrouped.face_ids and regrouped.needs_review and regrouped.agreement is False
    )


def test_a_whole_hole_and_a_round_keep_the_rules_type_where_the_network_contests_them(
    part,
) -> None:
    """The network may flag a hole or a convex round but not rename it (rules_keep):
    on NIST parts a sure brepnet-1.6.0 called rounds O-rings and split counterbores."""
    topology, rules = part(pb.box_with_blind_hole)
    hole = only(rules, "blind_hole")
    labels = [
        "circular_end_pocket" if f in hole.face_ids else label
        for f, label in enumerate(rules.face_labels)
    ]
    answer = combined((topology, rules), labels, [SURE] * topology.face_count)
    kept = only(answer, "blind_hole")
    assert kept.face_ids == hole.face_ids and kept.parameters == hole.parameters
    assert (kept.agreement, kept.needs_review) == (False, True)
    assert [answer.face_labels[f] for f in hole.face_ids] == ["blind_hole"] * len(hole.face_ids)
    recognizers = answer.part_parameters["recognizers"]
    assert recognizers["contested_faces"] == len(hole.face_ids)
    assert recognizers["overridden_faces"] == 0

    topology, rules = part(pb.chamfered_filleted_block)
    round_ = only(rules, "round")
    labels = [
        "Oring" if f in round_.face_ids else label for f, label in enumerate(rules.face_labels)
    ]
    answer = combined((topology, rules), labels, [SURE] * topology.face_count)
    assert only(answer, "round").needs_review
    assert all(answer.face_labels[f] == "round" for f in round_.face_ids)


def test_a_counterbore_read_as_a_blind_hole_over_a_through_hole_agrees(part) -> None:
    topology, rules = part(fp.counterbored_hole)
    hole = only(rules, "through_hole")
    counterbore = set(hole.parameters["segments"][0]["faces"])
    labels = [
        "blind_hole" if f in counterbore else label for f, label in enumerate(rules.face_labels)
    ]
    answer = combined((topology, rules), labels, [SURE] * topology.face_count)
    served = only(answer, "through_hole")
    assert served.subtype == "counterbore" and served.face_ids == hole.face_ids
    assert (served.recognition_method, served.agreement, served.needs_review) == ("ml", True, False)


def test_a_type_the_network_has_no_name_for_stays_the_rules_unjudged(part) -> None:
    topology, rules = part(fp.boss_plate)
    boss = only(rules, "boss")
    labels = [STOCK if f in boss.face_ids else label for f, label in enumerate(rules.face_labels)]
    answer = combined((topology, rules), labels, [SURE] * topology.face_count)
    served = only(answer, "boss")
    assert served.face_ids == boss.face_ids
    assert (served.recognition_method, served.agreement, served.needs_review) == (
        "geometric",
        None,
        False,
    )
    assert served.confidence == boss.confidence
    assert answer.face_probabilities[boss.face_ids[0]] is None  # the network has no class "boss"


def test_turned_parts_are_declined_before_the_network_runs(part) -> None:
    topology, rules = part(pb.turned_shaft)

    class NeverAsked:
        version = "never"

        def predict(self, graph: BRepGraph) -> FacePrediction:
            raise AssertionError("the network ran on a part out of its domain")

    with pytest.raises(PermanentError) as declined:
        recognize_combined(topology, rules, NeverAsked(), GATE)
    assert declined.value.code == "model_out_of_domain"


def test_a_prismatic_part_standing_turned_is_the_networks_too(part) -> None:
    """Its inputs do not change when a part is turned (test_graph_features_invariance.py),
    so a block standing turned in the model is as much the network's as one standing square
    (brepnet-1.4.0's were not, and such parts were declined)."""
    topology, rules = part(fp.rotated_block)
    assert rules.part_parameters["stock_axis_aligned"] is False
    answer = combined((topology, rules), rules.face_labels, [SURE] * topology.face_count)
    assert answer.part_parameters["recognizers"]["network_named_faces"] == topology.face_count


def test_a_network_sure_of_no_face_is_uncertain(part) -> None:
    topology, rules = part(pb.box_with_pocket)
    with pytest.raises(PermanentError) as declined:
        combined((topology, rules), rules.face_labels, [UNSURE] * topology.face_count)
    assert declined.value.code == "model_uncertain"


def test_a_network_that_mostly_contradicts_the_rules_does_not_know_the_part(part) -> None:
    topology, rules = part(pb.box_with_pocket)
    labels = ["circular_end_pocket"] * topology.face_count
    with pytest.raises(PermanentError) as declined:
        combined((topology, rules), labels, [SURE] * topology.face_count)
    assert declined.value.code == "model_disagrees"
    assert declined.value.details == {
        "network_named_faces": topology.face_count,
        "agreeing_faces": 0,
    }
    without_gate = NetworkGate(GATE.min_probability, min_part_agreement=0.0)
    answer = combined((topology, rules), labels, [SURE] * topology.face_count, without_gate)
    assert set(answer.face_labels) == {"circular_end_pocket"}
    assert all(f.needs_review for f in answer.features)


def test_the_answer_keeps_the_rules_features_unchanged(part) -> None:
    topology, rules = part(pb.chamfered_filleted_block)
    before = [f.to_json() for f in rules.features]
    labels = ["round"] * topology.face_count
    combined((topology, rules), labels, [SURE] * topology.face_count, NetworkGate(0.9, 0.0))
    assert [f.to_json() for f in rules.features] == before  # tier 2 may still serve them
