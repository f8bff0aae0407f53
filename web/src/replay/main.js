// The replay page of an `xn run --report` (replay.html): the robot from its model's geometry,
// animated from the run's log at true speed, with play/pause, speed, a timeline with the run's
// events, the overlays and the plots on the same clock. Opens from file:// with no network.
//
// The address's fragment sets a view, for links and for the tests:
//   #t=SECONDS             start paused at that time
//   &cam=X,Y,Z,TX,TY,TZ    camera position and target (world, m; z up)   &fov=DEG (vertical)
//   &plain=1               the robot flat and unlit on white, no floor and no overlays
// window.xnReplay is the page's handle: ready, time(), seek(t), play(), pause(), pixel(x, y),
// playStarted() (when the clock last started, performance.now() ms),
// movie (the last recording: { bytes } or { error }).
import { createView, el, fragment } from '../view.js';
import { frameAt, readReplay } from './data.js';
import { buildOverlays, updateOverlays } from './overlays.js';
import { movieType, recordMovie } from './movie.js';
import { buildPlots, moveCursors } from './plots.js';
import { buildRobot, poseRobot, runBounds } from './robot.js';
import { injectStyle } from './style.js';


const fmt = (t) => `${t.toFixed(2)} s`;

function layout(r) {
  const title = r.program.split('/').pop();
  const top = el('div', { id: 'xn-top' }, el('b', { text: `xn replay: ${title}` }),
    el('span', { text: r.simulated ? 'simulated robot (MuJoCo)' : 'measured joints' }),
    el('span', { class: 'xn-result', text: r.result }));
  const canvas = el('canvas', { id: 'xn-canvas' });
  const play = el('button', { id: 'xn-play', text: 'Play' });
  const speed = el('select', { id: 'xn-speed', title: 'playback speed' });
  for (const s of [0.1, 0.25, 0.5, 1, 2, 4]) {
    const o = el('option', { value: s, text: `${s}×` });
    if (s === 1) o.selected = true;
    speed.append(o);
  }
  const step = 1 / Math.max(1, r.rate);
  const scrub = el('input', { id: 'xn-scrub', type: 'range', min: r.start, max: r.duration, step, value: r.start });
  const clock = el('span', { id: 'xn-time', text: fmt(r.start) });
  const record = el('button', { id: 'xn-record', title: 'play from the start and save the 3D view as replay.webm', text: 'Record video' });
  if (!movieType()) record.disabled = true;
  const marks = el('div', { id: 'xn-marks' });
  const view = el('div', { id: 'xn-view' }, canvas, marks,
    el('div', { id: 'xn-controls' }, play, speed, scrub, clock, record));
  const toggles = el('div', { id: 'xn-toggles' }, el('h3', { text: 'Show' }));
  const events = el('div', { id: 'xn-events' }, el('h3', { text: 'Events' }));
  const side = el('div', { id: 'xn-side' }, toggles, events);
  const plots = el('div', { id: 'xn-plots' });
  document.body.append(top, el('div', { id: 'xn-main' }, view, side), plots);
  return { canvas, play, speed, scrub, clock, record, marks, toggles, events, plots };
}

function start() {
  injectStyle();
  let r;
  try {
    r = readReplay(document.getElementById('xn-replay-data').textContent);
  } catch (e) {
    document.body.append(el('div', { id: 'xn-error', text: `This replay cannot be shown: ${e.message}` }));
    window.xnReplay = { ready: false, error: e.message };
    return;
  }
  const opt = fragment();
  const plain = opt.plain === '1';
  const ui = layout(r);

  const view = createView(ui.canvas, opt);
  const { scene, controls, render } = view;
  const { bodies, floors } = buildRobot(r, scene, plain);
  floors.forEach((m) => { m.visible = !plain; });
  const ov = buildOverlays(r, scene);

  view.frame(runBounds(r).expandByScalar(0.15)); // body origins, and the links around them

  // the overlays' switches
  const names = { path: 'tool path', reference: 'tool reference (dashed)', frames: 'frames',
    com: 'centre of mass', capture: 'capture point, CoP', support: 'support polygon', forces: 'contact and push forces' };
  for (const [key, label] of Object.entries(names)) {
    const g = ov.groups[key];
    if (!g) continue;
    g.visible = !plain;
    const cb = el('input', { type: 'checkbox', 'data-overlay': key });
    cb.checked = !plain;
    cb.addEventListener('change', () => { g.visible = cb.checked; });
    ui.toggles.append(el('label', {}, cb, ` ${label}`));
  }

  let t = r.start;
  let playing = false;
  let speed = 1;
  const seek = (x) => {
    t = Math.min(r.duration, Math.max(r.start, Number(x)));
    show();
  };
  const plots = buildPlots(r, ui.plots, seek);

  // events: markers on the timeline and a list; a click moves the replay there
  const span = Math.max(r.duration - r.start, 1e-9);
  for (const e of r.events) {
    const m = el('span', { class: `ev-${e.class}`, title: `${fmt(e.t)} ${e.kind}: ${e.text}` });
    m.style.left = `${(((e.t - r.start) / span) * 100).toFixed(3)}%`;
    m.addEventListener('click', () => seek(e.t));
    ui.marks.append(m);
    if (e.class === 'line') continue;
    const row = el('div', { text: `${fmt(e.t)}  ${e.kind}: ${e.text}` });
    row.addEventListener('click', () => seek(e.t));
    ui.events.append(row);
  }

  function show() {
    const f = frameAt(r, t);
    poseRobot(r, bodies, f);
    updateOverlays(r, ov, f, t);
    ui.scrub.value = t;
    ui.clock.textContent = fmt(t);
    moveCursors(r, plots, t);
    render();
  }

  ui.scrub.addEventListener('input', () => {
    setPlaying(false);
    seek(ui.scrub.value);
  });
  ui.speed.addEventListener('change', () => { speed = Number(ui.speed.value); });
  let last = performance.now();
  let playStarted = last; // when the clock last started (performance.now(), ms)
  let recording = null; // the movie being made while the replay plays through
  const setPlaying = (p) => {
    playing = p && r.n > 1;
    if (!playing && recording) {
      recording.stop();
      recording = null;
    }
    if (playing && t >= r.duration) t = r.start;
    // the clock runs from the click: a frame drawn late (a slow renderer, a busy machine) must not
    // count the time before it
    if (playing) last = playStarted = performance.now();
    ui.play.textContent = playing ? 'Pause' : 'Play';
  };
  ui.play.addEventListener('click', () => setPlaying(!playing));
  ui.record.addEventListener('click', () => {
    if (recording) return;
    ui.record.disabled = true;
    ui.record.textContent = 'Recording…';
    const finished = (bytes, why) => {
      ui.record.disabled = false;
      ui.record.textContent = 'Record video';
      window.xnReplay.movie = bytes ? { bytes } : { error: why };
    };
    seek(r.start);
    recording = recordMovie(ui.canvas, 30, 'replay.webm', finished);
    if (recording) setPlaying(true);
  });
  controls.addEventListener('change', () => { if (!playing) render(); });
  window.addEventListener('resize', render);

  function tick(now) {
    const dt = Math.max(0, now - last) / 1000;
    last = Math.max(last, now);
    if (playing) {
      t += dt * speed;
      if (t >= r.duration) {
        t = r.duration;
        setPlaying(false);
      }
      show();
    }
    requestAnimationFrame(tick);
  }

  if (opt.t !== undefined) seek(opt.t);
  else show();
  requestAnimationFrame(tick);

  window.xnReplay = {
    ready: true,
    frames: r.n,
    duration: r.duration,
    geoms: r.geoms.length,
    meshes: r.meshes ? r.meshes.length : 0,
    time: () => t,
    playStarted: () => playStarted,
    seek,
    play: () => setPlaying(true),
    pause: () => setPlaying(false),
    size: view.size,
    pixel: view.pixel,
  };
}

start();
