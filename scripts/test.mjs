/**
 * `npm test`: installs what is missing, finds a browser, then runs every check and test:
 * type check, lint (import boundaries included), unit tests (vitest) and end-to-end tests
 * (Playwright). Ends with one line that adds them all up: `tests: N passed, N failed`
 * (the type check and the lint run count as one test each).
 *
 * Without a browser the type check, the lint and the unit tests still run and count; then it says
 * what to install for the end-to-end tests, counts them as one failure, and exits non-zero.
 *
 * NPM_TEST_STUB=1 replaces every step by a stand-in that passes at once (vitest's stand-in reports
 * one passed test), so a test can check the order of steps, the messages and the summary quickly
 * (test/scripts/test-script.test.ts).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDeps } from './ensure-deps.mjs';
import { INSTALL_HELP, findBrowser } from './find-browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const stub = process.env.NPM_TEST_STUB === '1';
if (!stub) ensureDeps();

/** The browser for the end-to-end tests, or why there is none (they run last, after the rest). */
let browser = null;
let noBrowser = null;
try {
  browser = findBrowser();
  if (!browser) noBrowser = INSTALL_HELP;
} catch (e) {
  noBrowser = `${e.message}\n${INSTALL_HELP}`;
}
if (browser) console.log(`Browser for end-to-end tests: ${browser.path} (${browser.source})`);
else console.log('No browser for the end-to-end tests: the other checks run, then this run says what to install.');

const cache = stub ? mkdtempSync(join(tmpdir(), 'npm-test-')) : join(root, '.cache');
mkdirSync(cache, { recursive: true });
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (title, cmd, args, env = {}) => {
  console.log(`\n── ${title} ─────────────────────────────────────────`);
  if (stub) return 0;
  return spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;
};
const readJson = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null);

let passed = 0;
let failed = 0;
const count = (ok) => (ok ? passed++ : failed++);

count(run('type check', bin('tsc'), ['--noEmit', '-p', '.']) === 0);
count(run('lint', bin('eslint'), ['.']) === 0);

const vitestJson = join(cache, 'vitest.json');
rmSync(vitestJson, { force: true });
// One test file per core: vitest's default leaves a core to its main process (one file at a time on
// 2 cores), which mostly waits while the files run; the unit tests use one thread each.
const vitestWorkers = `--maxWorkers=${availableParallelism()}`;
const vitestStatus = run('unit tests (vitest)', bin('vitest'), ['run', vitestWorkers, '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);
if (stub) writeFileSync(vitestJson, JSON.stringify({ numPassedTests: 1, numFailedTests: 0 }));
const v = readJson(vitestJson);
if (v) {
  passed += v.numPassedTests;
  failed += v.numFailedTests;
  if (vitestStatus !== 0 && v.numFailedTests === 0) failed++; // e.g. a file that failed to load
} else failed++;

if (browser) {
  const pwJson = join(cache, 'playwright.json');
  rmSync(pwJson, { force: true });
  const pwStatus = run('end-to-end tests (Playwright)', bin('playwright'), ['test'], { PW_JSON_OUTPUT: pwJson, CHROME_PATH: browser.path });
  if (stub) writeFileSync(pwJson, JSON.stringify({ stats: { expected: 1 } }));
  const p = readJson(pwJson);
  if (p) {
    passed += (p.stats.expected ?? 0) + (p.stats.flaky ?? 0);
    failed += p.stats.unexpected ?? 0;
    if (pwStatus !== 0 && !p.stats.unexpected) failed++; // e.g. the web server did not start
  } else failed++;
} else {
  console.log('\n── end-to-end tests (Playwright): not run ─────────────────────────');
  console.error(noBrowser);
  failed++;
}

console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
