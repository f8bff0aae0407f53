// The 3D view the replay and the console share: renderer, lights, a z-up camera that orbits a
// target, a first framing from a box, and the options of the page's address (#cam, #fov,
// #plain) with a pixel read-back for the tests.
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';

// An element with attributes (`text`: its text) and children.
export function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  e.append(...kids);
  return e;
}

// The options after '#' in the page's address: k=v pairs joined by '&'.
export function fragment() {
  const out = {};
  for (const part of location.hash.replace(/^#/, '').split('&')) {
    const [k, v] = part.split('=');
    if (k) out[decodeURIComponent(k)] = v === undefined ? '1' : decodeURIComponent(v);
  }
  return out;
}

export function createView(canvas, opt) {
  const plain = opt.plain === '1';
  const renderer = new THREE.WebGLRenderer({ canvas, antialias: !plain, preserveDrawingBuffer: plain });
  renderer.setPixelRatio(plain ? 1 : window.devicePixelRatio || 1);
  renderer.shadowMap.enabled = !plain;
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(plain ? 0xffffff : 0xeef1f5);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x8a8f99, 1.6));
  const sun = new THREE.DirectionalLight(0xffffff, 1.8);
  sun.position.set(2, -1.5, 4);
  sun.castShadow = true;
  sun.shadow.mapSize.set(2048, 2048);
  Object.assign(sun.shadow.camera, { left: -3, right: 3, top: 3, bottom: -3 });
  scene.add(sun);
  const camera = new THREE.PerspectiveCamera(Number(opt.fov) || 40, 1, 0.01, 100);
  camera.up.set(0, 0, 1);
  const controls = new OrbitControls(camera, canvas);

  // Look at a box from the front right, above; or where the address says.
  function frame(box) {
    const center = box.getCenter(new THREE.Vector3());
    const size = Math.max(0.6, box.getSize(new THREE.Vector3()).length());
    camera.position.copy(center).add(new THREE.Vector3(1.1, -1.6, 0.7).multiplyScalar(size * 0.7));
    controls.target.copy(center);
    const c = (opt.cam || '').split(',').map(Number);
    if (c.length === 6 && c.every(Number.isFinite)) {
      camera.position.set(c[0], c[1], c[2]);
      controls.target.set(c[3], c[4], c[5]);
    }
    controls.update();
  }

  function render() {
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    const pr = renderer.getPixelRatio();
    if (canvas.width !== Math.floor(w * pr) || canvas.height !== Math.floor(h * pr)) {
      renderer.setSize(w, h, false);
      camera.aspect = w / h;
      camera.updateProjectionMatrix();
    }
    renderer.render(scene, camera);
  }

  const gl = renderer.getContext();
  return {
    plain,
    renderer,
    scene,
    camera,
    controls,
    frame,
    render,
    size: () => [gl.drawingBufferWidth, gl.drawingBufferHeight],
    // the colour at drawing-buffer pixel (x, y), y down, of a fresh render
    pixel: (x, y) => {
      render();
      const px = new Uint8Array(4);
      gl.readPixels(x, gl.drawingBufferHeight - 1 - y, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
      return Array.from(px);
    },
  };
}
