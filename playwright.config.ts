/**
 * End-to-end tests against the production build served by `vite preview` (with the same
 * cross-origin isolation headers as the dev server). The browser is found by
 * scripts/find-browser.mjs; `npm test` says what to install when there is none.
 */
import { defineConfig } from '@playwright/test';
import { findBrowser, QUIET_FLAGS as QUIET } from './scripts/find-browser.mjs';

const PORT = Number(process.env['E2E_PORT'] ?? 4179);
/** Where the build goes: E2E_DIST lets two runs on one machine (another port) keep their builds apart. */
const DIST = process.env['E2E_DIST'] ?? 'dist';
const browser = findBrowser();


export default defineConfig({
  testDir: 'e2e',
  outputDir: DIST === 'dist' ? 'test-results' : `${DIST}-results`,
  timeout: 60_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env['PW_JSON_OUTPUT'] ? [['list'], ['json', { outputFile: process.env['PW_JSON_OUTPUT'] }]] : [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions: { executablePath: browser?.path, args: QUIET },
    trace: 'off',
  },
  projects: [
    { name: 'wasm', testIgnore: /webgpu\.spec\.ts/ },
    {
      name: 'webgpu-swiftshader',
      testMatch: /webgpu\.spec\.ts/,
      use: { launchOptions: { executablePath: browser?.path, args: [...QUIET, '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-webgpu-adapter=swiftshader'] } },
    },
  ],
  webServer: {
    command: `npx vite build --logLevel warn --outDir ${DIST} && npx vite preview --outDir ${DIST} --port ${PORT} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${PORT}`,
    reuseExistingServer: !process.env['CI'],
    timeout: 180_000,
  },
});
