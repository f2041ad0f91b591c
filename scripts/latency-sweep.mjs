/**
 * node scripts/latency-sweep.mjs [--url URL] [--max-t N] [--heads N] [--webgpu]
 *
 * The latency panel measured in the page, as a person would use it, in headless Chromium against
 * the production build: the sweep against T and its fitted exponents for softmax attention and
 * two linear-time mixers, each in the model `npm run bench` uses (one layer, d_model 64, no
 * positions, no feed-forward; set up through the editor), and the per-block breakdown of the
 * default model with its gap to the whole.
 * Without --url it builds into a temporary folder and serves it with `vite preview`. --webgpu
 * gives Chromium SwiftShader's WebGPU adapter (a CPU emulation: it shows the two series side by
 * side, but its times say nothing about a GPU). Prints JSON and writes bench/results/latency-sweep.json;
 * docs/benchmarks.md ("Latency sweep in the page") records a run by hand.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { findBrowser, INSTALL_HELP } from './find-browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const MAX_T = Number(flag('max-t') ?? 2048);
const HEADS = Number(flag('heads') ?? 4);
const webgpu = args.includes('--webgpu');
const PORT = 4394;

const browserPath = findBrowser()?.path;
if (!browserPath) {
  console.error(INSTALL_HELP);
  process.exit(1);
}

/** The mixers measured, each in the model `npm run bench` uses. */
const MIXERS = ['softmax_attention', 'linear_attention', 'mamba2'];

async function ready(page) {
  await page.waitForSelector('[data-testid=status]:text-is("ready")', { timeout: 120_000 });
}

/** Sets the kind of layer 0's block in `slot` through the inspector. */
async function setBlock(page, slot, kind) {
  await page.getByTestId(`slot:0:${slot}`).getByRole('button').first().click();
  await page.getByTestId('inspector-kind').selectOption(kind);
  await ready(page);
}

/**
 * The default model cut to `layers` layers with maxLen and heads set; with `mixer`, also the
 * benchmark's shape: that mixer, no positions, no feed-forward block.
 */
async function setModel(page, { layers, maxLen, heads = 4, mixer = null }) {
  await page.getByTestId('preset-select').selectOption('default');
  await ready(page);
  const remove = page.getByRole('button', { name: 'Remove a layer' });
  while (Number(await page.locator('#layer-count').inputValue()) > layers) await remove.click();
  await page.getByTestId('setting-maxLen').fill(String(maxLen));
  await page.getByTestId('setting-nHeads').fill(String(heads));
  await ready(page);
  if (!mixer) return;
  await page.getByTestId('setting-position').selectOption('nope');
  await setBlock(page, 'ffn', 'none');
  await setBlock(page, 'mixer', mixer);
}

async function sweep(page, maxT) {
  await page.getByTestId('sweep-max').selectOption(String(maxT));
  await page.getByTestId('sweep-run').click();
  await page.waitForSelector('[data-testid=latency-sweep][data-state=done]', { timeout: 600_000 });
  const series = JSON.parse(await page.getByTestId('sweep-chart').getAttribute('data-values'));
  const skipped = (await page.getByTestId('sweep-skipped').count()) ? await page.getByTestId('sweep-skipped').textContent() : null;
  return { series, skipped };
}

async function breakdown(page, T) {
  await page.getByRole('textbox', { name: 'Text' }).fill('the quick brown fox jumps over the lazy dog. '.repeat(200).slice(0, T));
  await ready(page);
  await page.waitForSelector(`[data-testid=attention-map][data-t="${T}"]`, { timeout: 120_000 });
  await page.getByTestId('breakdown-run').click();
  const chart = page.getByTestId('latency-breakdown');
  await page.waitForFunction((t) => {
    const el = document.querySelector('[data-testid=latency-breakdown]');
    return el?.getAttribute('data-t') === String(t) && !document.querySelector('[data-testid=breakdown-run]:disabled');
  }, T, { timeout: 300_000 });
  const d = await chart.evaluate((el) => ({ ...el.dataset }));
  return { T, wholeMs: Number(d.wholeMs), sumMs: Number(d.sumMs), overheadMs: Number(d.overheadMs), gap: Number(d.gap), blocks: JSON.parse(d.values) };
}

let server = null;
let url = flag('url');
if (!url) {
  const out = mkdtempSync(join(tmpdir(), 'latency-sweep-'));
  if (spawnSync(join(root, 'node_modules/.bin/vite'), ['build', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
  server = spawn(join(root, 'node_modules/.bin/vite'), ['preview', '--outDir', out, '--port', String(PORT), '--strictPort', '--host', '127.0.0.1'], { cwd: root, stdio: 'ignore' });
  url = `http://127.0.0.1:${PORT}/`;
  await new Promise((r) => setTimeout(r, 2000));
}
let code = 0;
try {
  const extra = webgpu ? ['--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-webgpu-adapter=swiftshader'] : [];
  const browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...extra] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(url);
  await ready(page);
  const backend = await page.getByTestId('backend').evaluate((el) => ({ ...el.dataset, text: el.textContent }));
  const report = { date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', browser: `Chromium ${browser.version()}` }, backend, sweeps: [], breakdowns: [] };
  for (const mixer of MIXERS) {
    await setModel(page, { layers: 1, maxLen: MAX_T, heads: HEADS, mixer });
    const r = await sweep(page, MAX_T);
    report.sweeps.push({ mixer, heads: HEADS, ...r });
    console.error(`${mixer}: ${r.series.map((s) => `${s.label} k = ${s.exponent?.toFixed(2)} [${s.points.map((p) => `${p.T}:${p.ms.toFixed(2)}`).join(' ')}]`).join(' | ')}`);
  }
  // The default model's breakdown at two lengths.
  for (const T of [128, 512]) {
    await setModel(page, { layers: 2, maxLen: T });
    const b = await breakdown(page, T);
    report.breakdowns.push(b);
    console.error(`breakdown T = ${T}: whole ${b.wholeMs.toFixed(2)} ms, blocks ${b.sumMs.toFixed(2)} ms, gap ${(b.gap * 100).toFixed(1)}%`);
  }
  await page.screenshot({ path: join(tmpdir(), 'latency-panel.png'), fullPage: true });
  await browser.close();
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/latency-sweep.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report, null, 2));
} catch (e) {
  console.error(e);
  code = 1;
} finally {
  server?.kill();
}
process.exit(code);
