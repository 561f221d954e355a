// Small DOM helpers shared by the panel's tabs.

export const $ = (id) => document.getElementById(id);

/** A new element with ``properties`` set and ``children`` (nodes or strings) appended. */
export function element(tag, properties, children = []) {
  const node = Object.assign(document.createElement(tag), properties);
  node.append(...(Array.isArray(children) ? children : [children]));
  return node;
}

/** A list item that highlights ``pick`` ("feature:3", "setup:0", "warning:7") on hover and selects it on click or Enter. */
export function pickableItem(className, pick, children, on) {
  const item = element('li', { className: `${className} pickable`, tabIndex: 0 }, children);
  item.dataset.pick = pick;
  item.addEventListener('mouseenter', () => on.hover(pick));
  item.addEventListener('mouseleave', () => on.hover(null));
  item.addEventListener('click', () => on.select(pick));
  item.addEventListener('keydown', (event) => { if (event.key === 'Enter') on.select(pick); });
  return item;
}

/** Mark the selected and the hovered item of every list; bring the selected one into view. */
export function markPicks(selected, hovered, scroll) {
  for (const item of document.querySelectorAll('li.pickable')) {
    const pick = item.dataset.pick;
    item.classList.toggle('selected', pick === selected);
    item.classList.toggle('hovered', pick === hovered);
    if (scroll && pick === selected && item.offsetParent) item.scrollIntoView({ block: 'nearest' });
  }
}

/** A small swatch of a CSS colour. */
export function swatch(colour) {
  const node = element('span', { className: 'swatch' });
  node.style.background = colour;
  return node;
}

/** A number as the panel shows it: integers as they are, others to 3 decimals. */
export function fmt(value) {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
}
