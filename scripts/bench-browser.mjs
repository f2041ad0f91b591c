/**
 * npm run bench:browser — measurements that need the page itself, in headless Chromium against
 * the production build (`npm run bench` runs it after the mixer benchmark):
 *   - hover: frame times while the pointer sweeps the attention map of a 512-token input.
 *     Chromium runs without its frame-rate limit (--disable-frame-rate-limit, --disable-gpu-vsync),
 *     so a frame takes as long as its work (the mousemove handler, style, paint), not 16.7 ms of
 *     waiting for vsync. Target: median under 16 ms.
 *   - first map: from navigation to the first drawn heatmap, on a fresh page (5 loads).
 *     Target: under 2.5 s.
 *   - edit to visual: from a parameter edit (the seed, typed into its field) to the redrawn
 *     heatmap of the default model, 30 edits one at a time. Target: median under 60 ms, p95
 *     under 150 ms.
 * Results go to bench/results/browser.json and to docs/benchmarks.md between
 * <!-- browser:start --> and <!-- browser:end -->.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { findBrowser, INSTALL_HELP } from './find-browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const browserPath = findBrowser()?.path;
if (!browserPath) {
  console.error(INSTALL_HELP);
  process.exit(1);
}
const PORT = 4393;
const HOVER_T = 512;
const MOVES = 400;

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

async function hover(page) {
  await page.goto(`http://127.0.0.1:${PORT}/`);
  const map = page.getByTestId('attention-map');
  await page.waitForSelector('[data-testid=attention-map][data-rows]:not([data-rows="0"])');
  await page.getByTestId('setting-maxLen').fill(String(HOVER_T));
  const text = 'the quick brown fox jumps over the lazy dog. '.repeat(20).slice(0, HOVER_T);
  await page.getByRole('textbox', { name: 'Text' }).fill(text);
  await page.waitForSelector(`[data-testid=attention-map][data-t="${HOVER_T}"]`, { timeout: 120_000 });
  await page.waitForSelector('[data-testid=status]:text-is("ready")');
  const box = await map.boundingBox();
  // Record the time of every animation frame while the pointer sweeps the map in a zigzag.
  await page.evaluate(() => {
    const w = window;
    w.__frames = [];
    let last = performance.now();
    const tick = (t) => {
      w.__frames.push(t - last);
      last = t;
      if (w.__frames.length < 100000 && !w.__stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  for (let k = 0; k < MOVES; k++) {
    const u = (k % 50) / 49;
    const row = Math.floor(k / 50) / 8;
    await page.mouse.move(box.x + 2 + u * (box.width - 4), box.y + 2 + row * (box.height - 4));
  }
  const frames = await page.evaluate(() => {
    window.__stop = true;
    return window.__frames.slice(1);
  });
  const readout = await page.getByTestId('map-readout').textContent();
  return {
    T: HOVER_T,
    moves: MOVES,
    frames: frames.length,
    medianMs: percentile(frames, 0.5),
    p95Ms: percentile(frames, 0.95),
    maxMs: Math.max(...frames),
    readout,
  };
}

/** Navigation to the first drawn heatmap, in ms (the page's own clock, from navigationStart). */
async function firstMap(browser) {
  const times = [];
  for (let k = 0; k < 5; k++) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/`);
    await page.waitForSelector('[data-testid=attention-map][data-rows]:not([data-rows="0"])', { timeout: 60_000 });
    times.push(await page.evaluate(() => performance.now()));
    await context.close();
  }
  return { loads: times.length, medianMs: percentile(times, 0.5), maxMs: Math.max(...times) };
}

/** From typing a new seed to the heatmap of the new weights, one edit at a time. */
async function editToVisual(page) {
  await page.goto(`http://127.0.0.1:${PORT}/`);
  await page.waitForSelector('[data-testid=status]:text-is("ready")', { timeout: 60_000 });
  await page.waitForSelector('[data-testid=attention-map][data-rows]:not([data-rows="0"])');
  const times = [];
  for (let k = 0; k < 30; k++) {
    const ms = await page.evaluate(
      (seed) =>
        new Promise((resolve) => {
          const map = document.querySelector('[data-testid=attention-map]');
          const before = map.dataset.resultId;
          const field = document.querySelector('[data-testid=setting-seed]');
          const observer = new MutationObserver(() => {
            if (map.dataset.resultId !== before) {
              observer.disconnect();
              requestAnimationFrame(() => resolve(performance.now() - t0)); // until the frame that shows it
            }
          });
          observer.observe(map, { attributes: true });
          const t0 = performance.now();
          const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
          setValue.call(field, String(seed));
          field.dispatchEvent(new Event('input', { bubbles: true }));
        }),
      100 + k,
    );
    times.push(ms);
    await page.waitForSelector('[data-testid=status]:text-is("ready")');
  }
  return { edits: times.length, medianMs: percentile(times, 0.5), p95Ms: percentile(times, 0.95), maxMs: Math.max(...times) };
}

function writeDocs(r) {
  const path = join(root, 'docs/benchmarks.md');
  const doc = readFileSync(path, 'utf8');
  const body = [
    '<!-- browser:start -->',
    `Measured ${r.date.slice(0, 10)} on ${r.machine.cpus} × ${r.machine.model}, ${r.machine.browser}, production build, headless, frame-rate limit off.`,
    '',
    '| measurement | median | p95 | max | target |',
    '|---|---:|---:|---:|---|',
    `| frame time while hovering the map of a ${r.hover.T}-token input (${r.hover.frames} frames over ${r.hover.moves} pointer moves) | ${r.hover.medianMs.toFixed(1)} ms | ${r.hover.p95Ms.toFixed(1)} ms | ${r.hover.maxMs.toFixed(1)} ms | median under 16 ms: **${r.hover.medianMs < 16 ? 'met' : 'missed'}** |`,
    `| page load to the first drawn heatmap (${r.firstMap.loads} fresh loads) | ${r.firstMap.medianMs.toFixed(0)} ms | | ${r.firstMap.maxMs.toFixed(0)} ms | under 2.5 s: **${r.firstMap.medianMs < 2500 ? 'met' : 'missed'}** |`,
    `| edit (seed) to the redrawn heatmap, default model, WASM (${r.editToVisual.edits} edits) | ${r.editToVisual.medianMs.toFixed(0)} ms | ${r.editToVisual.p95Ms.toFixed(0)} ms | ${r.editToVisual.maxMs.toFixed(0)} ms | median under 60 ms, p95 under 150 ms: **${r.editToVisual.medianMs < 60 && r.editToVisual.p95Ms < 150 ? 'met' : 'missed'}** |`,
    '<!-- browser:end -->',
  ].join('\n');
  const start = doc.indexOf('<!-- browser:start -->');
  const end = doc.indexOf('<!-- browser:end -->');
  const next = start >= 0 && end > start ? doc.slice(0, start) + body + doc.slice(end + '<!-- browser:end -->'.length) : `${doc.trimEnd()}\n\n## In the page\n\n${body}\n`;
  writeFileSync(path, next);
}

if (spawnSync(join(root, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
const server = spawn(join(root, 'node_modules/.bin/vite'), ['preview', '--port', String(PORT), '--strictPort', '--host', '127.0.0.1'], { cwd: root, stdio: 'ignore' });
let code = 0;
try {
  await new Promise((r) => setTimeout(r, 1500));
  const browser = await chromium.launch({
    executablePath: browserPath,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-frame-rate-limit', '--disable-gpu-vsync'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', browser: `Chromium ${browser.version()}` },
    hover: await hover(page),
    firstMap: await firstMap(browser),
    editToVisual: await editToVisual(page),
  };
  await browser.close();
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/browser.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeDocs(report);
  console.log(JSON.stringify({ hover: report.hover, firstMap: report.firstMap, editToVisual: report.editToVisual }, null, 2));
  console.log('wrote bench/results/browser.json and docs/benchmarks.md');
} catch (e) {
  console.error(e);
  code = 1;
} finally {
  server.kill();
}
process.exit(code);
