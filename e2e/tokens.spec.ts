/**
 * Issue 19's token blocks in the page: a TokenFormer model shows its tokens × parameter tokens map
 * (rows: tokens, columns: parameter tokens, one Pattention layer at a time), and a PoNet model's
 * attention map is labelled as an attribution (gradient) map, not as weights.
 */
import { expect, test } from './fixtures';
import { waitForMap } from './helpers';
import { defaultLayer, defaultSpec } from '../src/spec/defaults';
import { SHARE_VERSION, shareToHash } from '../src/spec/share';
import type { Spec } from '../src/spec/types';

const TEXT = 'Tokens meet parameter tokens.';

/** A link to the default model with `kind` (and its params) as every layer's mixer. */
function link(kind: string, params: Record<string, unknown> = {}): string {
  const base = defaultSpec();
  const spec: Spec = { ...base, layers: base.layers.map(() => ({ ...defaultLayer(), mixer: { kind, params } })) };
  return `/#${shareToHash({ v: SHARE_VERSION, spec, text: TEXT, view: { layer: 0, head: 0 } })}`;
}

test('a TokenFormer model draws its tokens × parameter tokens map, one Pattention layer at a time', async ({ page }) => {
  await page.goto(link('tokenformer', { tokens: 16 }));
  await waitForMap(page, TEXT.length, TEXT);
  await expect(page.getByTestId('map-kind')).toHaveText('explicit');
  await expect(page.getByTestId('param-attn-title')).toContainText('Tokens × parameter tokens');
  await expect(page.getByTestId('param-attn-legend')).toContainText('rows: tokens · columns: parameter tokens (16)');
  const map = page.getByTestId('param-attn-map');
  await expect(map).toHaveAttribute('data-tokens', String(TEXT.length));
  await expect(map).toHaveAttribute('data-parameter-tokens', '16');
  await expect(map).toHaveAttribute('data-projection', 'q');
  const rows = (await map.getAttribute('data-values'))!.split(';').map((r) => r.split(',').map(Number));
  expect(rows).toHaveLength(TEXT.length);
  for (const row of rows) {
    expect(row).toHaveLength(16);
    // Θ = GELU(√P · s / ‖s‖): within GELU's range on [−√P, √P].
    for (const v of row) expect(v >= -0.17 && v <= 4).toBe(true);
  }
  await page.getByTestId('param-attn-projection').selectOption({ label: 'output (o)' });
  await expect(map).toHaveAttribute('data-projection', 'o');
  expect(await map.getAttribute('data-values')).not.toEqual(rows.map((r) => r.join(',')).join(';'));
});

test('a model without TokenFormer shows no tokens × parameter tokens map', async ({ page }) => {
  await page.goto(link('softmax_attention'));
  await waitForMap(page, TEXT.length, TEXT);
  await expect(page.getByTestId('param-attn-map')).toHaveCount(0);
});

test('a PoNet model labels its map as an attribution (gradient), not weights', async ({ page }) => {
  await page.goto(link('ponet'));
  await waitForMap(page, TEXT.length, TEXT);
  await expect(page.getByTestId('map-kind')).toHaveText('attribution (gradient)');
  await expect(page.getByTestId('map-legend')).toContainText('attribution map (gradient)');
  await expect(page.getByTestId('map-legend')).not.toContainText('each row sums to 1');
});
