"""migrations/*.sql and the migrate command, against a real Postgres (fresh schema per test)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from geometry_service import migrate
from geometry_service.config import PROJECT_ROOT
from geometry_service.dead_letter_queue import SQLiteStore
from geometry_service.dead_letter_queue.record import COLUMNS
from geometry_service.errors import ErrorType

FIRST = "001_failed_cad_analyses.sql"


def query(url: str, sql: str, *params) -> list[tuple]:
    with psycopg.connect(url) as connection:
        return connection.execute(sql, params).fetchall()


def insert_failure(url: str, key: str, error_type: str = "transient") -> None:
    with psycopg.connect(url) as connection:
        connection.execute(
            "INSERT INTO failed_cad_analyses "
            "(idempotency_key, correlation_id, error_type, error_code, error_message) "
            "VALUES (%s, 'cid', %s, 'code', 'message')",
            (key, error_type),
        )


def test_first_run_applies_and_records_every_file(postgres_schema_url: str) -> None:
    report = migrate.apply_migrations(postgres_schema_url)
    assert report.applied == [path.name for path in migrate.migration_files()]
    assert FIRST in report.applied
    recorded = query(postgres_schema_url, "SELECT filename FROM schema_migrations")
    assert (FIRST,) in recorded


def test_second_run_applies_nothing(postgres_schema_url: str) -> None:
    migrate.apply_migrations(postgres_schema_url)
    report = migrate.apply_migrations(postgres_schema_url)
    assert report.applied == []
    assert FIRST in report.already_applied


def test_sql_itself_is_idempotent(postgres_schema_url: str) -> None:
    sql = (migrate.MIGRATIONS_DIR / FIRST).read_text()
    with psycopg.connect(postgres_schema_url) as connection:
        connection.execute(sql)
        connection.execute(sql)


def test_table_shape_constraints_indexes_and_rls(postgres_schema_url: str) -> None:
    migrate.apply_migrations(postgres_schema_url)
    columns = dict(
        query(
            postgres_schema_url,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'failed_cad_analyses' AND table_schema = current_schema()",
        )
    )
    assert columns["details"] == "jsonb"
    assert columns["created_at"] == "timestamp with time zone"
    assert columns["idempotency_key"] == "text"
    assert {
        "correlation_id",
        "file_name",
        "file_hash",
        "file_size",
        "error_type",
        "error_code",
        "error_message",
        "retry_count",
        "traceback",
    } <= set(columns)

    indexes = {
        row[0]
        for row in query(
            postgres_schema_url,
            "SELECT indexname FROM pg_indexes WHERE tablename = 'failed_cad_analyses' "
            "AND schemaname = current_schema()",
        )
    }
    assert {"failed_cad_analyses_created_at_idx", "failed_cad_analyses_error_type_idx"} <= indexes

    [(rls,)] = query(
        postgres_schema_url,
        "SELECT relrowsecurity FROM pg_class WHERE oid = 'failed_cad_analyses'::regclass",
    )
    assert rls is True


def test_error_type_check_and_unique_idempotency_key(postgres_schema_url: str) -> None:
    migrate.apply_migrations(postgres_schema_url)
    for error_type in ErrorType:
        insert_failure(postgres_schema_url, f"k-{error_type.value}", error_type.value)
    with pytest.raises(psycopg.errors.CheckViolation):
        insert_failure(postgres_schema_url, "k2", "flaky")
    with pytest.raises(psycopg.errors.UniqueViolation):
        insert_failure(postgres_schema_url, "k-transient")


def test_summary_view_groups_by_type_and_code(postgres_schema_url: str) -> None:
    migrate.apply_migrations(postgres_schema_url)
    for key in ("a", "b"):
        insert_failure(postgres_schema_url, key)
    rows = query(
        postgres_schema_url, "SELECT error_type, error_code, count FROM failed_cad_analyses_summary"
    )
    assert rows == [("transient", "code", 2)]


def test_a_changed_file_is_reported_not_reapplied(postgres_schema_url: str, tmp_path: Path) -> None:
    shutil.copy(migrate.MIGRATIONS_DIR / FIRST, tmp_path / FIRST)
    migrate.apply_migrations(postgres_schema_url, tmp_path)
    (tmp_path / FIRST).write_text((tmp_path / FIRST).read_text() + "\n-- edited\n")
    report = migrate.apply_migrations(postgres_schema_url, tmp_path)
    assert (report.applied, report.changed_since_applied) == ([], [FIRST])


def test_main_prints_what_it_did(
    postgres_schema_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_schema_url)
    assert migrate.main() == 0
    assert f"applied          {FIRST}" in capsys.readouterr().out
    assert migrate.main() == 0
    assert "database is up to date" in capsys.readouterr().out


def test_main_without_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert migrate.main() == 2


def test_runs_as_a_module(postgres_schema_url: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "geometry_service.migrate"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": postgres_schema_url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert FIRST in completed.stdout


def _migration_columns() -> list[str]:
    """Column names of the failure table as migrations/001 creates it, in order."""
    sql = (PROJECT_ROOT / "migrations" / "001_failed_cad_analyses.sql").read_text()
    body = sql.split("CREATE TABLE IF NOT EXISTS failed_cad_analyses (", 1)[1].split("\n);", 1)[0]
    lines = [line.split("--", 1)[0].strip() for line in body.splitlines()]
    return [
        line.split()[0] for line in lines if line and not line.startswith(("CONSTRAINT", "CHECK"))
    ]


def test_the_embedded_sqlite_store_has_the_migrations_columns(tmp_path: Path) -> None:
    """The SQLite store writes its own schema (no migration tool there): it must keep the
    Postgres table's columns, so records move between stores unchanged."""
    path = tmp_path / "dlq.sqlite3"
    SQLiteStore(path)
    with sqlite3.connect(path) as connection:
        sqlite_columns = [
            row[1] for row in connection.execute("PRAGMA table_info(failed_cad_analyses)")
        ]
    assert sqlite_columns == _migration_columns()
    assert set(COLUMNS) == set(_migration_columns()) - {"id"}
