"""The service's answers checked against its own /openapi.json, for every test that holds one.

The document is JSON Schema 2020-12 inside OpenAPI 3.1; an answer is validated
with jsonschema against the schema documented for its path, method and status.
"""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.test import TestResponse

from geometry_service.app import OPENAPI_DOCUMENT

DOCUMENT = json.loads(OPENAPI_DOCUMENT.read_text())
DOCUMENT_URI = "urn:geometry-service:openapi"
REGISTRY = Registry().with_resource(
    DOCUMENT_URI, Resource.from_contents(DOCUMENT, default_specification=DRAFT202012)
)


def check_against_document(path: str, method: str, response: TestResponse) -> dict:
    """The answer's JSON, after validating it against the schema the document gives
    for this path, method and status (or the operation's default answer)."""
    responses = DOCUMENT["paths"][path][method]["responses"]
    status = str(response.status_code) if str(response.status_code) in responses else "default"
    parts_of_pointer = ("paths", path, method, "responses", status)
    pointer = "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts_of_pointer)
    documented = responses[status]
    if "$ref" in documented:
        pointer = documented["$ref"].removeprefix("#/")
    body = response.get_json()
    schema = {"$ref": f"{DOCUMENT_URI}#/{pointer}/content/application~1json/schema"}
    Draft202012Validator(schema, registry=REGISTRY).validate(body)
    return body
