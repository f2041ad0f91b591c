/**
 * node scripts/bench/gpt2-run.mjs [--port N] [--repeat N] [--passes N] [--no-web-in-node] [--keep-file PATH] [--write-docs]
 *
 * Runs the GPT-2-small ratio benchmark (scripts/bench/gpt2.mjs) on its own: builds the app into a
 * temporary folder, serves it with `vite preview`, launches Chromium as scripts/bench-browser.mjs
 * does, calls gpt2Ratio `--repeat` times (default 1), prints the results as JSON and writes them to
 * bench/results/gpt2.json; with --write-docs also the section of docs/benchmarks.md. --keep-file
 * keeps the exported .onnx file (341 MB) for scripts/bench/gpt2-why.mjs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { findBrowser, INSTALL_HELP } from '../find-browser.mjs';
import { gpt2Markdown, gpt2Ratio, spliceGpt2Section } from './gpt2.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const flag = (name) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const PORT = Number(flag('port') ?? 4395);
const REPEAT = Number(flag('repeat') ?? 1);

const browserPath = findBrowser()?.path;
if (!browserPath) {
  console.error(INSTALL_HELP);
  process.exit(1);
}

/** Waits until `url` answers, for at most `ms`. */
async function serving(url, ms = 30_000) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`nothing answers at ${url}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const out = mkdtempSync(join(tmpdir(), 'gpt2-bench-'));
if (spawnSync(join(root, 'node_modules/.bin/vite'), ['build', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
const server = spawn(join(root, 'node_modules/.bin/vite'), ['preview', '--outDir', out, '--port', String(PORT), '--strictPort', '--host', '127.0.0.1'], { cwd: root, stdio: 'ignore' });
let code = 0;
try {
  await serving(`http://127.0.0.1:${PORT}/`);
  const browser = await chromium.launch({
    executablePath: browserPath,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const results = [];
  try {
    for (let k = 0; k < REPEAT; k++) results.push(await gpt2Ratio(browser, PORT, { webInNode: !args.includes('--no-web-in-node'), saveFileTo: flag('keep-file') ?? null, passes: Number(flag('passes') ?? 2) }));
  } finally {
    await browser.close();
  }
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/gpt2.json'), `${JSON.stringify(results, null, 2)}\n`);
  if (args.includes('--write-docs')) {
    const path = join(root, 'docs/benchmarks.md');
    writeFileSync(path, spliceGpt2Section(readFileSync(path, 'utf8'), gpt2Markdown(results)));
  }
  const brief = ({ T, threads, pageMs, nodeMs, ratio, pageMedianMs, nodeMedianMs, ratioMedian, passRatios, fileBytes, params, flops, met, page, webInNode }) => ({
    T, threads, pageMs, nodeMs, ratio, pageMedianMs, nodeMedianMs, ratioMedian, passRatios, met, fileBytes, params, flops,
    pageAnalysisFastMedianMs: page.analysis.fastMedianMs,
    webInNodeMs: webInNode?.minMs ?? webInNode?.error ?? null,
  });
  console.log(JSON.stringify(results.map(brief), null, 2));
  console.log(`wrote bench/results/gpt2.json${args.includes('--write-docs') ? ' and docs/benchmarks.md' : ''}`);
} catch (e) {
  console.error(e);
  code = 1;
} finally {
  server.kill();
  rmSync(out, { recursive: true, force: true });
}
process.exit(code);
