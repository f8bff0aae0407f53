// The operator console (xn serve --web, xn run --realtime --web): the live robot in 3D, its
// joints and events, jogging with hold-to-run, the program editor (check, run in the `stream`
// line's place, pause, resume), and a stop button that is always on screen. It talks to the server over one WebSocket (/ws, src/web).
//
// The address's fragment: #token=T (when the server asks one), &name=N (who you are), and the
// view's #cam, #fov, #plain as in the replay.
import { Box3, Vector3 } from 'three';
import { readGeometry, floats } from '../replay/data.js';
import { buildRobot, poseRobot } from '../replay/robot.js';
import { createView, el, fragment } from '../view.js';
import { injectStyle } from './style.js';


const WINDOW_S = 10; // the live plots' span
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2',
  '#7f7f7f', '#bcbd22', '#17becf'];

const opt = fragment();
const api = { connected: false, welcome: null, holder: null, you: false, state: null, events: [],
  check: null, run: null, refusals: [] };
window.xnConsole = api;

injectStyle();
const status = el('span', { id: 'xc-status', text: 'connecting…' });
const holderText = el('span', { id: 'xc-holder', text: '' });
const takeBtn = el('button', { id: 'xc-take', text: 'Take control' });
const stopBtn = el('button', { id: 'xc-stop', title: 'Stop the robot (stop category 1)', text: 'STOP' });
const canvas = el('canvas', { id: 'xc-canvas' });
const joints = el('table', { id: 'xc-joints' });
const cart = el('div', { id: 'xc-cart' });
const speed = el('input', { id: 'xc-speed', type: 'range', min: '0.1', max: '1', step: '0.05', value: '0.5' });
const editor = el('textarea', { id: 'xc-editor', spellcheck: 'false' });
editor.value = 'movej [0, -0.785, 0, -2.356, 0, 1.571, 0.785]\nwait 0.5\n';
const checkBtn = el('button', { id: 'xc-check', text: 'Check' });
const runBtn = el('button', { id: 'xc-run', text: 'Run' });
const pauseBtn = el('button', { id: 'xc-pause', text: 'Pause' });
const resumeBtn = el('button', { id: 'xc-resume', text: 'Resume' });
const runText = el('span', { id: 'xc-run-state', text: '' });
const checkResult = el('div', { id: 'xc-check-result' });
const events = el('div', { id: 'xc-events' });
const stateText = el('span', { id: 'xc-state', text: '' });
const cycleText = el('div', { id: 'xc-cycle', text: '' });
const plotErr = el('canvas', { id: 'xc-plot-err' });
const plotTau = el('canvas', { id: 'xc-plot-tau' });
document.body.append(
  el('div', { id: 'xc-top' }, el('b', { text: 'xn console' }), status, stateText, holderText, takeBtn),
  el('div', { id: 'xc-main' },
    el('div', { id: 'xc-view' }, canvas),
    el('div', { id: 'xc-side' },
      el('div', { class: 'xc-box' }, el('h3', { text: 'Jog (hold to move)' }), joints,
        el('div', {}, 'speed ', speed), el('h3', { text: 'Tool (world axes)' }), cart),
      el('div', { class: 'xc-box' }, el('h3', { text: 'Program' }), editor,
        el('div', {}, checkBtn, runBtn, pauseBtn, resumeBtn, runText), checkResult),
      el('div', { class: 'xc-box' }, el('h3', { text: 'Events' }), events))),
  el('div', { id: 'xc-plots' }, el('b', { text: 'Control cycle' }), cycleText,
    el('b', { text: 'Tracking error (rad)' }), plotErr,
    el('b', { text: 'Commanded torque (N m)' }), plotTau),
  stopBtn);

const view = createView(canvas, opt);
let robot = null;
let bodies = null;
const jogButtons = [];
const history = []; // [t, err[], tau[]] over the plots' window

const ws = new WebSocket(`ws://${location.host}/ws`, 'xn-console');
const send = (m) => { if (ws.readyState === 1) ws.send(JSON.stringify(m)); };

// ---- hold to run: a jog message every 50 ms while the button is held, a jog_stop on release;
// the server stops the robot when they stop coming (the page closed, the network gone) ----
const held = new Set();
function holdToRun(btn, message) {
  let timer = null;
  const release = () => {
    if (!timer) return;
    clearInterval(timer);
    timer = null;
    held.delete(release);
    btn.classList.remove('held');
    send({ type: 'jog_stop' });
  };
  btn.addEventListener('pointerdown', (e) => {
    if (btn.disabled || timer) return;
    btn.setPointerCapture(e.pointerId);
    const beat = () => send({ ...message(), speed: Number(speed.value) });
    beat();
    timer = setInterval(beat, 50);
    held.add(release);
    btn.classList.add('held');
  });
  for (const ev of ['pointerup', 'pointercancel', 'lostpointercapture']) btn.addEventListener(ev, release);
  jogButtons.push(btn);
}
const releaseAll = () => [...held].forEach((r) => r());
window.addEventListener('blur', releaseAll);
document.addEventListener('visibilitychange', () => { if (document.hidden) releaseAll(); });

function buildJogs(list) {
  list.forEach((j, k) => {
    const minus = el('button', { class: 'xc-jog', 'data-joint': k, 'data-dir': '-1', text: '−' });
    const plus = el('button', { class: 'xc-jog', 'data-joint': k, 'data-dir': '1', text: '+' });
    holdToRun(minus, () => ({ type: 'jog', mode: 'joint', axis: k, dir: -1 }));
    holdToRun(plus, () => ({ type: 'jog', mode: 'joint', axis: k, dir: 1 }));
    joints.append(el('tr', {}, el('td', { text: j.name }), el('td', { class: 'q', id: `xc-q${k}`, text: '' }),
      el('td', {}, minus, plus)));
  });
  ['X', 'Y', 'Z', 'Rx', 'Ry', 'Rz'].forEach((name, axis) => {
    for (const dir of [-1, 1]) {
      const b = el('button', { class: 'xc-jog', 'data-axis': axis, 'data-dir': dir, text: `${name}${dir < 0 ? '−' : '+'}` });
      holdToRun(b, () => ({ type: 'jog', mode: 'cartesian', axis, dir }));
      cart.append(b);
    }
  });
  enableJogs();
}

// What the holder may do now: jog and run at the `stream` line with no program running;
// pause while one runs (anyone: it only holds), resume once paused.
function enableJogs() {
  const s = api.state;
  const running = s && s.run !== 'none';
  for (const b of jogButtons) b.disabled = !api.you || running;
  runBtn.disabled = !api.you || running || !(s && s.streaming);
  pauseBtn.disabled = !(s && s.state === 'running') || (s.paused > 0) || s.streaming;
  resumeBtn.disabled = !api.you || !(s && s.paused > 0);
  takeBtn.textContent = api.you ? 'Release control' : 'Take control';
}

takeBtn.addEventListener('click', () => send({ type: api.you ? 'release' : 'take' }));
stopBtn.addEventListener('click', () => send({ type: 'stop' }));
checkBtn.addEventListener('click', () => send({ type: 'check', program: editor.value }));
runBtn.addEventListener('click', () => send({ type: 'run', program: editor.value }));
pauseBtn.addEventListener('click', () => send({ type: 'pause' }));
resumeBtn.addEventListener('click', () => send({ type: 'resume' }));

// the editor's caret to a line and column (1-based), to show where the parser stopped
function caretTo(line, column) {
  const lines = editor.value.split('\n');
  let at = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) at += lines[i].length + 1;
  at += Math.max(0, column - 1);
  editor.focus();
  editor.setSelectionRange(at, Math.min(editor.value.length, at + 1));
}

function drawPlot(c, pick) {
  const w = c.clientWidth || 600;
  const h = c.clientHeight || 130;
  if (c.width !== w || c.height !== h) {
    c.width = w;
    c.height = h;
  }
  const x = c.getContext('2d');
  x.fillStyle = '#fff';
  x.fillRect(0, 0, w, h);
  if (history.length < 2) return;
  const tEnd = history[history.length - 1][0];
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of history) for (const v of pick(row)) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!(hi > lo)) { lo -= 1; hi += 1; }
  const X = (t) => w - ((tEnd - t) / WINDOW_S) * w;
  const Y = (v) => h - 4 - ((v - lo) / (hi - lo)) * (h - 8);
  const n = pick(history[0]).length;
  for (let k = 0; k < n; k++) {
    x.strokeStyle = PALETTE[k % PALETTE.length];
    x.beginPath();
    history.forEach((row, i) => (i ? x.lineTo(X(row[0]), Y(pick(row)[k])) : x.moveTo(X(row[0]), Y(pick(row)[k]))));
    x.stroke();
  }
  x.fillStyle = '#555';
  x.fillText(hi.toPrecision(3), 3, 10);
  x.fillText(lo.toPrecision(3), 3, h - 3);
}

// The first view: the robot's bodies (not the floor) as the first state placed them.
let framed = false;
function frameRobot() {
  const box = new Box3();
  bodies.forEach((b, i) => { if (i > 0) box.expandByObject(b); });
  if (box.isEmpty() || box.getSize(new Vector3()).length() > 30)
    box.setFromCenterAndSize(new Vector3(0, 0, 0.5), new Vector3(1.2, 1.2, 1.2));
  view.frame(box);
  framed = true;
  api.framed = true;
}

function onState(m) {
  api.state = m;
  stateText.textContent = `t ${m.t.toFixed(2)} s · ${m.state}${m.streaming ? ' · taking motion' : ''}`;
  if (m.cycle) {
    const c = m.cycle;
    cycleText.textContent = `${c.n} cycles · ${c.overruns} overruns · ${c.late} late wake-ups · ` +
      `compute p50 ${c.p50.toFixed(1)} µs, p99 ${c.p99.toFixed(1)} µs, max ${c.max.toFixed(1)} µs ` +
      `(CPU p99 ${c.cpu_p99.toFixed(1)} µs)`;
  }
  m.q.forEach((q, k) => {
    const cell = document.getElementById(`xc-q${k}`);
    if (cell) cell.textContent = q === null ? 'NaN' : q.toFixed(3);
  });
  runText.textContent = m.paused === 2 ? 'paused' : m.paused ? 'pausing…'
    : m.run === 'running' ? `running line ${m.line}` : m.run === 'waiting' ? 'waiting for rest…' : '';
  enableJogs();
  history.push([m.t, m.err, m.tau]);
  while (history.length && m.t - history[0][0] > WINDOW_S) history.shift();
  fresh = true;
}

// Drawing follows the screen's frames, not the messages: a slow renderer (software WebGL) shows
// fewer frames and never falls behind the robot; the plots are redrawn ten times a second.
let fresh = false;
let lastPlot = 0;
function draw(now) {
  if (fresh && robot && api.state && api.state.poses) {
    fresh = false;
    robot.poses = floats(api.state.poses);
    poseRobot(robot, bodies, { i: 0, j: 0, a: 0 });
    if (!framed) frameRobot();
    view.render();
    api.shown = api.state.t;
  }
  if (!opt.plain && now - lastPlot > 100) {
    lastPlot = now;
    drawPlot(plotErr, (r) => r[1]);
    drawPlot(plotTau, (r) => r[2]);
  }
  requestAnimationFrame(draw);
}
requestAnimationFrame(draw);

function onWelcome(m) {
  api.welcome = m;
  try {
    robot = readGeometry(m.robot);
    const built = buildRobot(robot, view.scene, view.plain);
    bodies = built.bodies;
    built.floors.forEach((f) => { f.visible = !view.plain; });
    robot.poses = new Float32Array(robot.nbody * 7);
  } catch (e) {
    status.textContent = `no robot to draw: ${e.message}`;
  }
  buildJogs(m.joints);
  document.title = `xn console: ${m.program}`;
}

ws.addEventListener('open', () => {
  api.connected = true;
  status.textContent = 'connected';
  send({ type: 'hello', name: opt.name || 'operator', token: opt.token || '' });
});
ws.addEventListener('close', () => {
  api.connected = false;
  status.textContent = 'disconnected';
  releaseAll();
  for (const b of jogButtons) b.disabled = true;
});
ws.addEventListener('message', (e) => {
  let m;
  try {
    m = JSON.parse(e.data);
  } catch {
    return;
  }
  if (m.type === 'state') onState(m);
  else if (m.type === 'welcome') onWelcome(m);
  else if (m.type === 'control') {
    api.holder = m.holder;
    api.you = m.you;
    holderText.textContent = m.holder ? `control: ${m.holder}${m.you ? ' (you)' : ''}` : 'control: free';
    if (!m.you) releaseAll();
    enableJogs();
  } else if (m.type === 'event') {
    api.events.push(m);
    const row = el('div', { text: `${m.t.toFixed(2)} s  ${m.kind}: ${m.text}` });
    events.prepend(row);
  } else if (m.type === 'check' || m.type === 'run') {
    api[m.type] = m;
    checkResult.className = m.ok ? 'xc-good' : 'xc-bad';
    const where = m.line > 0 ? `line ${m.line}, column ${m.column}: ` : '';
    checkResult.textContent = m.ok ? (m.type === 'run' ? 'running' : 'no error') : `${where}${m.message}`;
    if (!m.ok && m.line > 0) caretTo(m.line, m.column);
  } else if (m.type === 'refused') {
    api.refusals.push(m);
    status.textContent = `refused (${m.what}): ${m.reason}`;
  }
});

api.size = view.size;
api.pixel = view.pixel;
view.controls.addEventListener('change', () => view.render());
window.addEventListener('resize', () => view.render());
