/**
 * npx tsx scripts/bench/sweep.ts [--url URL] [--max-t N] [--heads N] [--webgpu]
 *
 * The latency panel measured in the page, as a person would use it, in headless Chromium against
 * the production build: the sweep against T and its fitted exponents for softmax attention and
 * two linear-time mixers, each in the model `npm run bench` uses (one layer, d_model 64, no
 * positions, no feed-forward; set up through the editor), and the per-block breakdown of the
 * default model with its gap to the whole.
 * Without --url it builds and serves the app (scripts/bench/app.ts; port 4394, or BENCH_PORT). --webgpu
 * gives Chromium SwiftShader's WebGPU adapter (a CPU emulation: it shows the two series side by
 * side, but its times say nothing about a GPU). Prints JSON and writes bench/results/latency-sweep.json;
 * docs/benchmarks.md ("Latency sweep in the page") records a run by hand.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { SWIFTSHADER_WEBGPU, withApp } from './app';
import { flag, machine, writeResult } from './results';

const args = process.argv.slice(2);
const MAX_T = Number(flag(args, 'max-t') ?? 2048);
const HEADS = Number(flag(args, 'heads') ?? 4);
const webgpu = args.includes('--webgpu');

/** The mixers measured, each in the model `npm run bench` uses. */
const MIXERS = ['softmax_attention', 'linear_attention', 'mamba2'];

async function ready(page: Page) {
  await page.waitForSelector('[data-testid=status]:text-is("ready")', { timeout: 120_000 });
}

/** Sets the kind of layer 0's block in `slot` through the inspector. */
async function setBlock(page: Page, slot: string, kind: string) {
  await page.getByTestId(`slot:0:${slot}`).getByRole('button').first().click();
  await page.getByTestId('inspector-kind').selectOption(kind);
  await ready(page);
}

/**
 * The default model cut to `layers` layers with maxLen and heads set; with `mixer`, also the
 * benchmark's shape: that mixer, no positions, no feed-forward block.
 */
async function setModel(page: Page, { layers, maxLen, heads = 4, mixer = null }: { layers: number; maxLen: number; heads?: number; mixer?: string | null }) {
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

/** A point of the sweep chart's data-values. */
interface Series {
  label: string;
  exponent: number | null;
  points: { T: number; ms: number }[];
}

async function sweep(page: Page, maxT: number) {
  await page.getByTestId('sweep-max').selectOption(String(maxT));
  await page.getByTestId('sweep-run').click();
  await page.waitForSelector('[data-testid=latency-sweep][data-state=done]', { timeout: 600_000 });
  const series: Series[] = JSON.parse((await page.getByTestId('sweep-chart').getAttribute('data-values')) ?? '[]');
  const skipped = (await page.getByTestId('sweep-skipped').count()) ? await page.getByTestId('sweep-skipped').textContent() : null;
  return { series, skipped };
}

async function breakdown(page: Page, T: number) {
  await page.getByRole('textbox', { name: 'Text' }).fill('the quick brown fox jumps over the lazy dog. '.repeat(200).slice(0, T));
  await ready(page);
  await page.waitForSelector(`[data-testid=attention-map][data-t="${T}"]`, { timeout: 120_000 });
  await page.getByTestId('breakdown-run').click();
  const chart = page.getByTestId('latency-breakdown');
  await page.waitForFunction((t) => {
    const el = document.querySelector('[data-testid=latency-breakdown]');
    return el?.getAttribute('data-t') === String(t) && !document.querySelector('[data-testid=breakdown-run]:disabled');
  }, T, { timeout: 300_000 });
  const d = await chart.evaluate((el: HTMLElement) => ({ ...el.dataset }));
  return { T, wholeMs: Number(d['wholeMs']), sumMs: Number(d['sumMs']), overheadMs: Number(d['overheadMs']), gap: Number(d['gap']), blocks: JSON.parse(d['values'] ?? '[]') as unknown };
}

await withApp({ port: 4394, url: flag(args, 'url'), flags: webgpu ? SWIFTSHADER_WEBGPU : [] }, async (app) => {
  const page = await app.open();
  await ready(page);
  const backend = await page.getByTestId('backend').evaluate((el: HTMLElement) => ({ ...el.dataset, text: el.textContent }));
  const report = { date: new Date().toISOString(), machine: machine(app.browser), backend, sweeps: [] as unknown[], breakdowns: [] as unknown[] };
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
  writeResult('latency-sweep.json', report);
  console.log(JSON.stringify(report, null, 2));
});
