// The robot in three.js, from the MuJoCo model's geoms (MuJoCo's conventions: capsules and
// cylinders along their local z with half-lengths, boxes by half-sizes, planes by half-extents,
// 0 meaning unbounded), one group per body placed at each frame's pose.
import * as THREE from 'three';

function geometryOf(g, meshes) {
  const s = g.size;
  switch (g.type) {
    case 'sphere':
      return new THREE.SphereGeometry(s[0], 24, 16);
    case 'ellipsoid':
      return new THREE.SphereGeometry(1, 24, 16).scale(s[0], s[1], s[2]);
    case 'capsule':
      return new THREE.CapsuleGeometry(s[0], 2 * s[1], 8, 20).rotateX(Math.PI / 2);
    case 'cylinder':
      return new THREE.CylinderGeometry(s[0], s[0], 2 * s[1], 24).rotateX(Math.PI / 2);
    case 'box':
      return new THREE.BoxGeometry(2 * s[0], 2 * s[1], 2 * s[2]);
    case 'plane':
      return new THREE.PlaneGeometry(s[0] > 0 ? 2 * s[0] : 20, s[1] > 0 ? 2 * s[1] : 20);
    case 'mesh': {
      const m = meshes[g.mesh];
      const geo = new THREE.BufferGeometry();
      geo.setAttribute('position', new THREE.BufferAttribute(m.vert, 3));
      geo.setIndex(new THREE.BufferAttribute(new Uint32Array(m.face), 1));
      geo.computeVertexNormals();
      return geo;
    }
    default:
      return null;
  }
}

// MuJoCo's quaternion (w, x, y, z) as three.js's (x, y, z, w).
export const quat = (q, o = 0) => new THREE.Quaternion(q[o + 1], q[o + 2], q[o + 3], q[o]);

function floorMaterial() {
  // a checkerboard drawn once into a small canvas
  const c = document.createElement('canvas');
  c.width = c.height = 64;
  const x = c.getContext('2d');
  x.fillStyle = '#d9dde2';
  x.fillRect(0, 0, 64, 64);
  x.fillStyle = '#c3c8cf';
  x.fillRect(0, 0, 32, 32);
  x.fillRect(32, 32, 32, 32);
  const tex = new THREE.CanvasTexture(c);
  tex.wrapS = tex.wrapT = THREE.RepeatWrapping;
  tex.repeat.set(20, 20);
  tex.colorSpace = THREE.SRGBColorSpace;
  return new THREE.MeshStandardMaterial({ map: tex, roughness: 0.9 });
}

// Groups for the bodies (index as in the model), the floor's meshes kept apart so that a plain
// view can hide them.
export function buildRobot(r, scene, plain) {
  const bodies = r.bodies.map((name) => {
    const grp = new THREE.Group();
    grp.name = name;
    scene.add(grp);
    return grp;
  });
  const floors = [];
  // A model without visual geoms (a robot file whose meshes were left out) shows its collision
  // geoms, which such files draw translucent: opaque here, in their colours.
  const visual = r.geoms.some((g) => g.type !== 'plane' && g.group < 3);
  for (const g of r.geoms) {
    const geo = geometryOf(g, r.meshes);
    if (!geo) continue;
    const [cr, cg, cb] = g.rgba;
    const ca = visual ? g.rgba[3] : 1;
    const floor = g.type === 'plane';
    const mat = floor
      ? floorMaterial()
      : new THREE.MeshStandardMaterial({
          color: new THREE.Color(cr, cg, cb),
          roughness: 0.55,
          metalness: 0.05,
          transparent: ca < 1,
          opacity: ca,
        });
    if (plain && !floor) {
      // flat and unlit: a known colour for every robot pixel
      mat.dispose();
      const m = new THREE.Mesh(geo, new THREE.MeshBasicMaterial({ color: 0x202020 }));
      m.position.fromArray(g.pos);
      m.quaternion.copy(quat(g.quat));
      bodies[g.body].add(m);
      continue;
    }
    const mesh = new THREE.Mesh(geo, mat);
    mesh.position.fromArray(g.pos);
    mesh.quaternion.copy(quat(g.quat));
    mesh.name = g.name;
    if (floor) {
      mesh.receiveShadow = true;
      floors.push(mesh);
    } else {
      mesh.castShadow = true;
    }
    bodies[g.body].add(mesh);
  }
  return { bodies, floors };
}

// Place every body at frame f (interpolated: positions linearly, orientations by slerp).
const qa = new THREE.Quaternion();
const qb = new THREE.Quaternion();
export function poseRobot(r, bodies, f) {
  const P = r.poses;
  const nb = r.nbody;
  for (let b = 1; b < nb; b++) {
    const p = (f.i * nb + b) * 7;
    const q = (f.j * nb + b) * 7;
    const grp = bodies[b];
    grp.position.set(
      P[p] + (P[q] - P[p]) * f.a,
      P[p + 1] + (P[q + 1] - P[p + 1]) * f.a,
      P[p + 2] + (P[q + 2] - P[p + 2]) * f.a,
    );
    qa.set(P[p + 4], P[p + 5], P[p + 6], P[p + 3]);
    qb.set(P[q + 4], P[q + 5], P[q + 6], P[q + 3]);
    grp.quaternion.slerpQuaternions(qa, qb, f.a);
  }
}

// The box around every body's origin over the whole run, for the first view.
export function runBounds(r) {
  const box = new THREE.Box3();
  const v = new THREE.Vector3();
  const nb = r.nbody;
  for (let i = 0; i < r.n; i += Math.max(1, Math.floor(r.n / 200)))
    for (let b = 1; b < nb; b++) box.expandByPoint(v.fromArray(r.poses, (i * nb + b) * 7));
  if (box.isEmpty()) box.setFromCenterAndSize(new THREE.Vector3(0, 0, 0.5), new THREE.Vector3(1, 1, 1));
  return box;
}
