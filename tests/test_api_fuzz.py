"""Property-based fuzzing of the HTTP API against its own /openapi.json.

schemathesis reads the document the service serves, generates requests for
every operation from it (valid and invalid: parameters, headers, bodies,
multipart uploads of arbitrary bytes) with hypothesis, and sends them to the
real app (the Flask app over werkzeug's WSGI server, a real geometry worker
from the shared pool).
Every answer must be documented for its operation and status, match the
schema documented for it, and none may be a 5xx. The examples per operation
are bounded so the whole run stays well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from geometry_service.app import OPENAPI_DOCUMENT
from geometry_service.worker_pool import GeometryPool
from tests.service_app import app_builder, isolated_settings, served

EXAMPLES_PER_OPERATION = 100
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def service_url(pool: GeometryPool, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app as `make serve` runs it (no tokens, no download hosts), around one real
    worker, over real HTTP: the client decodes compressed answers as any client would."""
    folder = tmp_path_factory.mktemp("fuzzed-service")
    with app_builder(pool) as build, served(build(isolated_settings(folder))) as url:
        yield url


# The document /openapi.json serves (test_contract checks that it serves this file). It is
# read at collection, as schemathesis parametrizes from it; the answers come from the app.
schema = schemathesis.openapi.from_path(OPENAPI_DOCUMENT)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_answer_is_documented_and_none_is_a_server_error(
    case: schemathesis.Case, service_url: str
) -> None:
    case.call_and_validate(base_url=service_url, checks=CHECKS, timeout=30)
