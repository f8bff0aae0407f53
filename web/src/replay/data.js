// The replay's data: the JSON the xn command writes into replay.html (tools/xn/run_replay.c),
// with its base64 arrays decoded into typed arrays, and the robot's state at any time by
// interpolation between the recorded frames.

function bytes(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out.buffer;
}

export const floats = (b64) => new Float32Array(bytes(b64));
const ints = (b64) => new Int32Array(bytes(b64));

// A robot's geometry (bodies, geoms, meshes with base64 arrays) as the pages draw it.
export function readGeometry(d) {
  if (!Array.isArray(d.bodies) || !Array.isArray(d.geoms) || !Array.isArray(d.meshes))
    throw new Error('the robot has no bodies, geoms or meshes');
  return {
    bodies: d.bodies,
    nbody: d.bodies.length,
    geoms: d.geoms,
    meshes: d.meshes.map((m) => ({ vert: floats(m.vert), face: ints(m.face) })),
  };
}

// Read and check the page's data; throws an Error naming what is wrong.
export function readReplay(text) {
  const d = JSON.parse(text);
  if (d.format !== 'xn-replay' || d.version !== 1) throw new Error('not an xn replay (version 1)');
  const nb = d.bodies.length;
  const r = {
    ...d,
    nbody: nb,
    t: floats(d.t),
    poses: floats(d.poses),
    plot: floats(d.plot),
    tool: d.tool ? { name: d.tool.name, data: floats(d.tool.data) } : null,
    balance: d.balance ? floats(d.balance) : null,
    push: d.push ? floats(d.push) : null,
    contacts: d.contacts ? { index: ints(d.contacts.index), data: floats(d.contacts.data) } : null,
    meshes: d.meshes.map((m) => ({ vert: floats(m.vert), face: ints(m.face) })),
  };
  if (r.t.length !== d.n || r.poses.length !== d.n * nb * 7)
    throw new Error(`frames: ${d.n} announced, ${r.t.length} times, ${r.poses.length / 7 / nb} poses`);
  r.duration = d.n ? r.t[d.n - 1] : 0;
  r.start = d.n ? r.t[0] : 0;
  return r;
}

// The frame at or before time t and the fraction of the way to the next one.
export function frameAt(r, t) {
  const n = r.n;
  if (n === 0 || t <= r.t[0]) return { i: 0, j: 0, a: 0 };
  if (t >= r.t[n - 1]) return { i: n - 1, j: n - 1, a: 0 };
  let lo = 0;
  let hi = n - 1; // r.t[lo] <= t < r.t[hi]
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (r.t[mid] <= t) lo = mid;
    else hi = mid;
  }
  return { i: lo, j: hi, a: (t - r.t[lo]) / (r.t[hi] - r.t[lo]) };
}

// Linear interpolation of `count` values at `stride` per frame from `offset`.
export function lerpAt(arr, stride, offset, count, f, out) {
  const p = f.i * stride + offset;
  const q = f.j * stride + offset;
  for (let k = 0; k < count; k++) out[k] = arr[p + k] + (arr[q + k] - arr[p + k]) * f.a;
  return out;
}
