"""The result viewer: one static page that sends a STEP file to /analyze and draws the answer.

The page, its scripts and the vendored three.js are plain files under
static/viewer/; the browser does all the work, so this module only serves them.
``/viewer?id=<sha256>`` is the same page: its script reads the id and asks
/results for the cached answer.
"""

from __future__ import annotations

from flask import Blueprint, Response

viewer_blueprint = Blueprint(
    "viewer", __name__, static_folder="static/viewer", static_url_path="/viewer/static"
)


@viewer_blueprint.get("/viewer")
def viewer_page() -> Response:
    response = viewer_blueprint.send_static_file("index.html")
    # The page names its scripts by fixed paths: revalidate so a deploy shows at once.
    response.cache_control.no_cache = True
    return response
