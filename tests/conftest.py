"""Shared fixtures: real Postgres and Redis where they run, a clear skip where not.

Point them elsewhere with TEST_DATABASE_URL and TEST_REDIS_URL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import redis
from psycopg import sql
from psycopg.conninfo import make_conninfo

from geometry_service.worker_pool import GeometryPool, PoolSettings

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=2):
            pass
    except psycopg.OperationalError as exc:
        pytest.skip(f"Postgres is not reachable at {POSTGRES_URL} (set TEST_DATABASE_URL): {exc}")
    return POSTGRES_URL


@pytest.fixture
def postgres_schema_url(postgres_url: str) -> Iterator[str]:
    """A connection string whose search_path is a fresh schema, dropped after the test,
    so tests never see each other's tables or a developer's data."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield make_conninfo(postgres_url, options=f"-c search_path={schema}")
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(scope="session")
def redis_url() -> str:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} (set TEST_REDIS_URL): {exc}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture(scope="module")
def pool() -> Iterator[GeometryPool]:
    """One warm geometry worker for a module's HTTP tests: starting one costs seconds."""
    geometry_pool = GeometryPool(PoolSettings(workers=1, task_timeout_s=30.0, queue_limit=4))
    geometry_pool.warm_up()
    yield geometry_pool
    geometry_pool.close(wait=False)
