/**
 * `npm run screenshot:training`: builds the app, serves it (port 4392, or BENCH_PORT), trains the
 * default model on copy (strings of at most 4 letters, T = 8) for 200 steps in the page, and saves
 * docs/training.png (docs/using.md, "Training"): the attention map of a copy example on the trained
 * weights, with the badge that says so, and the Training panel under it (progress, charts,
 * timeline). Waits on states, never on time.
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
  await page.getByTestId('train-recipe-toggle').click(); // folded again: the picture shows the run
  await page.getByRole('textbox', { name: 'Text' }).fill('wxyz|wxyz');
  await page.waitForSelector('[data-testid=attention-map][data-text="wxyz|wxyz"]', { timeout: 120_000 });
  await page.waitForSelector('[data-testid=weights-badge]:text-matches("^trained")', { timeout: 120_000 });
  await page.waitForSelector('[data-testid=status]:text-is("ready")', { timeout: 120_000 });
  const panel = await page.getByTestId('train-panel').boundingBox();
  const map = await page.locator('section[aria-label="Attention map"]').boundingBox();
  if (!panel || !map) throw new Error('the Training panel or the attention map is not on the page');
  const x = Math.min(panel.x, map.x) - 8;
  const y = map.y - 8;
  await page.screenshot({ path: join(root, 'docs/training.png'), fullPage: true, clip: { x, y, width: Math.max(panel.x + panel.width, map.x + map.width) + 8 - x, height: panel.y + panel.height + 8 - y } });
  console.log('wrote docs/training.png');
});
