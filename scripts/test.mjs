/**
 * `npm test`: installs what is missing, finds a browser, then runs every check and test:
 * type check, lint (import boundaries included), unit tests (vitest) and end-to-end tests
 * (Playwright). Ends with one line that adds them all up: `tests: N passed, N failed`
 * (the type check and the lint run count as one test each).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDeps } from './ensure-deps.mjs';
import { INSTALL_HELP, findBrowser } from './find-browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
ensureDeps();

let browser;
try {
  browser = findBrowser();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
if (!browser) {
  console.error(INSTALL_HELP);
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
}
console.log(`Browser for end-to-end tests: ${browser.path} (${browser.source})`);

const cache = join(root, '.cache');
mkdirSync(cache, { recursive: true });
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (title, cmd, args, env = {}) => {
  console.log(`\n── ${title} ─────────────────────────────────────────`);
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
const vitestStatus = run('unit tests (vitest)', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);
const v = readJson(vitestJson);
if (v) {
  passed += v.numPassedTests;
  failed += v.numFailedTests;
  if (vitestStatus !== 0 && v.numFailedTests === 0) failed++; // e.g. a file that failed to load
} else failed++;

const pwJson = join(cache, 'playwright.json');
rmSync(pwJson, { force: true });
const pwStatus = run('end-to-end tests (Playwright)', bin('playwright'), ['test'], { PW_JSON_OUTPUT: pwJson, CHROME_PATH: browser.path });
const p = readJson(pwJson);
if (p) {
  passed += (p.stats.expected ?? 0) + (p.stats.flaky ?? 0);
  failed += p.stats.unexpected ?? 0;
  if (pwStatus !== 0 && !p.stats.unexpected) failed++; // e.g. the web server did not start
} else failed++;

console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
