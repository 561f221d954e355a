// The 3D view: the part's mesh coloured per B-Rep face (by feature or by
// set-up, as the panel's tab asks), its face boundaries,
// orbit / pan / zoom, fit to view, highlighting and picking faces by click.
import * as THREE from './vendor/three.min.js';
import { OrbitControls } from './vendor/three.min.js';
import { HIGHLIGHT_COLOUR, STOCK_COLOUR } from './colors.js';

const BACKGROUND = 0xf3f4f6;
const FEATURE_EDGE_COLOUR = 0x1b2129; // between faces of different features
const FACE_EDGE_COLOUR = 0x737a84; // between faces of one feature (or of the stock)
const DEFAULT_VIEW = new THREE.Vector3(1, -1.3, 0.9).normalize(); // from front right, above
const CLICK_SLOP_PX = 4; // a pointer that moved further than this was orbiting, not picking

export class PartView {
  /**
   * @param {HTMLElement} host element the canvas fills
   * @param {(face: number) => void} onPick called with the face id clicked, or -1 for none
   */
  constructor(host, onPick) {
    this.host = host;
    this.onPick = onPick;
    this.part = null;

    this.renderer = new THREE.WebGLRenderer({ antialias: true });
    this.renderer.setPixelRatio(window.devicePixelRatio);
    this.renderer.setClearColor(BACKGROUND);
    host.appendChild(this.renderer.domElement);

    this.scene = new THREE.Scene();
    this.camera = new THREE.PerspectiveCamera(35, 1, 0.1, 1000);
    this.camera.up.set(0, 0, 1); // STEP parts are modelled Z-up
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x9098a0, 1.8));
    // The key light rides with the camera, so the side in view is always lit.
    const key = new THREE.DirectionalLight(0xffffff, 1.6);
    key.position.set(0.4, 0.6, 1);
    this.camera.add(key);
    this.scene.add(this.camera);

    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.addEventListener('change', () => this.render());
    new ResizeObserver(() => this.resize()).observe(host);
    this.listenForPicks();
    this.resize();
  }

  /**
   * Show a part.
   * @param {object} meshData the answer's mesh_data in its binary form (?mesh=binary)
   * @param {Int32Array} faceFeature feature id of each face, -1 for stock
   * @param {number[]} faceColour colour (0xRRGGBB) of each face
   */
  load(meshData, faceFeature, faceColour) {
    this.clear();
    const positions = decodeArray(meshData.vertices, Float32Array);
    const indices = decodeArray(meshData.indices, Uint32Array);
    // Each face's triangles are one run: face f owns offsets[f] up to offsets[f + 1].
    const offsets = decodeArray(meshData.face_triangle_offsets, Uint32Array);
    const triangleFace = new Int32Array(meshData.triangle_count).fill(-1);
    for (let face = 0; face < meshData.face_count; face += 1) {
      triangleFace.fill(face, offsets[face], offsets[face + 1]);
    }
    // The mesher never shares a vertex between faces, so a colour per vertex is a colour per face.
    const vertexFace = decodeArray(meshData.vertex_face_ids, Int32Array);

    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute('position', new THREE.BufferAttribute(positions, 3));
    geometry.setAttribute('normal', new THREE.BufferAttribute(decodeArray(meshData.normals, Float32Array), 3));
    geometry.setAttribute('color', new THREE.BufferAttribute(new Float32Array(positions.length), 3));
    geometry.setIndex(new THREE.BufferAttribute(indices, 1));
    geometry.computeBoundingSphere();
    const surface = new THREE.Mesh(geometry, new THREE.MeshStandardMaterial({
      vertexColors: true,
      roughness: 0.6,
      metalness: 0.05,
      side: THREE.DoubleSide,
      // Push the surface back a little so that the edge lines on it are not hidden.
      polygonOffset: true,
      polygonOffsetFactor: 1,
      polygonOffsetUnits: 1,
    }));
    const edges = faceBoundaries(positions, indices, triangleFace, faceFeature);
    this.scene.add(surface, edges);

    this.part = { surface, edges, triangleFace, vertexFace, baseColours: [], highlighted: new Set() };
    this.recolour(faceColour);
    this.fit(DEFAULT_VIEW);
  }

  /** Give every face a new colour (0xRRGGBB, by face id): the features' or the set-ups' view. */
  recolour(faceColour) {
    if (!this.part) return;
    this.part.baseColours = faceColour.map((hex) => new THREE.Color(hex));
    this.paint();
    this.render();
  }

  /** Paint the given faces in the highlight colour and every other face in its own. */
  highlight(faceIds) {
    if (!this.part) return;
    this.part.highlighted = new Set(faceIds);
    this.paint();
    this.render();
  }

  /** Frame the whole part, looking along ``direction`` (default: the current one). */
  fit(direction) {
    if (!this.part) return;
    const sphere = this.part.surface.geometry.boundingSphere;
    const view = direction
      ? direction.clone()
      : this.camera.position.clone().sub(this.controls.target).normalize();
    const halfFov = THREE.MathUtils.degToRad(this.camera.fov) / 2;
    const narrowest = Math.min(halfFov, Math.atan(Math.tan(halfFov) * this.camera.aspect));
    const distance = (sphere.radius * 1.08) / Math.sin(narrowest);
    this.camera.position.copy(sphere.center).addScaledVector(view, distance);
    this.camera.near = distance / 100;
    this.camera.far = distance * 10;
    this.camera.updateProjectionMatrix();
    this.controls.target.copy(sphere.center);
    this.controls.update();
    this.render();
  }

  render() {
    this.renderer.render(this.scene, this.camera);
  }

  resize() {
    const width = Math.max(this.host.clientWidth, 1);
    const height = Math.max(this.host.clientHeight, 1);
    this.renderer.setSize(width, height);
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
    this.render();
  }

  clear() {
    if (!this.part) return;
    for (const object of [this.part.surface, this.part.edges]) {
      this.scene.remove(object);
      object.geometry.dispose();
      object.material.dispose();
    }
    this.part = null;
  }

  paint() {
    const { surface, vertexFace, baseColours, highlighted } = this.part;
    const colours = surface.geometry.getAttribute('color');
    const highlight = new THREE.Color(HIGHLIGHT_COLOUR);
    const stock = new THREE.Color(STOCK_COLOUR);
    for (let v = 0; v < vertexFace.length; v++) {
      const face = vertexFace[v];
      const colour = highlighted.has(face) ? highlight : baseColours[face] ?? stock;
      colours.setXYZ(v, colour.r, colour.g, colour.b);
    }
    colours.needsUpdate = true;
  }

  listenForPicks() {
    const canvas = this.renderer.domElement;
    let down = null;
    canvas.addEventListener('pointerdown', (event) => { down = { x: event.clientX, y: event.clientY }; });
    canvas.addEventListener('pointerup', (event) => {
      if (!down || !this.part) return;
      const moved = Math.hypot(event.clientX - down.x, event.clientY - down.y);
      down = null;
      if (moved <= CLICK_SLOP_PX) this.onPick(this.faceAt(event.clientX, event.clientY));
    });
  }

  /** The face under a point of the window, or -1. */
  faceAt(clientX, clientY) {
    const rect = this.renderer.domElement.getBoundingClientRect();
    const pointer = new THREE.Vector2(
      ((clientX - rect.left) / rect.width) * 2 - 1,
      -((clientY - rect.top) / rect.height) * 2 + 1,
    );
    const raycaster = new THREE.Raycaster();
    raycaster.setFromCamera(pointer, this.camera);
    const [hit] = raycaster.intersectObject(this.part.surface);
    return hit ? this.part.triangleFace[hit.faceIndex] : -1;
  }
}

/**
 * Lines along the boundaries of B-Rep faces: every triangle edge whose two
 * triangles lie on different faces, or that has only one triangle. Lines
 * between different features are drawn darker than those inside one.
 */
function faceBoundaries(positions, indices, triangleFace, faceFeature) {
  // Faces do not share vertices, so triangle edges are matched by position.
  const pointOf = new Map();
  const points = [];
  const pointIds = new Uint32Array(positions.length / 3);
  for (let v = 0; v < pointIds.length; v++) {
    const key = `${positions[3 * v]},${positions[3 * v + 1]},${positions[3 * v + 2]}`;
    let id = pointOf.get(key);
    if (id === undefined) {
      id = points.length;
      pointOf.set(key, id);
      points.push(v);
    }
    pointIds[v] = id;
  }

  const lines = [];
  const colours = [];
  const featureEdge = new THREE.Color(FEATURE_EDGE_COLOUR);
  const faceEdge = new THREE.Color(FACE_EDGE_COLOUR);
  const addLine = (a, b, colour) => {
    for (const point of [a, b]) {
      const v = points[point];
      lines.push(positions[3 * v], positions[3 * v + 1], positions[3 * v + 2]);
      colours.push(colour.r, colour.g, colour.b);
    }
  };
  const featureOf = (face) => (face >= 0 ? faceFeature[face] ?? -1 : -1);

  // Edge key -> face of the first triangle seen on it; removed when a second one arrives.
  const open = new Map();
  for (let t = 0; t < triangleFace.length; t++) {
    for (let k = 0; k < 3; k++) {
      const a = pointIds[indices[3 * t + k]];
      const b = pointIds[indices[3 * t + ((k + 1) % 3)]];
      const key = Math.min(a, b) * points.length + Math.max(a, b);
      const other = open.get(key);
      if (other === undefined) {
        open.set(key, triangleFace[t]);
        continue;
      }
      open.delete(key);
      if (other !== triangleFace[t]) {
        addLine(a, b, featureOf(other) === featureOf(triangleFace[t]) ? faceEdge : featureEdge);
      }
    }
  }
  for (const key of open.keys()) {
    addLine(Math.floor(key / points.length), key % points.length, featureEdge);
  }

  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute('position', new THREE.Float32BufferAttribute(lines, 3));
  geometry.setAttribute('color', new THREE.Float32BufferAttribute(colours, 3));
  return new THREE.LineSegments(geometry, new THREE.LineBasicMaterial({ vertexColors: true }));
}

/**
 * One array of a binary mesh_data: base64 of little-endian bytes, read as ``Type``
 * (typed arrays use the machine's byte order, little-endian on every browser platform).
 */
function decodeArray(base64, Type) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i);
  return new Type(bytes.buffer);
}
