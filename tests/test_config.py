"""Settings from the environment: what is refused at start, and why."""

from __future__ import annotations

import pytest

from geometry_service.config import Settings
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
