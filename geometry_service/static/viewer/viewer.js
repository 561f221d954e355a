// The page: send a STEP file to /analyze (or fetch a cached answer by its
// file hash from /results), the mesh in its binary form, then draw it and list its features, set-ups and
// DFM warnings; keep what is selected and highlighted.
import { colourOf, setupColours, STOCK_COLOUR } from './colors.js';
import { markPicks } from './dom.js';
import { showManufacturing } from './manufacturing_panel.js';
import { clearError, setStatus, showError, showFeatures, showRun } from './panel.js';
import { PartView } from './scene.js';

const KEY_STORAGE = 'geometry-service-api-key';

// What the page shows, also read by the browser tests.
const state = {
  loaded: false,
  busy: false,
  fileHash: null,
  featureCount: 0,
  setupCount: 0,
  warningCount: 0,
  tab: 'features',
  selectedFeature: null,
  selectedSetup: null,
  selectedWarning: null,
  highlightedFaces: [],
  error: null,
};
window.viewerState = state;

// The answer on show, as faces: a pick ("feature:3", "setup:0", "warning:7", "tolerance:2")
// -> its face ids,
// and per tab the colour of every face and the pick a click on a face selects.
let pickFaces = new Map();
let tabs = {};
let selected = null;
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
  for (const tab of document.querySelectorAll('#tabs [role="tab"]')) {
    tab.addEventListener('click', () => showTab(tab.dataset.tab));
  }

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
  const faceCount = Math.max(result.faces?.length ?? 0, result.mesh_data.face_count);
  const features = result.features;
  const manufacturing = result.manufacturing ?? null;
  const setups = manufacturing?.setups.setups ?? [];
  const warnings = manufacturing?.warnings ?? [];
  const tolerances = manufacturing?.tolerances ?? [];
  const featureFaces = new Map(features.map((feature) => [feature.id, feature.face_ids]));
  const facesOfFeatures = (ids) => [...new Set(ids.flatMap((id) => featureFaces.get(id) ?? []))];

  pickFaces = new Map([
    ...features.map((feature) => [`feature:${feature.id}`, feature.face_ids]),
    ...setups.map((setup, index) => [`setup:${index}`, facesOfFeatures(setup.feature_ids)]),
    // A warning about a whole feature may name no faces of its own.
    ...warnings.map((warning, index) => [`warning:${index}`, warning.face_ids.length
      ? warning.face_ids : facesOfFeatures(warning.feature_id === null ? [] : [warning.feature_id])]),
    ...tolerances.map((tolerance, index) => [`tolerance:${index}`, tolerance.face_ids]),
  ]);
  // Index into features (or setups) of the first one holding each face, -1 for none.
  const faceFeature = ownerOfFaces(faceCount, features.map((feature) => feature.face_ids));
  const faceSetup = ownerOfFaces(faceCount, setups.map((_, index) => pickFaces.get(`setup:${index}`)));
  const colours = setupColours(setups);
  tabs = {
    features: {
      colours: Array.from(faceFeature, (k) => colourOf(features[k]?.type)),
      pickAt: (face) => (faceFeature[face] >= 0 ? `feature:${features[faceFeature[face]].id}` : null),
    },
    manufacturing: {
      colours: Array.from(faceSetup, (k) => colours[k] ?? STOCK_COLOUR),
      pickAt: (face) => (faceSetup[face] >= 0 ? `setup:${faceSetup[face]}` : null),
    },
  };
  view.load(result.mesh_data, faceFeature.map((k) => (k >= 0 ? features[k].id : -1)), tabs[state.tab].colours);

  const on = { hover, select: (pick) => select(pick, false) };
  showRun(result);
  showFeatures(features, on);
  showManufacturing(manufacturing, colours, on);
  document.getElementById('tabs').hidden = false;
  Object.assign(state, {
    fileHash: result.file_hash,
    featureCount: features.length,
    setupCount: setups.length,
    warningCount: warnings.length,
    loaded: true,
  });
  showTab(state.tab);
  document.body.classList.add('loaded');
}

/** For each face, the index of the first of ``faceLists`` that holds it, or -1. */
function ownerOfFaces(faceCount, faceLists) {
  const owner = new Int32Array(faceCount).fill(-1);
  faceLists.forEach((faces, index) => {
    for (const face of faces) if (owner[face] === -1) owner[face] = index;
  });
  return owner;
}

function showTab(name) {
  state.tab = name;
  for (const tab of document.querySelectorAll('#tabs [role="tab"]')) {
    const active = tab.dataset.tab === name;
    tab.setAttribute('aria-selected', String(active));
    document.getElementById(tab.getAttribute('aria-controls')).hidden = !active;
  }
  view.recolour(tabs[name].colours);
  // A selection belongs to the list it was made in.
  selected = null;
  hovered = null;
  refreshHighlight(false);
}

function pickFace(face) {
  select(face >= 0 ? tabs[state.tab].pickAt(face) : null, true);
}

function select(pick, fromView) {
  // Clicking the selected item again clears the selection.
  selected = pick === selected && !fromView ? null : pick;
  refreshHighlight(fromView);
}

function hover(pick) {
  hovered = pick;
  refreshHighlight(false);
}

function refreshHighlight(scroll) {
  const [kind, id] = selected ? selected.split(':') : [];
  state.selectedFeature = kind === 'feature' ? Number(id) : null;
  state.selectedSetup = kind === 'setup' ? Number(id) : null;
  state.selectedWarning = kind === 'warning' ? Number(id) : null;
  state.highlightedFaces = [...(pickFaces.get(hovered ?? selected) ?? [])];
  view.highlight(state.highlightedFaces);
  markPicks(selected, hovered, scroll);
}

/** A fresh id for X-Correlation-ID; crypto.randomUUID needs a secure context, this does not. */
function correlationId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `viewer-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
