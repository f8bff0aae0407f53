// What the run adds to the robot: the tool's path and its reference, the tool's frame, the
// centre of mass, the capture point, the centre of pressure and the support polygon of a
// balancing humanoid, and the simulator's contact and push forces as arrows.
import * as THREE from 'three';
import { lerpAt } from './data.js';

const CONTACT_SCALE = 0.001; // m per N: a 330 N stance reads as 0.33 m of arrows
const PUSH_SCALE = 0.002;
const MAX_ARROWS = 32;

function pathLine(data, stride, offset, n, color, dashed) {
  const pts = new Float32Array(n * 3);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < 3; a++) pts[3 * i + a] = data[i * stride + offset + a];
  const geo = new THREE.BufferGeometry();
  geo.setAttribute('position', new THREE.BufferAttribute(pts, 3));
  const mat = dashed
    ? new THREE.LineDashedMaterial({ color, dashSize: 0.01, gapSize: 0.008 })
    : new THREE.LineBasicMaterial({ color });
  const line = new THREE.Line(geo, mat);
  if (dashed) line.computeLineDistances();
  return line;
}

function marker(color, radius) {
  return new THREE.Mesh(
    new THREE.SphereGeometry(radius, 16, 12),
    new THREE.MeshBasicMaterial({ color, depthTest: false, transparent: true }),
  );
}

export function buildOverlays(r, scene) {
  const groups = {};
  const add = (key, obj) => {
    if (!groups[key]) {
      groups[key] = new THREE.Group();
      groups[key].renderOrder = 10;
      scene.add(groups[key]);
    }
    groups[key].add(obj);
    return obj;
  };
  const o = { groups };
  add('frames', new THREE.AxesHelper(0.25)); // the world frame
  if (r.tool) {
    add('path', pathLine(r.tool.data, 10, 0, r.n, 0x1f77b4, false));
    add('reference', pathLine(r.tool.data, 10, 7, r.n, 0x222222, true));
    o.toolAxes = add('frames', new THREE.AxesHelper(0.1));
    o.toolMark = add('path', marker(0x1f77b4, 0.008));
  }
  if (r.balance) {
    o.com = add('com', marker(0xd62728, 0.02));
    o.comGround = add('com', marker(0xd62728, 0.008));
    o.dcm = add('capture', marker(0x2ca02c, 0.015));
    o.cop = add('capture', marker(0xff7f0e, 0.01));
    const geo = new THREE.BufferGeometry();
    geo.setAttribute('position', new THREE.BufferAttribute(new Float32Array(3 * 9), 3));
    o.polygon = add('support', new THREE.LineLoop(geo, new THREE.LineBasicMaterial({ color: 0x555555 })));
    o.polyTimes = r.polygons.map((p) => p.t);
  }
  if (r.contacts || r.push) {
    o.arrows = [];
    for (let k = 0; k < MAX_ARROWS; k++) {
      const a = new THREE.ArrowHelper(new THREE.Vector3(0, 0, 1), new THREE.Vector3(), 0.1, 0x9467bd);
      a.visible = false;
      o.arrows.push(add('forces', a));
    }
    o.pushArrow = add('forces', new THREE.ArrowHelper(new THREE.Vector3(1, 0, 0), new THREE.Vector3(), 0.1, 0xd62728));
    o.pushArrow.visible = false;
  }
  return o;
}

const tmp = new Float32Array(10);
const v = new THREE.Vector3();
const dir = new THREE.Vector3();

function setArrow(arrow, x, y, z, fx, fy, fz, scale, end) {
  const len = Math.hypot(fx, fy, fz) * scale;
  if (!(len > 1e-4)) {
    arrow.visible = false;
    return;
  }
  dir.set(fx, fy, fz).normalize();
  // a contact force starts at the contact; a push ends at the body it pushes
  v.set(x, y, z);
  if (end) v.addScaledVector(dir, -len);
  arrow.position.copy(v);
  arrow.setDirection(dir);
  arrow.setLength(len, Math.min(0.04, 0.3 * len), Math.min(0.02, 0.15 * len));
  arrow.visible = true;
}

export function updateOverlays(r, o, f, t) {
  if (r.tool) {
    lerpAt(r.tool.data, 10, 0, 7, f, tmp);
    o.toolMark.position.set(tmp[0], tmp[1], tmp[2]);
    o.toolAxes.position.set(tmp[0], tmp[1], tmp[2]);
    o.toolAxes.quaternion.set(tmp[4], tmp[5], tmp[6], tmp[3]).normalize();
  }
  if (r.balance) {
    lerpAt(r.balance, 7, 0, 7, f, tmp);
    o.com.position.set(tmp[0], tmp[1], tmp[2]);
    o.comGround.position.set(tmp[0], tmp[1], 0.002);
    o.dcm.position.set(tmp[3], tmp[4], 0.002);
    o.cop.position.set(tmp[5], tmp[6], 0.002);
    // the latest polygon at or before t
    let k = -1;
    for (let i = 0; i < o.polyTimes.length && o.polyTimes[i] <= t + 1e-6; i++) k = i;
    const pos = o.polygon.geometry.attributes.position;
    const pts = k >= 0 ? r.polygons[k].p : [];
    for (let i = 0; i < 9; i++) {
      const p = pts.length ? pts[Math.min(i, pts.length - 1)] : [0, 0];
      pos.setXYZ(i, p[0], p[1], 0.003);
    }
    pos.needsUpdate = true;
    o.polygon.geometry.setDrawRange(0, pts.length);
  }
  if (o.arrows) {
    const i = f.a < 0.5 ? f.i : f.j; // forces are not interpolated: the nearer frame's
    let used = 0;
    if (r.contacts) {
      const { index, data } = r.contacts;
      for (let c = index[i]; c < index[i + 1] && used < o.arrows.length; c++, used++) {
        const d = data.subarray(6 * c, 6 * c + 6);
        setArrow(o.arrows[used], d[0], d[1], d[2], d[3], d[4], d[5], CONTACT_SCALE, false);
      }
    }
    for (let k = used; k < o.arrows.length; k++) o.arrows[k].visible = false;
    if (r.push) {
      const p = r.push.subarray(6 * i, 6 * i + 6);
      setArrow(o.pushArrow, p[0], p[1], p[2], p[3], p[4], p[5], PUSH_SCALE, true);
    }
  }
}
