"""The result viewer: its files over Flask, and the page itself in headless Chromium.

The browser tests drive Debian's chromium with its chromedriver through
Selenium, against a real server (werkzeug, in a thread: service_app.served) around the real
service and one geometry worker. They skip, saying why, where no browser is
installed. Screenshots go to var/test-artifacts/.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import requests
from flask import Flask
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from geometry_service.worker_pool import GeometryPool
from tests import part_builders as parts
from tests.feature_parts import AIR, two_sided_plate
from tests.service_app import app_builder, isolated_settings, served
from training.shapes import cut, cylinder

ARTIFACTS = Path(__file__).resolve().parent.parent / "var" / "test-artifacts"
NIST = Path(__file__).resolve().parent.parent / ".data" / "nist"
API_KEY = "viewer-test-key"
HIGHLIGHT_RGB = (0xFF, 0x20, 0x20)  # HIGHLIGHT_COLOUR in static/viewer/colors.js
LOAD_TIMEOUT_S = 90.0


# ------------------------------------------------------------------ servers


@pytest.fixture(scope="module")
def make_app(
    pool: GeometryPool, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Flask]]:
    """Apps around the shared pool, each with its own service; ``api_key`` sets SERVICE_API_KEY."""
    with app_builder(pool) as build_app:

        def build(api_key: str = "") -> Flask:
            folder = tmp_path_factory.mktemp("viewer-service")
            return build_app(isolated_settings(folder, service_api_key=api_key))

        yield build


@pytest.fixture(scope="module")
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture(scope="module")
def server(app: Flask) -> Iterator[str]:
    with served(app) as url:
        yield url


@pytest.fixture(scope="module")
def keyed_server(make_app: Callable[..., Flask]) -> Iterator[str]:
    with served(make_app(api_key=API_KEY)) as url:
        yield url


@pytest.fixture(scope="module")
def hole_plate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plate with six chamfered through holes."""
    folder = tmp_path_factory.mktemp("viewer-parts")
    return parts.write_step(parts.hole_grid_plate(rows=2, cols=3), folder / "hole_plate.step")


@pytest.fixture(scope="module")
def three_setup_plate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Sharp-cornered pockets in the top and the bottom, and a Ø3 hole 20 deep into
    the x=100 end: three set-ups (+Z, +X, -Z), two sharp-corner warnings and a deep hole."""
    folder = tmp_path_factory.mktemp("viewer-parts")
    side_hole = cylinder(80.0, 45.0, 15.0, 1.5, 20.0 + AIR, direction=(1.0, 0.0, 0.0))
    return parts.write_step(cut(two_sided_plate(), side_hole), folder / "three_setup_plate.step")


# ------------------------------------------------------------------ the files


def test_viewer_page_is_served(app: Flask) -> None:
    response = app.test_client().get("/viewer?id=" + "0" * 64)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.cache_control.no_cache
    assert '<script type="module" src="/viewer/static/viewer.js">' in response.get_data(
        as_text=True
    )


def test_every_script_the_page_loads_is_served_as_javascript(app: Flask) -> None:
    """Follow the page's links and the modules' imports: each must resolve, scripts as JS,
    or the browser refuses to run the page (module scripts need a JavaScript MIME type)."""
    client = app.test_client()
    pending = re.findall(
        r'(?:src|href)="(/viewer/static/[^"]+)"', client.get("/viewer").get_data(as_text=True)
    )
    seen: set[str] = set()
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, url
        if url.endswith(".js"):
            assert response.mimetype in ("text/javascript", "application/javascript"), url
            folder = url.rsplit("/", 1)[0]
            imports = re.findall(
                r"""from\s*['"]\./([\w./-]+)['"]""", response.get_data(as_text=True)
            )
            pending += [f"{folder}/{name}" for name in imports]
    assert "/viewer/static/vendor/three.min.js" in seen
    assert client.get("/viewer/static/vendor/LICENSE").status_code == 200


# ------------------------------------------------------------------ the browser


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.skip(
            "no browser: install Debian's chromium and chromium-driver (.ci/run does) "
            "to run the viewer's browser tests"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        # Software WebGL: there is no GPU here.
        "--use-angle=swiftshader",
        "--enable-unsafe-swiftshader",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def plate_hash(server: str, hole_plate: Path) -> str:
    """The plate's sha256, once the service has analysed (and so cached) it."""
    fetch_json(f"{server}/analyze", hole_plate)
    return hashlib.sha256(hole_plate.read_bytes()).hexdigest()


def test_page_draws_an_uploaded_part_and_highlights_a_hole_from_the_list(
    browser: WebDriver, server: str, hole_plate: Path
) -> None:
    drawn = open_part(browser, server, hole_plate)
    assert drawn["error"] is None and drawn["featureCount"] >= 6
    assert browser.current_url.endswith(f"/viewer?id={drawn['fileHash']}"), (
        "the address re-opens this result"
    )
    before = canvas_image(browser)
    save_screenshot(browser, "viewer-upload.png")
    assert distinct_colours(before) >= 4, "the canvas looks blank"
    assert len(highlight_pixels(before)) == 0

    hole = browser.find_element(By.CSS_SELECTOR, 'li.feature[data-feature-type="through_hole"]')
    feature_id = int(hole.get_attribute("data-feature-id"))
    hole.click()
    selected = wait_for(browser, f"s.selectedFeature === {feature_id}", "the hole to be selected")
    result = fetch_json(f"{server}/results/{drawn['fileHash']}")
    faces = next(f["face_ids"] for f in result["features"] if f["id"] == feature_id)
    assert sorted(selected["highlightedFaces"]) == sorted(faces)
    after = canvas_image(browser)
    save_screenshot(browser, "viewer-highlight.png")
    recoloured = np.abs(np.asarray(after, int) - np.asarray(before, int)).sum(axis=2) > 60
    assert recoloured.sum() > 50, "the hole's faces did not change colour"
    assert len(highlight_pixels(after)) > 50, "no face is drawn in the highlight colour"


def test_cached_result_reopens_by_id_and_a_click_on_the_part_selects_its_feature(
    browser: WebDriver, server: str, plate_hash: str
) -> None:
    browser.get(f"{server}/viewer?id={plate_hash}")
    drawn = wait_for(browser, "s.loaded", "the cached result to be drawn")
    assert drawn["fileHash"] == plate_hash and drawn["error"] is None

    # Find where a hole is on screen by highlighting it from the list, then clear the selection.
    hole = browser.find_element(By.CSS_SELECTOR, 'li.feature[data-feature-type="through_hole"]')
    feature_id = int(hole.get_attribute("data-feature-id"))
    hole.click()
    wait_for(browser, f"s.selectedFeature === {feature_id}", "the hole to be selected")
    red = highlight_pixels(canvas_image(browser))
    hole.click()
    wait_for(browser, "s.selectedFeature === null", "the selection to be cleared")

    # A red pixel nearest the middle of the red ones lies on one of the hole's faces.
    x, y = red[np.argmin(((red - red.mean(axis=0)) ** 2).sum(axis=1))]
    canvas = browser.find_element(By.CSS_SELECTOR, "#canvas-host canvas")
    offset_x, offset_y = int(x) - canvas.size["width"] // 2, int(y) - canvas.size["height"] // 2
    ActionChains(browser).move_to_element_with_offset(canvas, offset_x, offset_y).click().perform()
    picked = wait_for(
        browser, f"s.selectedFeature === {feature_id}", "the clicked hole to be selected"
    )
    assert picked["highlightedFaces"]
    assert "selected" in hole.get_attribute("class").split()


def test_service_errors_are_shown_as_the_service_words_them(
    browser: WebDriver, server: str, tmp_path: Path
) -> None:
    not_step = tmp_path / "notes.step"
    not_step.write_text("these are not the parts you are looking for\n")
    browser.get(f"{server}/viewer")
    upload(browser, not_step)
    failed = wait_for(browser, "s.error", "the error to be shown")
    shown = browser.find_element(By.ID, "error").text
    assert failed["error"]["status"] == 415
    for words in (
        failed["error"]["message"],
        failed["error"]["code"],
        failed["error"]["error_type"],
    ):
        assert words and words in shown
    assert "not a STEP file" in shown


def test_the_page_sends_a_pasted_api_key(
    browser: WebDriver, keyed_server: str, hole_plate: Path
) -> None:
    browser.get(f"{keyed_server}/viewer")
    upload(browser, hole_plate)
    refused = wait_for(browser, "s.error", "the refusal to be shown")
    assert refused["error"]["status"] == 401
    browser.find_element(By.ID, "api-key").send_keys(API_KEY)  # the refusal opened the key box
    upload(browser, hole_plate)
    drawn = wait_for(browser, "s.loaded", "the part to be drawn with the key")
    assert drawn["error"] is None and drawn["featureCount"] >= 6


def test_manufacturing_tab_colours_setups_and_highlights_a_warnings_faces(
    browser: WebDriver, server: str, three_setup_plate: Path
) -> None:
    drawn = open_part(browser, server, three_setup_plate)
    manufacturing = fetch_json(f"{server}/results/{drawn['fileHash']}")["manufacturing"]
    setups, warnings = manufacturing["setups"]["setups"], manufacturing["warnings"]
    assert [setup["direction_name"] for setup in setups] == ["+Z", "+X", "-Z"]
    by_features = canvas_image(browser)

    browser.find_element(By.ID, "tab-manufacturing").click()
    shown = wait_for(browser, "s.tab === 'manufacturing'", "the Manufacturing tab")
    assert (shown["setupCount"], shown["warningCount"]) == (3, len(warnings))
    assert not browser.find_element(By.ID, "manufacturing").get_attribute("hidden")
    assert browser.find_element(By.ID, "features").get_attribute("hidden")
    facts = browser.find_element(By.ID, "stock-facts").text
    stock = manufacturing["stock"]
    assert "3-axis · 3 set-ups" in facts
    assert f"plate {' × '.join(f'{side:g}' for side in stock['size'])} mm" in facts
    listed = browser.find_elements(By.CSS_SELECTOR, "li.setup")
    assert [item.get_attribute("data-direction") for item in listed] == ["+Z", "+X", "-Z"]
    by_setups = canvas_image(browser)
    save_screenshot(browser, "viewer-manufacturing.png")
    # The top pocket is green as a pocket and blue as part of the +Z set-up.
    recoloured = np.abs(np.asarray(by_setups, int) - np.asarray(by_features, int)).sum(axis=2) > 60
    assert recoloured.sum() > 500, "the faces were not repainted by set-up"
    assert len(highlight_pixels(by_setups)) == 0

    # A warning: its numbers and advice as listed, its faces highlighted on hover,
    # selected on click.
    deep = browser.find_element(By.CSS_SELECTOR, 'li.dfm-warning[data-code="deep_hole"]')
    index = int(deep.get_attribute("data-warning-index"))
    warning = warnings[index]
    assert warning["unit"] == "ratio" and warning["measured"] == pytest.approx(20 / 3, abs=0.01)
    assert f"measured {warning['measured']:g} : 1 · limit {warning['limit']:g} : 1" in deep.text
    assert (
        deep.find_element(By.CLASS_NAME, "severity").get_attribute("textContent")
        == warning["severity"]
        == "info"
    )
    assert warning["message"] in deep.text and warning["suggestion"] in deep.text
    ActionChains(browser).move_to_element(deep).perform()
    hovered = wait_for(
        browser, f"s.highlightedFaces.length === {len(warning['face_ids'])}", "the warning's faces"
    )
    assert sorted(hovered["highlightedFaces"]) == sorted(warning["face_ids"])
    corner = browser.find_element(
        By.CSS_SELECTOR, 'li.dfm-warning[data-code="sharp_internal_corner"]'
    )
    corner_index = int(corner.get_attribute("data-warning-index"))
    corner.click()
    selected = wait_for(
        browser, f"s.selectedWarning === {corner_index}", "the corner warning to be selected"
    )
    assert sorted(selected["highlightedFaces"]) == sorted(warnings[corner_index]["face_ids"])
    assert "selected" in corner.get_attribute("class").split()
    assert len(highlight_pixels(canvas_image(browser))) > 50, (
        "the pocket's walls are not highlighted"
    )

    # A set-up: the faces of all its features.
    features = {
        f["id"]: f["face_ids"]
        for f in fetch_json(f"{server}/results/{drawn['fileHash']}")["features"]
    }
    listed[0].click()
    chosen = wait_for(browser, "s.selectedSetup === 0", "the +Z set-up to be selected")
    assert sorted(chosen["highlightedFaces"]) == sorted(
        {face for i in setups[0]["feature_ids"] for face in features[i]}
    )
    assert chosen["selectedWarning"] is None

    # Back on the Features tab the faces take their feature colours again, nothing selected.
    browser.find_element(By.ID, "tab-features").click()
    back = wait_for(browser, "s.tab === 'features'", "the Features tab")
    assert back["selectedSetup"] is None and back["highlightedFaces"] == []
    assert (
        np.abs(np.asarray(canvas_image(browser), int) - np.asarray(by_features, int))
        .sum(axis=2)
        .max()
        < 60
    )


# ------------------------------------------------------------------ helpers


def upload(browser: WebDriver, path: Path) -> None:
    browser.find_element(By.ID, "file-input").send_keys(str(path))


@pytest.mark.skipif(not NIST.is_dir(), reason="NIST parts not unpacked (make data)")
def test_manufacturing_tab_lists_the_files_tolerances_and_highlights_their_faces(
    browser: WebDriver, server: str
) -> None:
    """NIST CTC 01 carries AP242 PMI: each tolerance is listed with its feature, and
    hovering one paints the faces it names."""
    [ctc_01] = NIST.rglob("nist_ctc_01_*.stp")
    drawn = open_part(browser, server, ctc_01)
    tolerances = fetch_json(f"{server}/results/{drawn['fileHash']}")["manufacturing"]["tolerances"]
    browser.find_element(By.ID, "tab-manufacturing").click()
    wait_for(browser, "s.tab === 'manufacturing'", "the Manufacturing tab")
    listed = browser.find_elements(By.CSS_SELECTOR, "#tolerance-list li.tolerance")
    assert len(listed) == len(tolerances) > 0
    index, tolerance = next(  # a hole's diameter with its +/-: the largest one
        (k, t)
        for k, t in sorted(enumerate(tolerances), key=lambda kt: -(kt[1]["value"] or 0.0))
        if t["type"] == "diameter" and t["feature_id"] is not None and not t["unread"]
    )
    item = listed[index]
    assert f"feature{'' if len(tolerance['feature_ids']) == 1 else 's'} " in item.text
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", item)
    ActionChains(browser).move_to_element(item).perform()
    hovered = wait_for(
        browser, f"s.highlightedFaces.length === {len(tolerance['face_ids'])}", "its faces"
    )
    assert sorted(hovered["highlightedFaces"]) == sorted(tolerance["face_ids"])
    save_screenshot(browser, "viewer-tolerances.png")


def open_part(browser: WebDriver, server: str, path: Path) -> dict:
    """Open the viewer, upload ``path`` and wait until it is drawn; the page's state."""
    browser.get(f"{server}/viewer")
    upload(browser, path)
    return wait_for(browser, "s.loaded", f"{path.name} to be drawn")


def wait_for(browser: WebDriver, condition: str, what: str) -> dict:
    """Wait until ``condition`` (JavaScript over ``s``, the page's viewerState) holds
    while no request is in flight; return the state."""
    script = f"const s = window.viewerState; return !!s && !s.busy && !!({condition});"
    WebDriverWait(browser, LOAD_TIMEOUT_S).until(
        lambda b: b.execute_script(script), message=f"waiting for {what}"
    )
    return browser.execute_script("return window.viewerState")


def canvas_image(browser: WebDriver) -> Image.Image:
    png = browser.find_element(By.CSS_SELECTOR, "#canvas-host canvas").screenshot_as_png
    return Image.open(io.BytesIO(png)).convert("RGB")


def distinct_colours(image: Image.Image, min_share: float = 0.002) -> int:
    """Colours (4 bits a channel) that cover at least ``min_share`` of the image."""
    quantized = np.asarray(image) >> 4
    codes = (
        (quantized[..., 0].astype(int) << 8)
        | (quantized[..., 1].astype(int) << 4)
        | quantized[..., 2]
    )
    counts = np.bincount(codes.ravel())
    return int((counts >= min_share * codes.size).sum())


def highlight_pixels(image: Image.Image) -> np.ndarray:
    """(x, y) of the pixels in the highlight red, at any shading."""
    r, g, b = (np.asarray(image, int)[..., k] for k in range(3))
    ys, xs = np.nonzero((r > 90) & (r > 2.2 * g) & (r > 2.2 * b))
    return np.column_stack([xs, ys])


def save_screenshot(browser: WebDriver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / name))


def fetch_json(url: str, upload_path: Path | None = None) -> dict:
    """GET ``url``, or POST ``upload_path`` to it as multipart field "file"."""
    if upload_path is None:
        response = requests.get(url, timeout=60)
    else:
        with upload_path.open("rb") as file:
            response = requests.post(url, files={"file": (upload_path.name, file)}, timeout=60)
    response.raise_for_status()
    return response.json()
