/**
 * The exact effect of eviction (issue 20, item 5): the view's mean KL per policy and budget is what
 * the same re-run gives in onnxruntime-node here (workers/evictionCost.ts on a Node session of the
 * default model's decode graph); budgets at or above the text's length cost nothing; the panel
 * passes axe.
 */
import AxeBuilder from '@axe-core/playwright';
import { defaultSpec } from '../src/spec/defaults';
import { tokenize } from '../src/spec/vocab';
import { nodeModel } from '../scripts/cli/nodeModel';
import { runEvictionCost } from '../workers/evictionCost';
import { expect, test } from './fixtures';
import { setText, waitForMap } from './helpers';

const TEXT = 'The cat sat on the mat.';


test('Eviction cost: the table is the Node re-run; a budget that holds the text costs nothing', async ({ page }) => {
  test.setTimeout(40_000);
  await page.goto('/');
  await setText(page, TEXT);
  const ids = tokenize(TEXT, defaultSpec().maxLen).ids;
  await waitForMap(page, ids.length);
  const panel = page.getByRole('region', { name: 'Exact effect of eviction' });
  await panel.getByTestId('eviction-cost-budgets').fill(`4, ${ids.length}`);
  await panel.getByTestId('eviction-cost-run').click();
  await expect(panel.getByTestId('eviction-cost-done')).toBeVisible({ timeout: 30_000 });
  await expect(panel.getByTestId('eviction-cost-done')).toHaveAttribute('data-weights', 'seed 1');

  const expected = await runEvictionCost(nodeModel, { id: 1, spec: defaultSpec(), tokens: ids, budgets: [4], policies: ['streaming_llm', 'h2o', 'topk'] });
  for (const c of expected.cells) {
    const shown = Number(await panel.locator(`[data-testid="eviction-cost-cell"][data-kind="${c.kind}"][data-budget="${c.budget}"]`).getAttribute('data-kl'));
    expect(Math.abs(shown - c.meanKl), `${c.kind} at ${c.budget}`).toBeLessThanOrEqual(1e-4 + 1e-2 * c.meanKl);
  }
  expect(expected.cells.find((c) => c.kind === 'streaming_llm' && c.budget === 4)!.meanKl).toBeGreaterThan(0);
  for (const cell of await panel.locator(`[data-testid="eviction-cost-cell"][data-budget="${ids.length}"]`).all()) expect(Number(await cell.getAttribute('data-kl'))).toBe(0);
  // The chart draws one line per policy for the budget chosen.
  await expect(panel.getByTestId('eviction-cost-steps')).toHaveAttribute('data-kinds', /streaming_llm.*topk/);

  const axe = await new AxeBuilder({ page }).include('section[aria-label="Exact effect of eviction"]').analyze();
  expect(axe.violations).toEqual([]);
});
