/**
 * What the benchmarks share besides the app: their flags, their result files under bench/results/
 * and their sections of docs/benchmarks.md (between <!-- name:start --> and <!-- name:end -->).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const root = fileURLToPath(new URL('../..', import.meta.url));
export const BENCHMARKS_MD = join(root, 'docs/benchmarks.md');

/** The machine, as the result files record it (with the browser when one ran). */
export const machine = (browser?: { version(): string }) => ({
  cpus: cpus().length,
  model: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  ...(browser ? { browser: `Chromium ${browser.version()}` } : {}),
  node: process.version,
});

/** The value after `--name` in `args`, or undefined. */
export function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Writes `data` as JSON to bench/results/`file`. */
export function writeResult(file: string, data: unknown): void {
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results', file), `${JSON.stringify(data, null, 2)}\n`);
}

/**
 * `doc` with the section `name` (from <!-- name:start --> to <!-- name:end -->) replaced by
 * `body`, which carries both markers; without the markers, `body` under a new `## heading` at the end.
 */
export function spliceSection(doc: string, name: string, body: string, heading: string): string {
  const open = `<!-- ${name}:start -->`;
  const close = `<!-- ${name}:end -->`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  return start >= 0 && end > start ? doc.slice(0, start) + body + doc.slice(end + close.length) : `${doc.trimEnd()}\n\n## ${heading}\n\n${body}\n`;
}

/** Replaces the section `name` of docs/benchmarks.md by `body` (see spliceSection). */
export function writeSection(name: string, body: string, heading: string): void {
  writeFileSync(BENCHMARKS_MD, spliceSection(readFileSync(BENCHMARKS_MD, 'utf8'), name, body, heading));
}
