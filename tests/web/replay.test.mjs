// The replay page in a real browser (Debian's Chromium, headless, software WebGL), opened from
// file:// with every other request counted as a failure. For each run (the Panda, the G1, a URDF
// arm with meshes) it checks
// that the robot is drawn where MuJoCo's kinematics of the model put it (replay_expect, outside
// the page), at the run's start and, after a click on the timeline's end, at the program's final
// pose; that the scrubber moved it there; that the page has its controls, plots and events; and,
// where the case asks, that Record video saves a WebM movie.
//
//   node replay.test.mjs WEB_DIR EXPECT_BIN CASES.json
// CASES.json: [{name, html, scene, start: [KEYFRAME, JOINT=V...], end: [...] or null,
//               geoms, meshes (counts to expect, optional), movie (true: record one)}]
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CAMERA, CHROMIUM, check, expectAt, finish, pixels, robotWhereExpected, white } from './pixels.mjs';

const [webDir, expectBin, casesPath] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(webDir), 'package.json'));
const { chromium } = require('playwright-core');

const expected = (c, size, config) => expectAt(expectBin, c, size, config);
async function clickScrubber(page, frac) {
  const b = await page.locator('#xn-scrub').boundingBox();
  await page.mouse.click(b.x + (frac < 0.5 ? 1 : b.width - 1), b.y + b.height / 2);
}

async function run() {
  const cases = JSON.parse(fs.readFileSync(casesPath, 'utf8'));
  const browser = await chromium.launch(CHROMIUM);
  try {
    for (const c of cases) {
      const page = await browser.newPage({ viewport: { width: 1100, height: 820 } });
      const errors = [];
      const fetched = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('request', (r) => { if (!/^(file|data|blob):/.test(r.url())) fetched.push(r.url()); });
      const bytes = fs.statSync(c.html).size;
      check(bytes < 5e6, `${c.name}: replay.html is ${(bytes / 1e6).toFixed(2)} MB (under 5)`);
      // open at the run's middle, then move with the scrubber
      await page.goto(`file://${path.resolve(c.html)}#plain=1&fov=${CAMERA.fov}&cam=${c.cam.join(',')}&t=${c.middle}`);
      await page.waitForFunction(() => window.xnReplay && (window.xnReplay.ready || window.xnReplay.error), null, { timeout: 30000 });
      const info = await page.evaluate(() => ({ ready: window.xnReplay.ready, error: window.xnReplay.error,
        t: window.xnReplay.time(), duration: window.xnReplay.duration, frames: window.xnReplay.frames, size: window.xnReplay.size(),
        plots: document.querySelectorAll('.xn-plot canvas').length, marks: document.querySelectorAll('#xn-marks span').length,
        controls: ['#xn-play', '#xn-speed', '#xn-scrub'].every((s) => document.querySelector(s)) }));
      check(info.ready && Math.abs(info.t - c.middle) < 0.03, `${c.name}: loaded from file:// at t = ${info.t?.toFixed(3)} s (${info.frames} frames, ${info.duration?.toFixed(2)} s)`);
      check(info.controls && info.plots >= 1 && info.marks >= 2, `${c.name}: play, speed, scrubber, ${info.plots} plots, ${info.marks} timeline marks`);
      if (c.geoms) {
        const g = await page.evaluate(() => ({ geoms: window.xnReplay.geoms, meshes: window.xnReplay.meshes }));
        check(g.geoms === c.geoms && g.meshes === c.meshes, `${c.name}: ${g.geoms} geoms, ${g.meshes} meshes in the page (${c.geoms} and ${c.meshes} in the file)`);
      }
      // 50 frames a second of robot time (docs/web.md), the first at the first cycle
      const rate = (info.frames - 1) / info.duration;
      check(Math.abs(rate - 50) < 1, `${c.name}: ${info.frames} frames over ${info.duration?.toFixed(2)} s, ${rate.toFixed(1)} a second`);

      await clickScrubber(page, 0);
      const t0 = await page.evaluate(() => window.xnReplay.time());
      check(t0 < 0.03, `${c.name}: a click at the scrubber's start moved the replay to t = ${t0.toFixed(3)} s`);
      const start = expected(c, info.size, c.start);
      await robotWhereExpected(page, start, info.size, `${c.name} at the start`);
      if (c.end) {
        // the end's pose must differ in the picture: some of its geom centres are background now
        const end = expected(c, info.size, c.end);
        const before = await pixels(page, end.points.filter((p) => p[2] >= 3));
        const empty = before.filter(white).length;
        check(empty >= 3, `${c.name}: ${empty} of the end pose's geom centres are background at the start`);
        await clickScrubber(page, 1);
        const t1 = await page.evaluate(() => window.xnReplay.time());
        check(Math.abs(t1 - info.duration) < 0.03, `${c.name}: a click at the scrubber's end moved the replay to t = ${t1.toFixed(3)} s`);
        await robotWhereExpected(page, end, info.size, `${c.name} at the end`);
        // playing runs the clock at the chosen speed
        await clickScrubber(page, 0);
        await page.selectOption('#xn-speed', '0.5');
        await page.click('#xn-play');
        await page.waitForTimeout(600);
        // the wall time since the click as the page saw it (the test's own clock would add the
        // time a slow page takes to tell the click was handled); the replay's time moves at
        // frames, so it may lag by a frame (up to 0.3 s under a sanitizer's software WebGL)
        const s = await page.evaluate(() => ({ now: performance.now(), tp: window.xnReplay.time(), t0: window.xnReplay.playStarted() }));
        const wall = (s.now - s.t0) / 1000;
        const tp = s.tp;
        check(tp > 0 && tp <= 0.5 * wall + 0.01 && tp >= 0.5 * wall - 0.15, `${c.name}: at 0.5x, ${tp.toFixed(3)} s of robot time in ${wall.toFixed(2)} s`);
      }
      if (c.movie) { // the movie: played through at the chosen speed, saved as WebM
        const download = page.waitForEvent('download', { timeout: 30000 });
        await page.click('#xn-record');
        const d = await download;
        const bytes = fs.readFileSync(await d.path());
        const webm = bytes.length > 2000 && bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3;
        check(webm && d.suggestedFilename() === 'replay.webm', `${c.name}: Record video saved ${d.suggestedFilename()}, ${bytes.length} bytes of WebM`);
      }
      check(errors.length === 0, `${c.name}: no page errors${errors.length ? `: ${errors.slice(0, 3).join(' | ')}` : ''}`);
      check(fetched.length === 0, `${c.name}: nothing fetched${fetched.length ? `: ${fetched[0]}` : ''}`);
      await page.close();
    }
  } finally {
    await browser.close();
  }
}

run().then(() => finish(), finish);
