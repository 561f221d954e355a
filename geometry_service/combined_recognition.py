"""Tier 1: one answer from two recognizers, the network and the rules, face by face.

The rules run on every part (a few milliseconds) and the network where the
part is in its domain: a prismatic part, standing however it stands (its
inputs do not change when the part is turned: graph_features.py, and
tests/test_graph_features_invariance.py). Out of it the network's sureness
means nothing (measured: on the TurningMilling parts it is sure, p >= 0.9, and
wrong on 1,447 faces the rules get right, calling turned chamfers and rounds
O-rings), so the rules answer alone (tier 2). The same where
the network, on the faces it is sure of, contradicts the rules more often
than ``min_part_agreement`` allows: it does not know the part (on the
prismatic NIST parts it agrees on 5-38 % per part, calling through holes
circular-end pockets, where on MFCAD it agrees on every face).

In its domain the network names every face it is sure of (probability at
least ``min_probability``) and the rules name the rest. A rules feature
whose faces the network does not contest stays whole, with the rules'
grouping and measures (and their richer types: counterbores, islands, open
pockets). Where the network is sure of a face and the rules call it
otherwise, the network's label is served, and the faces of that rules
feature are regrouped by their served labels and measured afresh, as tier 1
measures any instance of the network's. Every feature says who named it
(``recognition_method``: ``ml`` where the network is sure of all its faces,
else ``geometric``), whether the other recognizer agrees (``agreement``:
the network's best label on every face is one the rules' type reads as in
MFCAD++ terms) and, where they disagree, ``needs_review``.

A confidence that means agreement: two recognizers agreeing are as sure as
the surer of them; one that cannot be checked (a boss: the network has no
name for it) keeps its own; a feature they disagree on gets half of its
namer's, so it always ranks below every agreed one. The answer's confidence
is the face-weighted mean of its faces', at most tier 1's nominal 0.95.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .brepnet_wrapper import METHOD as NETWORK_METHOD
from .brepnet_wrapper import BRepNetModel, FacePrediction, label_instances, measured_instance
from .errors import PermanentError
from .features import STOCK, Feature, Recognition, face_owners, numbered
from .geometric_fallback import METHOD as RULES_METHOD
from .geometry.topology import PartTopology
from .graceful_degradation import Tier
from .recognition.taxonomy import FAMILY_BY_TYPE, MFCADPP_CLASSES, MFCADPP_READINGS

RULES_CONFIDENCE = Tier.MESH_HEURISTICS.confidence  # the rules' own, where nothing checks them
REVIEW_FACTOR = 0.5  # a disputed feature keeps this share of its namer's confidence
MAX_CONFIDENCE = Tier.BREP_ML.confidence  # tier 1's nominal: the answer claims no more
CLASS_INDEX = {name: index for index, name in enumerate(MFCADPP_CLASSES)}


def rules_keep(feature: Feature) -> bool:
    """Whether the network may contest this rules feature but not rename it: a whole
    hole (a stack of exact bores all round, through or blind read from the topology,
    diameters from the surfaces) or a convex round (an O-ring is a groove, never a
    round). On the NIST parts brepnet-1.6.0, sure, called 8 rounds O-rings and split
    counterbored holes into blind holes, two of no diameter; such a feature keeps the
    rules' type and is flagged ``needs_review``. A partial bore stays open to the
    network: a half-round slot is one to the rules."""
    if FAMILY_BY_TYPE.get(feature.type) == "hole":
        return not feature.parameters.get("partial", False)
    return feature.type == "round" and feature.subtype == "convex"


def out_of_domain(rules: Recognition) -> str | None:
    """Why the network's labels cannot be trusted on this part, if they cannot."""
    if rules.part_type != "prismatic":
        return (
            f"the network knows prismatic parts only and this part is {rules.part_type}: "
            "the rules answer for turned parts"
        )
    return None


@dataclass
class FaceVerdicts:
    """Per face: the label each recognizer gives and how they compare."""

    network_label: list[str]
    probability: np.ndarray  # the network's, for its own label
    min_probability: float  # how sure the network must be of a face to name it
    agree: list[
        bool | None
    ]  # the network's label is one the rules' reads as; None: no name to compare
    sure: np.ndarray  # bool: the network is sure of the face
    network_named: np.ndarray  # bool: sure, and the taxonomy has a name for what the rules see
    contested: np.ndarray  # bool: sure, and the rules call it otherwise
    overridden: np.ndarray  # bool: contested, and not a face of a feature the rules keep


@dataclass(frozen=True)
class NetworkGate:
    """When the network's labels count: how sure of a face it must be to name it
    (MODEL_MIN_FACE_PROBABILITY), and on what share of those faces it must agree
    with the rules for the part to be one it knows (MODEL_MIN_PART_AGREEMENT)."""

    min_probability: float
    min_part_agreement: float


def recognize_combined(
    topology: PartTopology, rules: Recognition, model: BRepNetModel, gate: NetworkGate
) -> Recognition:
    """Tier 1 for one part, given the rules' answer. Raises PermanentError where
    the network has nothing to add: the part is out of its domain
    (model_out_of_domain), it is sure of no face (model_uncertain), or where it
    is sure it mostly contradicts the rules (model_disagrees)."""
    reason = out_of_domain(rules)
    if reason is not None:
        raise PermanentError("model_out_of_domain", reason)
    prediction = model.predict(topology.graph)
    verdicts = _verdicts(rules, prediction, gate.min_probability)
    named = int(verdicts.network_named.sum())
    if not named:
        raise PermanentError(
            "model_uncertain",
            f"the model is sure of none of the {topology.face_count} faces "
            f"(highest probability {verdicts.probability.max():.2f} < {gate.min_probability:.2f})",
        )
    agreeing = int((verdicts.network_named & ~verdicts.contested).sum())
    if agreeing < gate.min_part_agreement * named:
        raise PermanentError(
            "model_disagrees",
            f"the model is sure of {named} of {topology.face_count} faces but agrees with the "
            f"rules on only {agreeing} of them ({100.0 * agreeing / named:.0f} %, at least "
            f"{100.0 * gate.min_part_agreement:.0f} % needed): it does not know parts "
            "like this one",
            details={"network_named_faces": named, "agreeing_faces": agreeing},
        )
    return combine(topology, rules, prediction, verdicts, model.version)


def combine(
    topology: PartTopology,
    rules: Recognition,
    prediction: FacePrediction,
    verdicts: FaceVerdicts,
    model_release: str,
) -> Recognition:
    """The served answer: the network's labels where it is sure, the rules' elsewhere."""
    agree = verdicts.agree
    overridden = verdicts.overridden
    disputed = overridden.copy()  # overridden faces and every face of a feature they split
    for feature in rules.features:
        if overridden[feature.face_ids].any():
            disputed[feature.face_ids] = True

    labels = [
        verdicts.network_label[f] if overridden[f] else rules.face_labels[f]
        for f in range(topology.face_count)
    ]
    features: list[Feature] = []
    for feature in rules.features:
        if not disputed[feature.face_ids].any():
            features.append(_kept(feature, verdicts, prediction))
    for label, faces in label_instances(topology.graph, labels, disputed):
        features.append(_regrouped(topology, label, faces, verdicts))

    features = numbered(features)
    owner = face_owners(features, topology.face_count)
    face_confidence = _face_confidence(features, owner, verdicts, prediction, labels)
    summary = {
        "model_release": model_release,
        "min_probability": verdicts.min_probability,
        "faces": topology.face_count,
        "network_named_faces": int(verdicts.network_named.sum()),
        "rules_named_faces": int(topology.face_count - verdicts.network_named.sum()),
        "compared_faces": sum(a is not None for a in agree),
        "agreeing_faces": sum(a is True for a in agree),
        "contested_faces": int(verdicts.contested.sum()),
        "overridden_faces": int(overridden.sum()),
        "unsure_faces": int((~verdicts.sure).sum()),
        "features_needing_review": sum(f.needs_review for f in features),
    }
    return Recognition(
        features=features,
        face_labels=labels,
        face_feature=owner,
        part_type=rules.part_type,
        face_probabilities=[
            _probability_of(prediction, f, labels[f]) for f in range(topology.face_count)
        ],
        part_parameters={
            **rules.part_parameters,
            "model_release": model_release,
            "recognizers": summary,
        },
        confidence=min(MAX_CONFIDENCE, float(np.mean(face_confidence)))
        if len(face_confidence)
        else None,
    )


def _verdicts(
    rules: Recognition, prediction: FacePrediction, min_probability: float
) -> FaceVerdicts:
    accepted_by_feature = [_accepted(feature) for feature in rules.features]
    accepted = [
        frozenset({STOCK}) if owner is None else accepted_by_feature[owner]
        for owner in rules.face_feature
    ]
    labels = list(prediction.labels)
    agree = [
        None if ok is None else label in ok for label, ok in zip(labels, accepted, strict=True)
    ]
    probability = np.asarray(prediction.probability, dtype=float)
    sure = probability >= min_probability
    contested = sure & np.array([a is False for a in agree], dtype=bool)
    keep = [rules_keep(feature) for feature in rules.features]
    kept = np.array([owner is not None and keep[owner] for owner in rules.face_feature])
    return FaceVerdicts(
        network_label=labels,
        probability=probability,
        min_probability=min_probability,
        agree=agree,
        sure=sure,
        network_named=sure & np.array([a is not None for a in agree], dtype=bool),
        contested=contested,
        overridden=contested & ~kept,
    )


def _accepted(feature: Feature) -> frozenset[str] | None:
    """The MFCAD++ labels that name what this rules feature is; None where the
    taxonomy has no name for it (a boss, a turned feature)."""
    if feature.type not in CLASS_INDEX:
        return None
    readings = {feature.type}
    for part in (feature.subtype or "").split("+"):
        readings |= MFCADPP_READINGS.get(part, frozenset())
    return frozenset(readings)


def _kept(feature: Feature, verdicts: FaceVerdicts, prediction: FacePrediction) -> Feature:
    """A rules feature the network does not contest, whole, with who named it and the agreement."""
    faces = feature.face_ids
    agree = [verdicts.agree[f] for f in faces]
    agreement = None if agree[0] is None else all(agree)
    by_network = bool(verdicts.network_named[faces].all())
    network = _accepted_probability(prediction, faces, _accepted(feature))
    return replace(
        feature,
        recognition_method=NETWORK_METHOD if by_network else RULES_METHOD,
        agreement=agreement,
        needs_review=agreement is False,
        confidence=_confidence(agreement, feature.confidence, network, by_network),
    )


def _regrouped(
    topology: PartTopology, label: str, faces: list[int], verdicts: FaceVerdicts
) -> Feature:
    """An instance of the disputed faces under its served label, measured on its faces alone."""
    by_network = all(verdicts.sure[f] and verdicts.network_label[f] == label for f in faces)
    namer = float(verdicts.probability[faces].mean()) if by_network else RULES_CONFIDENCE
    candidate = measured_instance(topology, label, faces, REVIEW_FACTOR * namer)
    feature = candidate.feature(NETWORK_METHOD if by_network else RULES_METHOD)
    feature.agreement, feature.needs_review = False, True
    return feature


def _confidence(
    agreement: bool | None, rules: float, network: float | None, by_network: bool
) -> float:
    if agreement is None or network is None:
        return rules
    if agreement:
        return max(rules, network)
    return REVIEW_FACTOR * (network if by_network else rules)


def _accepted_probability(
    prediction: FacePrediction, faces: list[int], accepted: frozenset[str] | None
) -> float | None:
    """The network's mean probability, over ``faces``, of the labels that agree with the rules."""
    if accepted is None:
        return None
    columns = [CLASS_INDEX[name] for name in accepted]
    return float(prediction.class_probabilities[np.ix_(faces, columns)].sum(axis=1).mean())


def _probability_of(prediction: FacePrediction, face: int, label: str) -> float | None:
    """The network's probability of the label served for a face, where it has that class."""
    index = CLASS_INDEX.get(label)
    return None if index is None else float(prediction.class_probabilities[face, index])


def _face_confidence(
    features: list[Feature],
    owner: list[int | None],
    verdicts: FaceVerdicts,
    prediction: FacePrediction,
    labels: list[str],
) -> np.ndarray:
    """Each face's confidence: its feature's, or for stock how the two agree on it."""
    confidence = np.empty(len(owner))
    for face, number in enumerate(owner):
        if number is not None:
            confidence[face] = features[number].confidence
            continue
        agreement = verdicts.agree[face]
        by_network = bool(verdicts.network_named[face])
        network = _probability_of(prediction, face, labels[face])
        confidence[face] = _confidence(agreement, RULES_CONFIDENCE, network, by_network)
    return confidence
