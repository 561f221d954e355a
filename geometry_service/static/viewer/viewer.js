// The viewer page: send a STEP file to /analyze (or fetch a cached answer by
// its file hash from /results), the mesh in its binary form, then draw it and list its features.
import { colourOf } from './colors.js';
import { clearError, markFeatures, setStatus, showError, showFeatures, showRun } from './panel.js';
import { PartView } from './scene.js';

const KEY_STORAGE = 'geometry-service-api-key';

// What the page shows, also read by the browser tests.
const state = {
  loaded: false,
  busy: false,
  fileHash: null,
  featureCount: 0,
  selectedFeature: null,
  highlightedFaces: [],
  error: null,
};
window.viewerState = state;

let features = new Map(); // id -> feature of the answer on show
let faceFeature = new Int32Array(0); // face id -> feature id, -1 for stock
let hovered = null;

const view = new PartView(document.getElementById('canvas-host'), pickFace);
wirePage();
const cachedId = new URLSearchParams(window.location.search).get('id');
if (cachedId) openCached(cachedId);

function wirePage() {
  const input = document.getElementById('file-input');
  input.addEventListener('change', () => {
    if (input.files.length) analyze(input.files[0]);
    input.value = ''; // choosing the same file again still fires "change"
  });
  document.addEventListener('dragover', (event) => {
    event.preventDefault();
    document.body.classList.add('dragging');
  });
  document.addEventListener('dragleave', (event) => {
    if (!event.relatedTarget) document.body.classList.remove('dragging');
  });
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    document.body.classList.remove('dragging');
    const [file] = event.dataTransfer.files;
    if (file) analyze(file);
  });
  document.getElementById('fit').addEventListener('click', () => view.fit());

  const key = document.getElementById('api-key');
  key.value = sessionStorage.getItem(KEY_STORAGE) ?? '';
  key.addEventListener('input', () => sessionStorage.setItem(KEY_STORAGE, key.value.trim()));
}

async function analyze(file) {
  const form = new FormData();
  form.append('file', file, file.name);
  const headers = { 'X-Correlation-ID': correlationId() };
  await load(`Analyzing ${file.name} (${(file.size / 1024).toFixed(0)} KiB)…`, () => (
    request('/analyze?mesh=binary', { method: 'POST', body: form, headers })));
}

async function openCached(fileHash) {
  await load('Opening the cached result…', () => request(`/results/${encodeURIComponent(fileHash)}?mesh=binary`));
}

async function load(message, fetchResult) {
  state.busy = true;
  state.error = null;
  clearError();
  setStatus(message);
  try {
    const result = await fetchResult();
    show(result);
    setStatus('');
    // Make the address shareable: it re-opens this answer from the cache.
    history.replaceState(null, '', `${window.location.pathname}?id=${result.file_hash}`);
  } catch (thrown) {
    // A bug of the page itself arrives as an Error; the service's failures as plain objects.
    const problem = thrown instanceof Error ? { message: thrown.message, code: 'viewer_error' } : thrown;
    state.error = problem;
    setStatus('');
    showError(problem);
    if (problem.status === 401) document.getElementById('key-box').open = true;
  } finally {
    state.busy = false;
  }
}

/** Fetch JSON from the service; a failure is thrown as {message, code, error_type, status, correlation_id}. */
async function request(url, options = {}) {
  const key = sessionStorage.getItem(KEY_STORAGE);
  const headers = { ...options.headers, ...(key ? { Authorization: `Bearer ${key}` } : {}) };
  let response;
  try {
    response = await fetch(url, { ...options, headers });
  } catch (error) {
    throw { message: `The service could not be reached: ${error.message}`, code: 'network_error' };
  }
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw { message: `HTTP ${response.status}: the answer is not valid JSON (${error.message}).`, code: 'invalid_json', status: response.status };
  }
  if (response.ok && body.success !== false) return body;
  if (body.error) throw { ...body.error, status: response.status, correlation_id: body.correlation_id };
  throw { message: `HTTP ${response.status} ${response.statusText}`, status: response.status };
}

function show(result) {
  features = new Map(result.features.map((feature) => [feature.id, feature]));
  const faceCount = Math.max(result.faces?.length ?? 0, result.mesh_data.face_count);
  faceFeature = new Int32Array(faceCount).fill(-1);
  for (const feature of result.features) {
    for (const face of feature.face_ids) if (faceFeature[face] === -1) faceFeature[face] = feature.id;
  }
  const faceColour = Array.from(faceFeature, (id) => colourOf(features.get(id)?.type));
  view.load(result.mesh_data, faceFeature, faceColour);

  showRun(result);
  showFeatures(result.features, { hover: hover, select: (id) => select(id, false) });
  hovered = null;
  state.selectedFeature = null;
  state.highlightedFaces = [];
  state.fileHash = result.file_hash;
  state.featureCount = result.features.length;
  state.loaded = true;
  document.body.classList.add('loaded');
}

function pickFace(face) {
  const id = face >= 0 ? faceFeature[face] : -1;
  select(id >= 0 ? id : null, true);
}

function select(id, fromView) {
  // Clicking the selected feature again clears the selection.
  state.selectedFeature = id === state.selectedFeature && !fromView ? null : id;
  refreshHighlight(fromView);
}

function hover(id) {
  hovered = id;
  refreshHighlight(false);
}

function refreshHighlight(scroll) {
  const shown = features.get(hovered ?? state.selectedFeature);
  state.highlightedFaces = shown ? [...shown.face_ids] : [];
  view.highlight(state.highlightedFaces);
  markFeatures(state.selectedFeature, hovered, scroll);
}

/** A fresh id for X-Correlation-ID; crypto.randomUUID needs a secure context, this does not. */
function correlationId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `viewer-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
