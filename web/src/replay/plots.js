// The run's plots beside the replay, on the replay's clock: one canvas per plot with a series
// per joint, a cursor at the replay's time, and a click that moves the replay there.

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2',
  '#7f7f7f', '#bcbd22', '#17becf'];

export function buildPlots(r, parent, seek) {
  const plots = [];
  const nj = r.joints.length;
  const series = r.plots.map((p) => ({
    title: p.title,
    unit: p.unit,
    names: r.joints,
    stride: 2 * nj,
    offset: p.offset,
    count: nj,
    data: r.plot,
  }));
  if (r.balance)
    series.push({
      title: 'Centre of mass, capture point, centre of pressure (world x, y)',
      unit: 'm',
      names: ['CoM x', 'CoM y', 'capture x', 'capture y', 'CoP x', 'CoP y'],
      stride: 7,
      offsets: [0, 1, 3, 4, 5, 6],
      count: 6,
      data: r.balance,
    });
  for (const s of series) {
    if (!hasData(r, s)) continue;
    const box = document.createElement('div');
    box.className = 'xn-plot';
    const h = document.createElement('div');
    h.className = 'xn-plot-title';
    h.textContent = `${s.title} (${s.unit})`;
    const canvas = document.createElement('canvas');
    const cursor = document.createElement('div');
    cursor.className = 'xn-cursor';
    const area = document.createElement('div');
    area.className = 'xn-plot-area';
    area.append(canvas, cursor);
    const legend = document.createElement('div');
    legend.className = 'xn-legend';
    s.names.forEach((n, k) => {
      const sp = document.createElement('span');
      sp.style.color = PALETTE[k % PALETTE.length];
      sp.textContent = n;
      legend.append(sp);
    });
    box.append(h, area, legend);
    parent.append(box);
    const p = { s, canvas, cursor, area };
    area.addEventListener('click', (e) => {
      const rect = area.getBoundingClientRect();
      seek(r.start + ((e.clientX - rect.left) / rect.width) * (r.duration - r.start));
    });
    plots.push(p);
  }
  const draw = () => plots.forEach((p) => drawPlot(r, p));
  window.addEventListener('resize', draw);
  draw();
  return plots;
}

// Whether any value of the plot is other than zero (a balancing humanoid's joints have no
// joint references, so their tracking error is left out).
function hasData(r, s) {
  for (let i = 0; i < r.n; i++)
    for (let k = 0; k < s.count; k++)
      if (s.data[i * s.stride + (s.offsets ? s.offsets[k] : s.offset + k)] !== 0) return true;
  return false;
}

function drawPlot(r, p) {
  const { s, canvas } = p;
  const w = p.area.clientWidth || 600;
  const h = 150;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = w * dpr;
  canvas.height = h * dpr;
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  const x = canvas.getContext('2d');
  x.scale(dpr, dpr);
  const val = (i, k) => s.data[i * s.stride + (s.offsets ? s.offsets[k] : s.offset + k)];
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < r.n; i++)
    for (let k = 0; k < s.count; k++) {
      const y = val(i, k);
      if (Number.isFinite(y)) {
        lo = Math.min(lo, y);
        hi = Math.max(hi, y);
      }
    }
  if (!(hi > lo)) {
    lo = (Number.isFinite(lo) ? lo : 0) - 1;
    hi = lo + 2;
  }
  const pad = 0.05 * (hi - lo);
  lo -= pad;
  hi += pad;
  const t0 = r.start;
  const span = Math.max(r.duration - t0, 1e-9);
  const X = (t) => ((t - t0) / span) * w;
  const Y = (y) => h - ((y - lo) / (hi - lo)) * h;
  x.fillStyle = '#fff';
  x.fillRect(0, 0, w, h);
  x.strokeStyle = '#e4e4e4';
  x.fillStyle = '#666';
  x.font = '10px sans-serif';
  for (let g = 0; g <= 4; g++) {
    const y = lo + ((hi - lo) * g) / 4;
    x.beginPath();
    x.moveTo(0, Y(y));
    x.lineTo(w, Y(y));
    x.stroke();
    x.fillText(tick(y, hi - lo), 2, Math.min(h - 2, Math.max(10, Y(y) - 2)));
  }
  for (let k = 0; k < s.count; k++) {
    x.strokeStyle = PALETTE[k % PALETTE.length];
    x.beginPath();
    let pen = false;
    for (let i = 0; i < r.n; i++) {
      const y = val(i, k);
      if (!Number.isFinite(y)) {
        pen = false;
        continue;
      }
      if (pen) x.lineTo(X(r.t[i]), Y(y));
      else x.moveTo(X(r.t[i]), Y(y));
      pen = true;
    }
    x.stroke();
  }
}

// A tick's label with as many decimals as the axis's span needs (0, not 5e-17).
function tick(y, span) {
  const dec = Math.max(0, Math.min(6, 2 - Math.floor(Math.log10(span))));
  const v = Number(y.toFixed(dec));
  return (Object.is(v, -0) ? 0 : v).toFixed(dec);
}

export function moveCursors(r, plots, t) {
  const span = Math.max(r.duration - r.start, 1e-9);
  const frac = Math.min(1, Math.max(0, (t - r.start) / span));
  for (const p of plots) p.cursor.style.left = `${(frac * 100).toFixed(3)}%`;
}
