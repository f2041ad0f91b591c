// `npm test` without a browser still runs the type check, the lint and the unit tests, counts them
// in its summary, then says what to install for the end-to-end tests and exits non-zero.
// NPM_TEST_STUB=1 stands in for each step (each passes; vitest reports one test), so this checks
// the script's order of steps, messages and arithmetic, not the steps themselves.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { INSTALL_HELP } from '../../scripts/find-browser.mjs';

function npmTest(env: Record<string, string>) {
  const r = spawnSync(process.execPath, ['scripts/test.mjs'], { encoding: 'utf8', env: { ...process.env, NPM_TEST_STUB: '1', ...env } });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}`, stdout: r.stdout };
}

describe('npm test (scripts/test.mjs)', () => {
  it('without a browser: runs the other checks, counts them, says what to install, exits non-zero', () => {
    const { status, out, stdout } = npmTest({ CHROME_PATH: '/nowhere/chrome', PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH: '' });
    const at = (s: string) => stdout.indexOf(s);
    expect(at('── type check')).toBeGreaterThan(-1);
    expect(at('── lint')).toBeGreaterThan(at('── type check'));
    expect(at('── unit tests (vitest)')).toBeGreaterThan(at('── lint'));
    expect(at('── end-to-end tests (Playwright): not run')).toBeGreaterThan(at('── unit tests (vitest)'));
    expect(out).toContain('CHROME_PATH is set to /nowhere/chrome, but there is no file there.');
    expect(out).toContain(INSTALL_HELP);
    // type check + lint + one stand-in unit test pass; the end-to-end tests count as one failure.
    expect(stdout.trim().split('\n').at(-1)).toBe('tests: 3 passed, 1 failed');
    expect(status).toBe(1);
  });

  it('with a browser: the end-to-end tests run after the rest and count', () => {
    const { status, stdout } = npmTest({ CHROME_PATH: process.execPath });
    expect(stdout.indexOf('── end-to-end tests (Playwright)')).toBeGreaterThan(stdout.indexOf('── unit tests (vitest)'));
    expect(stdout.trim().split('\n').at(-1)).toBe('tests: 4 passed, 0 failed');
    expect(status).toBe(0);
  });
});
