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
import { cpus, totalmem } from 'node:os';
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
/** Chromium in a closed network, without its frame-rate limit (frames take as long as their work). */
const BASE_FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-frame-rate-limit', '--disable-gpu-vsync'];
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

/** Sets the seed field as typing would, in the page. */
async function setSeed(page, seed) {
  await page.evaluate((v) => {
    const field = document.querySelector('[data-testid=setting-seed]');
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(field, String(v));
    field.dispatchEvent(new Event('input', { bubbles: true }));
  }, seed);
}

/**
 * 500 recompiles of the default model (a new seed each, so a new graph and session each), one at
 * a time: the worker's WebAssembly heap and JS heap (after a GC, as the statistics panel reports
 * them) and the page's JS heap, after the 50th and the 500th. Target: the 500th within 10% of the
 * 50th.
 */
async function recompiles(browser, total = 500, mark = 50) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${PORT}/`);
  await page.waitForSelector('[data-testid=status]:text-is("ready")', { timeout: 60_000 });
  await page.waitForSelector('[data-testid=runtime-memory]');
  const read = async () => {
    const id = await page.getAttribute('[data-testid=attention-map]', 'data-result-id');
    await page.waitForSelector(`[data-testid=runtime-memory][data-result-id="${id}"]`);
    const m = await page.getByTestId('runtime-memory').evaluate((el) => ({ ...el.dataset }));
    const pageJs = await page.evaluate(() => {
      globalThis.gc?.();
      return performance.memory?.usedJSHeapSize ?? null;
    });
    return { workerWasmBytes: Number(m.wasmBytes) || null, workerJsBytes: Number(m.jsHeapBytes) || null, pageJsBytes: pageJs, sessions: Number(m.sessions) };
  };
  const marks = {};
  const t0 = Date.now();
  for (let k = 1; k <= total; k++) {
    const before = await page.getAttribute('[data-testid=attention-map]', 'data-result-id');
    await setSeed(page, 1000 + k);
    await page.waitForFunction((b) => document.querySelector('[data-testid=attention-map]').dataset.resultId !== b, before);
    await page.waitForSelector('[data-testid=status]:text-is("ready")');
    if (k === mark || k === total) marks[k] = await read();
  }
  await context.close();
  const growth = (key) => (marks[mark][key] && marks[total][key] ? marks[total][key] / marks[mark][key] - 1 : null);
  return {
    recompiles: total,
    seconds: (Date.now() - t0) / 1000,
    at: marks,
    growth: { workerWasm: growth('workerWasmBytes'), workerJs: growth('workerJsBytes'), pageJs: growth('pageJsBytes') },
  };
}

/** From typing a new seed to the heatmap of the new weights, one edit at a time. */
async function editToVisual(page) {
  await page.goto(`http://127.0.0.1:${PORT}/`);
  await page.waitForSelector('[data-testid=status]:text-is("ready")', { timeout: 60_000 });
  await page.waitForSelector('[data-testid=attention-map][data-rows]:not([data-rows="0"])');
  const times = [];
  const parts = { compile: [], session: [], run: [] };
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
    const t = await page.getByTestId('latency-timings').evaluate((el) => ({ ...el.dataset }));
    parts.compile.push(Number(t.compileMs));
    parts.session.push(Number(t.loadMs));
    parts.run.push(Number(t.runMs));
  }
  const med = (xs) => Number(percentile(xs, 0.5).toFixed(1));
  return {
    edits: times.length,
    medianMs: percentile(times, 0.5),
    p95Ms: percentile(times, 0.95),
    maxMs: Math.max(...times),
    // Where the time goes, in the worker (medians, ms): compile and serialise, session creation, the inspect run.
    workerMs: { compile: med(parts.compile), session: med(parts.session), run: med(parts.run) },
  };
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
  const browser = await chromium.launch({ executablePath: browserPath, args: BASE_FLAGS });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
  const want = (name) => !only || only.includes(name);
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), browser: `Chromium ${browser.version()}` },
  };
  if (want('hover')) report.hover = await hover(page);
  if (want('first')) report.firstMap = await firstMap(browser);
  if (want('edit')) report.editToVisual = await editToVisual(page);
  await browser.close();
  if (want('memory')) {
    // Its own browser: GC on demand and exact heap sizes (Chromium rounds performance.memory otherwise).
    const measuring = await chromium.launch({ executablePath: browserPath, args: [...BASE_FLAGS, '--enable-precise-memory-info', '--js-flags=--expose-gc'] });
    report.memory = await recompiles(measuring);
    await measuring.close();
  }
  console.log(JSON.stringify(report, null, 2));
  if (only) {
    console.log('--only: results printed, files left alone');
  } else {
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(join(root, 'bench/results/browser.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeDocs(report);
    console.log('wrote bench/results/browser.json and docs/benchmarks.md');
  }
} catch (e) {
  console.error(e);
  code = 1;
} finally {
  server.kill();
}
process.exit(code);
