/**
 * `npm run screenshot`: builds the app, serves it, and saves docs/screenshot.png (the README's
 * picture) of the default model with a cell pointed at. Uses the same browser `npm test` finds.
 */
import { spawn, spawnSync } from 'node:child_process';
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
const PORT = 4391;
if (spawnSync(join(root, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
const server = spawn(join(root, 'node_modules/.bin/vite'), ['preview', '--port', String(PORT), '--strictPort', '--host', '127.0.0.1'], { cwd: root, stdio: 'ignore' });
try {
  await new Promise((r) => setTimeout(r, 1500));
  const browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(`http://127.0.0.1:${PORT}/`);
  await page.waitForSelector('[data-testid=attention-map]:not([data-rows="0"])[data-rows]');
  await page.getByTestId('head-select').selectOption('2');
  const box = await page.getByTestId('attention-map').boundingBox();
  if (box) await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.6);
  await page.waitForTimeout(200);
  await page.screenshot({ path: join(root, 'docs/screenshot.png') });
  await browser.close();
  console.log('wrote docs/screenshot.png');
} finally {
  server.kill();
}
