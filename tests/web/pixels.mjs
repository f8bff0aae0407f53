// What the replay's and the console's browser tests share: the checks' count, how Chromium is
// started, and the robot's pixels in a page against MuJoCo's kinematics of the model
// (replay_expect).
import { execFileSync } from 'node:child_process';

let passed = 0;
let failed = 0;
export function check(ok, what) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
}
// The closing line ctest and CI read; the exit code.
export function finish(error) {
  if (error) {
    console.log(`FAIL ${error.stack || error}`);
    failed++;
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

// Debian's Chromium, headless, WebGL in software (SwiftShader), nothing fetched in the background.
export const CHROMIUM = {
  executablePath: process.env.XN_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-gpu',
    '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
};

export const CAMERA = { fov: 40 };
export const dark = (p) => p[0] < 110 && p[1] < 110 && p[2] < 110; // the plain view's robot (#202020)
export const white = (p) => p[0] > 235 && p[1] > 235 && p[2] > 235;

export async function pixels(page, pts) {
  return page.evaluate((q) => q.map(([x, y]) => (window.xnReplay || window.xnConsole).pixel(Math.round(x), Math.round(y))), pts);
}

// Where MuJoCo puts the robot's geoms at a configuration, projected through the camera c.cam.
export function expectAt(bin, c, size, config) {
  const out = execFileSync(bin, [c.scene, String(size[0]), String(size[1]), c.cam.join(','),
    String(CAMERA.fov), ...config]);
  return JSON.parse(out);
}

// The robot's pixels against the expectation: every geom's centre wide enough to hit is dark, and
// a grid of points outside the robot's box is white.
export async function robotWhereExpected(page, e, size, label) {
  const centres = e.points.filter((p) => p[2] >= 3 && p[0] >= 0 && p[1] >= 0 && p[0] < size[0] && p[1] < size[1]);
  const got = await pixels(page, centres);
  const miss = got.filter((p) => !dark(p)).length;
  check(centres.length >= 5 && miss === 0,
    `${label}: ${centres.length - miss} of ${centres.length} geom centres and axis points drawn where MuJoCo puts them`);
  const [x0, y0, x1, y1] = e.box;
  const grid = [];
  for (let i = 1; i < 24; i++)
    for (let j = 1; j < 18; j++) {
      const x = (i * size[0]) / 24;
      const y = (j * size[1]) / 18;
      if (x < x0 - 6 || x > x1 + 6 || y < y0 - 6 || y > y1 + 6) grid.push([x, y]);
    }
  const bg = await pixels(page, grid);
  const stray = bg.filter((p) => !white(p)).length;
  check(grid.length > 100 && stray === 0, `${label}: ${grid.length - stray} of ${grid.length} points outside the robot's box are background`);
  return centres;
}

