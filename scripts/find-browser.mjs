// @ts-check
/**
 * Finds a Chromium for the end-to-end tests, in this order:
 *   1. an explicit path: CHROME_PATH or PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH;
 *   2. Playwright's own Chromium, if `npx playwright install chromium` was run;
 *   3. a system chromium or chrome on the PATH or in the usual places.
 * Returns { path, source } or null.
 *
 * Plain JavaScript, since `npm test` (scripts/test.mjs) loads it with plain node before the
 * dependencies are installed; its types are JSDoc, checked by `tsc` (allowJs and // @ts-check).
 */
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const SYSTEM = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];
const PLACES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/** Flags for Chromium in a closed network: the e2e tests (playwright.config.ts) and the benchmarks (scripts/bench/app.ts) launch it with these. */
export const QUIET_FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** @typedef {{ path: string, source: string }} FoundBrowser */

export const INSTALL_HELP = [
  'No Chromium was found for the end-to-end tests. Install one of these, then run `npm test` again:',
  '  - Debian/Ubuntu:  sudo apt-get install chromium      (gives /usr/bin/chromium)',
  '  - Fedora:         sudo dnf install chromium',
  '  - macOS:          brew install --cask chromium   (or Google Chrome)',
  '  - with internet:  npx playwright install chromium',
  'or point CHROME_PATH at any Chromium or Chrome executable.',
].join('\n');

/** @returns {string | null} */
function playwrightOwn() {
  try {
    const require = createRequire(import.meta.url);
    const { chromium } = require('@playwright/test');
    const p = chromium.executablePath();
    return p && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

/** @param {string} name @returns {string | null} */
function onPath(name) {
  try {
    const out = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out || null;
  } catch {
    return null;
  }
}

/**
 * @param {Record<string, string | undefined>} [env]
 * @returns {FoundBrowser | null}
 */
export function findBrowser(env = process.env) {
  for (const key of ['CHROME_PATH', 'PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH']) {
    const p = env[key];
    if (p) {
      if (!existsSync(p)) throw new Error(`${key} is set to ${p}, but there is no file there.`);
      return { path: p, source: key };
    }
  }
  const own = playwrightOwn();
  if (own) return { path: own, source: "Playwright's own Chromium" };
  for (const name of SYSTEM) {
    const p = onPath(name);
    if (p) return { path: p, source: `system ${name}` };
  }
  for (const p of PLACES) if (existsSync(p)) return { path: p, source: 'system' };
  return null;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = findBrowser();
  if (!found) {
    console.error(INSTALL_HELP);
    process.exit(1);
  }
  console.log(found.path);
}
