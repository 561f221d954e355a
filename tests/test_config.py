"""Settings from the environment: what is refused at start, and why."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields

import pytest

from geometry_service.config import PROJECT_ROOT, Settings
from geometry_service.errors import SystemicError


def test_production_refuses_to_start_without_tokens() -> None:
    with pytest.raises(SystemicError, match="ADMIN_TOKEN and SERVICE_API_KEY"):
        Settings.from_env({"PRODUCTION": "true"})
    with pytest.raises(SystemicError, match="SERVICE_API_KEY"):
        Settings.from_env({"PRODUCTION": "yes", "ADMIN_TOKEN": "a"})
    settings = Settings.from_env({"PRODUCTION": "1", "ADMIN_TOKEN": "a", "SERVICE_API_KEY": "s"})
    assert settings.production is True
    assert Settings.from_env({}).production is False


def test_booleans_are_words_not_any_string() -> None:
    assert Settings.from_env({"DOWNLOAD_ALLOW_PRIVATE": "False"}).download_allow_private is False
    assert Settings.from_env({"DOWNLOAD_ALLOW_PRIVATE": "on"}).download_allow_private is True
    with pytest.raises(SystemicError, match="DOWNLOAD_ALLOW_PRIVATE"):
        Settings.from_env({"DOWNLOAD_ALLOW_PRIVATE": "maybe"})


def test_out_of_range_settings_refuse_to_start_naming_each() -> None:
    """The red team's: each started a broken service that said it was ready."""
    with pytest.raises(SystemicError) as error:
        Settings.from_env(
            {
                "QUEUE_LIMIT": "-1",
                "REQUEST_BUDGET_S": "0",
                "MAX_UPLOAD_MB": "-5",
                "WORKER_COUNT": "0",
            }
        )
    assert error.value.code == "bad_configuration"
    for named in ("QUEUE_LIMIT=-1", "REQUEST_BUDGET_S=0.0", "MAX_UPLOAD_MB=-5.0", "WORKER_COUNT=0"):
        assert named in error.value.message


NUMERIC_FIELDS = [f for f in fields(Settings) if f.type in ("int", "float")]


def test_every_numeric_setting_has_a_range() -> None:
    assert [f.name for f in NUMERIC_FIELDS if "bounds" not in f.metadata] == []


BAD_VALUES = {"int": ("-1",), "float": ("-1", "nan", "inf", "1e400")}


@pytest.mark.parametrize(
    "name, bad", [(f.name.upper(), bad) for f in NUMERIC_FIELDS for bad in BAD_VALUES[f.type]]
)
def test_each_numeric_setting_refuses_negative_and_non_finite_values(name: str, bad: str) -> None:
    with pytest.raises(SystemicError, match=f"^{name}="):
        Settings.from_env({name: bad})


def test_defaults_and_the_upper_bounds() -> None:
    assert Settings.from_env({}).problems() == []
    with pytest.raises(SystemicError, match="PORT=70000 must be at most 65535"):
        Settings.from_env({"PORT": "70000"})
    with pytest.raises(SystemicError, match="MODEL_MIN_FACE_PROBABILITY=1.5 must be at most 1"):
        Settings.from_env({"MODEL_MIN_FACE_PROBABILITY": "1.5"})
    with pytest.raises(SystemicError, match="LOG_LEVEL='LOUD'"):
        Settings.from_env({"LOG_LEVEL": "LOUD"})


def test_a_value_that_does_not_parse_names_its_variable() -> None:
    with pytest.raises(SystemicError, match="HTTP_THREADS='eight' is not a valid int"):
        Settings.from_env({"HTTP_THREADS": "eight"})


def test_gunicorn_refuses_to_start_naming_the_setting() -> None:
    """The config file reads the settings: a bad value stops gunicorn before it binds."""
    env = {**os.environ, "QUEUE_LIMIT": "-1"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--check-config",
            "--config",
            "gunicorn.conf.py",
            "geometry_service.app:create_app()",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "QUEUE_LIMIT=-1 must be at least 0" in done.stdout + done.stderr
