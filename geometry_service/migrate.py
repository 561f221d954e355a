"""Apply migrations/*.sql to DATABASE_URL: ``python -m geometry_service.migrate``.

Files run in name order, each in its own transaction, and are recorded in a
``schema_migrations`` table so that a run applies only what is new. Every
transaction first takes one advisory lock, so two instances that start at
the same time apply each file once. A recorded file whose text has changed
since is reported, not re-applied: migrations are append-only, and a change
belongs in a new file.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from .config import PROJECT_ROOT, Settings

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"

_ADVISORY_LOCK_ID = 0x6765_6F6D  # "geom": any constant that no other job uses

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    filename   text PRIMARY KEY,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass
class MigrationReport:
    applied: list[str] = field(default_factory=list)
    already_applied: list[str] = field(default_factory=list)
    changed_since_applied: list[str] = field(default_factory=list)


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[Path]:
    return sorted(directory.glob("*.sql"))


def _checksum(sql: str) -> str:
    return hashlib.sha256(sql.encode("utf-8")).hexdigest()


def _lock(connection: psycopg.Connection) -> None:
    connection.execute("SELECT pg_advisory_xact_lock(%s)", (_ADVISORY_LOCK_ID,))


def apply_migrations(database_url: str, directory: Path = MIGRATIONS_DIR) -> MigrationReport:
    """Apply every migration in ``directory`` that the database has not recorded."""
    report = MigrationReport()
    with psycopg.connect(database_url, autocommit=True) as connection:
        with connection.transaction():
            _lock(connection)
            connection.execute(_CREATE_LEDGER)
        for path in migration_files(directory):
            sql = path.read_text(encoding="utf-8")
            with connection.transaction():
                _lock(connection)
                row = connection.execute(
                    "SELECT checksum FROM schema_migrations WHERE filename = %s", (path.name,)
                ).fetchone()
                if row is not None:
                    same = row[0] == _checksum(sql)
                    (report.already_applied if same else report.changed_since_applied).append(
                        path.name
                    )
                    continue
                # No parameters, so psycopg sends the file as is, all statements at once.
                connection.execute(sql)
                connection.execute(
                    "INSERT INTO schema_migrations (filename, checksum) VALUES (%s, %s)",
                    (path.name, _checksum(sql)),
                )
                report.applied.append(path.name)
    return report


def main() -> int:
    """Apply pending migrations and print what happened.

    It never prints DATABASE_URL: the URL usually holds a password.
    """
    database_url = Settings.from_env().database_url
    if not database_url:
        print("DATABASE_URL is not set; nothing to migrate", file=sys.stderr)
        return 2
    try:
        report = apply_migrations(database_url)
    except psycopg.Error as exc:
        print(f"migration failed: {exc}", file=sys.stderr)
        return 1
    for name in report.applied:
        print(f"applied          {name}")
    for name in report.already_applied:
        print(f"already applied  {name}")
    for name in report.changed_since_applied:
        print(f"CHANGED since it was applied, not re-applied: {name}", file=sys.stderr)
    if not report.applied:
        print("database is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
