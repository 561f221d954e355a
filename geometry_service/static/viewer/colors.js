// Colours of feature types and of set-up directions, shared by the 3D view
// and the side panel. The service reports some 30 types (the MFCAD++ classes
// plus turning); they are coloured by family, so that all pockets read alike
// whatever their shape.

export const STOCK_COLOUR = 0xb9bdc3;
export const HIGHLIGHT_COLOUR = 0xff2020;

// Tested in order: the first family whose test matches a type name wins.
const FAMILIES = [
  { name: 'hole', colour: 0x2f74d8, test: (t) => t.endsWith('_hole') },
  { name: 'passage', colour: 0x159c9c, test: (t) => t.endsWith('_passage') },
  { name: 'slot', colour: 0x8a55d4, test: (t) => t.endsWith('_slot') },
  { name: 'step', colour: 0xc9a227, test: (t) => t.endsWith('_step') || t === 'contour' },
  { name: 'pocket', colour: 0x3f9e48, test: (t) => t.endsWith('_pocket') },
  { name: 'chamfer', colour: 0xf08a3c, test: (t) => t === 'chamfer' },
  { name: 'round', colour: 0xe58fbb, test: (t) => t === 'round' },
  { name: 'groove', colour: 0x9c6136, test: (t) => t === 'groove' || t === 'Oring' },
  { name: 'turned', colour: 0x2cc0d4, test: (t) => t.startsWith('turned_') || t === 'taper' },
  { name: 'boss', colour: 0x7d8b2c, test: (t) => t === 'boss' },
];
const OTHER_COLOUR = 0x5c6b7a;

/** The display colour (0xRRGGBB) of a feature type; stock is neutral grey. */
export function colourOf(type) {
  if (!type || type === 'stock') return STOCK_COLOUR;
  const family = FAMILIES.find((f) => f.test(type));
  return family ? family.colour : OTHER_COLOUR;
}

// The six directions of the part's frame keep their colours on every part, so
// +Z (from the top) always reads blue; tilted directions take the next free
// colour in set-up order. None is the highlight red.
const DIRECTION_COLOURS = {
  '+Z': 0x2f74d8, '-Z': 0xf08a3c, '+X': 0x3f9e48, '-X': 0x8a55d4, '+Y': 0xc9a227, '-Y': 0x159c9c,
  'turning axis': 0x2cc0d4,
};
const TILTED_COLOURS = [0xe58fbb, 0x9c6136, 0x7d8b2c, 0x5c6b7a];

/** The display colour of each set-up (the answer's manufacturing.setups.setups, in order). */
export function setupColours(setups) {
  let tilted = 0;
  return setups.map((setup) => DIRECTION_COLOURS[setup.direction_name]
    ?? TILTED_COLOURS[tilted++ % TILTED_COLOURS.length]);
}

/** A colour (0xRRGGBB) as a CSS string. */
export function css(colour) {
  return `#${colour.toString(16).padStart(6, '0')}`;
}

/** The colour of a feature type as a CSS string. */
export function cssColourOf(type) {
  return css(colourOf(type));
}
