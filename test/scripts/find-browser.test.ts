import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBrowser, INSTALL_HELP } from '../../scripts/find-browser.mjs';

describe('findBrowser', () => {
  it('prefers an explicit CHROME_PATH', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tp-')), 'my-chrome');
    writeFileSync(file, '');
    expect(findBrowser({ CHROME_PATH: file })).toEqual({ path: file, source: 'CHROME_PATH' });
  });

  it('says so when an explicit path points nowhere', () => {
    expect(() => findBrowser({ CHROME_PATH: '/nowhere/chrome' })).toThrow(/CHROME_PATH is set to \/nowhere\/chrome, but there is no file there/);
  });

  it('tells exactly what to install when there is no browser', () => {
    expect(INSTALL_HELP).toMatch(/apt-get install chromium/);
    expect(INSTALL_HELP).toMatch(/CHROME_PATH/);
  });
});
