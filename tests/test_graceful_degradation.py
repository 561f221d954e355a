"""The ladder on its own: every tier answering, skips with their reasons, the deadline.

Tiers here are plain functions and the clock is injected, so each case is
exact and takes no time; the real tiers run in test_app and test_real_files.
"""

from __future__ import annotations

import pytest

from geometry_service.errors import PermanentError, TransientError
from geometry_service.features import Recognition
from geometry_service.graceful_degradation import Ladder, Tier, TierFailure
from tests.fakes import FakeClock

CONTEXT = object()  # the ladder hands it to the tiers and never looks inside


def answering(part_type: str):
    def tier(context: object) -> Recognition:
        return Recognition(features=[], face_labels=[], face_feature=[], part_type=part_type)

    return tier


def raising(error: Exception):
    def tier(context: object) -> Recognition:
        raise error

    return tier


def every_tier(**overrides) -> dict:
    tiers = {tier: answering(tier.label) for tier in Tier}
    tiers.update({Tier[name]: function for name, function in overrides.items()})
    return tiers


@pytest.mark.parametrize("answering_tier", list(Tier))
def test_the_highest_tier_that_answers_wins(answering_tier: Tier) -> None:
    failing = {
        tier.name: raising(TransientError("down", f"{tier.label} down"))
        for tier in Tier
        if tier < answering_tier
    }
    result = Ladder(every_tier(**failing)).run(CONTEXT)
    assert result.tier is answering_tier
    assert result.recognition.part_type == answering_tier.label
    assert result.confidence == answering_tier.confidence
    assert [(f.tier, f.code) for f in result.degradation] == [
        (t, "down") for t in Tier if t < answering_tier
    ]
    assert set(result.tier_ms) == {t.label for t in Tier if t <= answering_tier}


def test_a_blocked_tier_is_skipped_with_its_reason_and_never_run() -> None:
    blocked = TierFailure(Tier.BREP_ML, "model not loaded", "model_missing", "systemic")
    result = Ladder(
        every_tier(BREP_ML=raising(AssertionError("ran"))), {Tier.BREP_ML: blocked}
    ).run(CONTEXT)
    assert result.tier is Tier.MESH_HEURISTICS
    assert result.degradation == [blocked]
    assert Tier.BREP_ML.label not in result.tier_ms


def test_an_exception_is_a_systemic_skip_and_a_service_error_keeps_its_type() -> None:
    result = Ladder(
        every_tier(
            BREP_ML=raising(PermanentError("model_uncertain", "unsure")),
            MESH_HEURISTICS=raising(ValueError("min() arg is an empty sequence")),
        )
    ).run(CONTEXT)
    assert result.tier is Tier.POINT_CLOUD
    assert [f.to_json() for f in result.degradation] == [
        {
            "tier": "tier_1_brep_ml",
            "reason": "unsure",
            "code": "model_uncertain",
            "error_type": "permanent",
        },
        {
            "tier": "tier_2_mesh_heuristics",
            "reason": "ValueError: min() arg is an empty sequence",
            "code": "tier_failed",
            "error_type": "systemic",
        },
    ]


def test_after_the_deadline_only_the_last_tier_runs() -> None:
    clock = FakeClock(1000.0)
    result = Ladder(every_tier(), clock=clock).run(CONTEXT, deadline=clock.now)
    assert result.tier is Tier.BASIC
    assert [(f.tier, f.code, f.error_type) for f in result.degradation] == [
        (tier, "deadline", "transient") for tier in Tier if tier is not Tier.BASIC
    ]


def test_a_tier_that_spends_the_time_left_leaves_the_next_one_to_the_last() -> None:
    clock = FakeClock(1000.0)

    def slow_then_failing(context: object) -> Recognition:
        clock.now += 5.0
        raise TransientError("slow", "gave up")

    result = Ladder(every_tier(BREP_ML=slow_then_failing), clock=clock).run(
        CONTEXT, deadline=clock.now + 2.0
    )
    assert result.tier is Tier.BASIC
    assert [(f.tier, f.code) for f in result.degradation] == [
        (Tier.BREP_ML, "slow"),
        (Tier.MESH_HEURISTICS, "deadline"),
        (Tier.POINT_CLOUD, "deadline"),
    ]


def test_the_last_tier_answers_even_when_everything_above_is_blocked() -> None:
    blocked = {
        tier: TierFailure(tier, "no volume", "no_volume", "permanent")
        for tier in Tier
        if tier < Tier.BASIC
    }
    result = Ladder(every_tier(), blocked).run(CONTEXT, deadline=0.0)
    assert result.tier is Tier.BASIC
    assert [f.code for f in result.degradation] == ["no_volume"] * 3


def test_the_last_tier_failing_is_a_bug_that_surfaces() -> None:
    with pytest.raises(RuntimeError, match="broken"):
        Ladder(
            every_tier(
                BASIC=raising(RuntimeError("broken")),
                BREP_ML=raising(ValueError("x")),
                MESH_HEURISTICS=raising(ValueError("x")),
                POINT_CLOUD=raising(ValueError("x")),
            )
        ).run(CONTEXT)
