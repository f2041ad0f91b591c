/**
 * `npm run screenshot`: builds the app, serves it (port 4391, or BENCH_PORT), and saves
 * docs/screenshot.png (the README's picture) of the default model with a cell pointed at. Uses the
 * same browser `npm test` finds, through scripts/bench/app.ts.
 */
import { join } from 'node:path';
import { withApp } from './bench/app';
import { root } from './bench/results';

await withApp({ port: 4391 }, async (app) => {
  const page = await app.open({ viewport: { width: 1400, height: 860 } });
  // The live map (result id ≥ 0; the build's precomputed one is -1) with the runtime ready.
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=attention-map]')?.getAttribute('data-result-id')) >= 0, null, { timeout: 120_000 });
  await page.waitForSelector('[data-testid=status]:text-is("ready")', { timeout: 120_000 });
  await page.getByTestId('head-select').selectOption('2');
  const box = await page.getByTestId('attention-map').boundingBox();
  if (box) {
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.6);
    // The readout names the cell pointed at: wait for it rather than for a fixed time.
    await page.waitForSelector('[data-testid=map-readout][data-weight]');
  }
  await page.screenshot({ path: join(root, 'docs/screenshot.png') });
  console.log('wrote docs/screenshot.png');
});
