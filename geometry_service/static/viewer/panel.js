// The side panel: facts of the analysis, degradation and warnings, the
// feature list grouped by type, and the service's errors in its own words.
import { cssColourOf } from './colors.js';
import { $, element, fmt, pickableItem, swatch } from './dom.js';

// Dimensions most people look for first; the other parameters follow in the service's order.
const PRIMARY = ['diameter', 'depth', 'width', 'length', 'radius', 'angle_deg', 'height'];

export function setStatus(text) {
  $('status').textContent = text;
}

/** Show a failed request as the service worded it. */
export function showError(problem) {
  const box = $('error');
  box.replaceChildren(
    element('strong', {}, problem.message),
    element('div', { className: 'error-facts' }, [
      problem.code, problem.error_type, problem.status && `HTTP ${problem.status}`,
      problem.correlation_id && `correlation id ${problem.correlation_id}`,
    ].filter(Boolean).join(' · ')),
  );
  box.hidden = false;
}

export function clearError() {
  $('error').hidden = true;
}

/** The tier, confidence, timings, degradation, warnings and correlation id of an answer. */
export function showRun(result) {
  const timings = Object.entries(result.timings ?? {})
    .filter(([stage, ms]) => typeof ms === 'number' && stage !== 'total_ms')
    .map(([stage, ms]) => `${stage.replace(/_ms$/, '')} ${Math.round(ms)}`);
  const time = typeof result.processing_time_ms === 'number' && `${Math.round(result.processing_time_ms)} ms`;
  const facts = [
    ['file', result.file_name],
    ['tier', result.processing_tier && `${result.processing_tier} · confidence ${result.confidence}`],
    ['method', result.metadata?.recognition_method],
    ['route', result.recommended_processes && `${result.recommended_processes.join(' + ')} · complexity ${result.complexity_score}`],
    ['time', time && `${time}${result.cached ? ' (cached answer)' : ''}`],
    ['stages', timings.length > 0 && `${timings.join(' · ')} ms`],
    ['mesh', result.mesh_data && `${result.faces?.length ?? '?'} faces, ${result.mesh_data.triangle_count} triangles`],
    ['correlation id', result.correlation_id, 'id'],
    ['file hash', result.file_hash, 'id'],
  ];
  $('run-facts').replaceChildren(...facts
    .filter(([, value]) => value !== undefined && value !== null && value !== false)
    .flatMap(([name, value, className = '']) => [element('dt', {}, name), element('dd', { className }, String(value))]));

  listSection($('degradation'), 'Why higher tiers did not answer',
    (result.degradation ?? []).map((d) => `${d.tier}: ${d.reason}${d.code ? ` (${d.code})` : ''}`));
  listSection($('warnings'), 'Warnings',
    (result.warnings ?? []).map((w) => (typeof w === 'string' ? w : w.message ?? JSON.stringify(w))));
  $('run').hidden = false;
}

/**
 * List the features grouped by type.
 * @param {object[]} features the answer's features
 * @param {{hover: (pick: string|null) => void, select: (pick: string) => void}} on called with "feature:<id>"
 */
export function showFeatures(features, on) {
  const byType = new Map();
  for (const feature of features) {
    if (!byType.has(feature.type)) byType.set(feature.type, []);
    byType.get(feature.type).push(feature);
  }
  const groups = [...byType.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([type, members]) => {
    const items = members.map((feature) => {
      const item = pickableItem('feature', `feature:${feature.id}`, [
        element('div', { className: 'feature-title' },
          [`#${feature.id}`, feature.subtype, confidenceText(feature)].filter(Boolean).join(' · ')),
        element('div', { className: 'feature-dims' }, dimensions(feature.parameters).join(' · ')),
      ], on);
      item.dataset.featureId = feature.id;
      item.dataset.featureType = feature.type;
      return item;
    });
    return element('div', { className: 'feature-group' }, [
      element('h3', {}, [swatch(cssColourOf(type)), `${type} (${members.length})`]),
      element('ul', {}, items),
    ]);
  });
  $('feature-count').textContent = `(${features.length})`;
  $('feature-groups').replaceChildren(...(groups.length ? groups : [element('p', {}, 'No features recognized.')]));
}

/**
 * "diameter 5 · depth 10 · thread M6": the numbers and words among the parameters,
 * and the words one level down (a thread size); not vectors, face lists or flags.
 */
function dimensions(parameters = {}) {
  const shown = Object.entries(parameters).flatMap(([key, value]) => {
    if (isPlainObject(value)) return Object.entries(value).filter(([, v]) => typeof v === 'string');
    const dimension = typeof value === 'number' || typeof value === 'string';
    return dimension && !/_faces?$/.test(key) ? [[key, value]] : [];
  });
  const rank = (key) => (PRIMARY.includes(key) ? PRIMARY.indexOf(key) : PRIMARY.length);
  return shown
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([key, value]) => {
      const degrees = key.endsWith('_deg');
      return `${degrees ? key.slice(0, -4) : key} ${typeof value === 'number' ? fmt(value) : value}${degrees ? '°' : ''}`;
    });
}

function confidenceText(feature) {
  return typeof feature.confidence === 'number' ? `${Math.round(feature.confidence * 100)}%` : null;
}

function listSection(host, title, lines) {
  host.replaceChildren(...(lines.length
    ? [element('h3', {}, title), element('ul', {}, lines.map((line) => element('li', {}, line)))]
    : []));
}

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
