// The Manufacturing tab: machine class and stock, the set-ups in their
// colours, and the DFM warnings grouped by code, each with its measured value
// against the shop's limit and what to change; the file's own tolerances (AP242
// PMI), each with the feature it measures.
import { css } from './colors.js';
import { $, element, fmt, pickableItem, swatch } from './dom.js';

const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 };

/**
 * Fill the tab from the answer's ``manufacturing`` section (null where no features were recognized).
 * @param {object|null} manufacturing
 * @param {number[]} colours the colour of each set-up
 * @param {{hover: (pick: string|null) => void, select: (pick: string) => void}} on
 *   called with "setup:<index>", "warning:<index into manufacturing.warnings>" or
 *   "tolerance:<index into manufacturing.tolerances>"
 */
export function showManufacturing(manufacturing, colours, on) {
  if (!manufacturing) {
    $('stock-facts').replaceChildren();
    $('setup-count').textContent = '';
    $('warning-count').textContent = '';
    $('setup-list').replaceChildren(element('li', {}, 'No manufacturing section: no features were recognized.'));
    $('dfm-groups').replaceChildren();
    $('tolerance-list').replaceChildren();
    return;
  }
  const { setups, warnings } = manufacturing;
  $('stock-facts').replaceChildren(...facts(manufacturing)
    .flatMap(([name, value]) => [element('dt', {}, name), element('dd', {}, value)]));

  $('setup-count').textContent = `(${setups.count})`;
  $('setup-list').replaceChildren(...setups.setups.map((setup, index) => {
    const item = pickableItem('setup', `setup:${index}`, [
      element('div', { className: 'feature-title' },
        [swatch(css(colours[index])), `${index + 1}. ${setup.direction_name} · ${setup.kind}`]),
      element('div', { className: 'feature-dims' }, `${setup.feature_ids.length} feature${setup.feature_ids.length === 1 ? '' : 's'}: ${idList(setup.feature_ids)}`),
    ], on);
    item.dataset.setupIndex = index;
    item.dataset.direction = setup.direction_name;
    return item;
  }));

  $('warning-count').textContent = warnings.length ? `⚠ ${warnings.length}` : '';
  $('warning-count').title = `${warnings.length} DFM warnings`;
  $('dfm-groups').replaceChildren(...warningGroups(warnings, on));
  $('tolerance-list').replaceChildren(...toleranceList(manufacturing.tolerances ?? [], on));
}

/** The file's dimensions, geometric tolerances and datums; none listed for a file without PMI. */
function toleranceList(tolerances, on) {
  if (!tolerances.length) return [];
  return [element('h3', {}, `Tolerances from the file (${tolerances.length})`), element('ul', {},
    tolerances.map((tolerance, index) => {
      const item = pickableItem('tolerance', `tolerance:${index}`, [
        element('div', { className: 'feature-title' }, toleranceTitle(tolerance)),
        element('div', { className: 'feature-dims' }, tolerance.feature_id !== null
          ? `feature${tolerance.feature_ids.length === 1 ? '' : 's'} ${idList(tolerance.feature_ids)}`
          : `not attached: ${tolerance.not_attached}`),
        ...(tolerance.unread.length
          ? [element('div', { className: 'dfm-suggestion' }, `OCCT read its ${tolerance.unread.join(' and ')} as 0`)] : []),
      ], on);
      item.dataset.kind = tolerance.kind;
      return item;
    }))];
}

function toleranceTitle(tolerance) {
  const type = tolerance.type === 'unknown' && tolerance.name ? tolerance.name : tolerance.type.replaceAll('_', ' ');
  if (tolerance.kind === 'datum') return `datum ${tolerance.name ?? ''}`;
  if (tolerance.kind === 'geometric_tolerance') {
    const datums = tolerance.datums.length ? ` | ${tolerance.datums.join(' | ')}` : '';
    return `${type} ${fmt(tolerance.value)} ${tolerance.unit}${datums}`;
  }
  const symbol = tolerance.type === 'diameter' ? 'Ø' : '';
  const band = tolerance.upper === null ? ` (${tolerance.tolerance})`
    : ` +${fmt(tolerance.upper)}/${fmt(tolerance.lower)}`;
  return `${type} ${symbol}${fmt(tolerance.value)} ${tolerance.unit}${band}`;
}

function facts({ setups, stock }) {
  const size = stock.form === 'round_bar'
    ? `round bar Ø${fmt(stock.size[0])} × ${fmt(stock.size[1])} mm`
    : `plate ${stock.size.map(fmt).join(' × ')} mm`;
  const cm3 = (mm3) => `${Math.round(mm3 / 1000).toLocaleString('en')} cm³`;
  return [
    ['machine', `${setups.machine_class} · ${setups.count} set-up${setups.count === 1 ? '' : 's'}`],
    ['stock', `${size} (allowance ${fmt(stock.allowance_mm)} mm)`],
    ['removed', `${cm3(stock.removed_mm3)} of ${cm3(stock.volume_mm3)} (${Math.round(100 * stock.removed_share)} %)`],
    ...(setups.unreached_feature_ids.length ? [['unreached', `features ${idList(setups.unreached_feature_ids)}`]] : []),
  ];
}

/** The warnings grouped by code, the most severe groups first. */
function warningGroups(warnings, on) {
  if (!warnings.length) return [element('h3', {}, 'DFM warnings'), element('p', { className: 'hint' }, 'None.')];
  const byCode = new Map();
  warnings.forEach((warning, index) => {
    if (!byCode.has(warning.code)) byCode.set(warning.code, []);
    byCode.get(warning.code).push([warning, index]);
  });
  const worst = (members) => Math.min(...members.map(([w]) => SEVERITY_RANK[w.severity]));
  return [element('h3', {}, `DFM warnings (${warnings.length})`), ...[...byCode.entries()]
    .sort(([a, x], [b, y]) => worst(x) - worst(y) || a.localeCompare(b))
    .map(([code, members]) => element('div', { className: 'dfm-group' }, [
      element('h4', {}, `${code} (${members.length})`),
      element('ul', {}, members.map(([warning, index]) => warningItem(warning, index, on))),
    ]))];
}

function warningItem(warning, index, on) {
  const about = [
    warning.feature_id !== null && `feature #${warning.feature_id}`,
    warning.face_ids.length > 0 && `face${warning.face_ids.length === 1 ? '' : 's'} ${idList(warning.face_ids, '')}`,
  ].filter(Boolean).join(' · ') || 'the whole part';
  const item = pickableItem('dfm-warning', `warning:${index}`, [
    element('div', { className: 'feature-title' }, [
      element('span', { className: `severity ${warning.severity}` }, warning.severity), about,
    ]),
    element('div', { className: 'dfm-numbers' },
      `measured ${quantity(warning.measured, warning.unit)} · limit ${quantity(warning.limit, warning.unit)}`),
    element('div', { className: 'feature-dims' }, warning.message),
    element('div', { className: 'dfm-suggestion' }, `→ ${warning.suggestion}`),
  ], on);
  item.dataset.warningIndex = index;
  item.dataset.code = warning.code;
  item.dataset.severity = warning.severity;
  return item;
}

function quantity(value, unit) {
  if (value === null) return '—';
  if (unit === 'share') return `${Math.round(value * 100)} %`;
  if (unit === 'ratio') return `${fmt(value)} : 1`;
  return `${fmt(value)} ${unit}`;
}

/** "#1, #4, #7" (or "1, 4, 7" without the prefix), cut short past a dozen. */
function idList(ids, prefix = '#') {
  const shown = ids.slice(0, 12).map((id) => `${prefix}${id}`).join(', ');
  return ids.length > 12 ? `${shown} … (${ids.length})` : shown;
}
