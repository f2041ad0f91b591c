/**
 * `npm run screenshot:training`: builds the app, serves it (port 4392, or BENCH_PORT), trains the
 * default model on copy (strings of at most 4 letters, T = 8) for 200 steps in the page, and saves
 * docs/training.png (docs/using.md, "Training"): the Training panel and the attention map below it,
 * with the badge that says the weights are trained. Waits on states, never on time.
 */
import { join } from 'node:path';
import { withApp } from './bench/app';
import { root } from './bench/results';

await withApp({ port: 4392 }, async (app) => {
  const page = await app.open({ viewport: { width: 1400, height: 1200 } });
  await page.waitForSelector('[data-testid=status]:text-is("ready")', { timeout: 120_000 });
  await page.getByTestId('train-recipe-toggle').click(); // the fields are folded under a summary line
  await page.getByTestId('train-param-maxLen').fill('4');
  await page.getByTestId('train-T').fill('8');
  await page.getByTestId('train-steps').fill('200');
  await page.waitForSelector('[data-testid=train-budget][data-state=fits]');
  await page.getByTestId('train-start').click();
  await page.waitForSelector('[data-testid=train-status][data-status=done]', { timeout: 300_000 });
  await page.waitForSelector('[data-testid=weights-badge]:text-matches("^trained")', { timeout: 120_000 });
  await page.waitForSelector('[data-testid=status]:text-is("ready")', { timeout: 120_000 });
  const panel = await page.getByTestId('train-panel').boundingBox();
  const map = await page.getByTestId('attention-map').boundingBox();
  if (!panel || !map) throw new Error('the Training panel or the attention map is not on the page');
  await page.screenshot({ path: join(root, 'docs/training.png'), fullPage: true, clip: { x: panel.x - 8, y: panel.y - 8, width: panel.width + 16, height: map.y + map.height + 16 - (panel.y - 8) } });
  console.log('wrote docs/training.png');
});
