// Attention-map sharing (EchoAtt) and the reversible topology in the page: a link to a model whose
// layer 1 copies layer 0's map and whose layer 2 is reversible. The map's badge names the source,
// the copied map equals its source's, the wiring diagram draws the copied map and the two streams.
import { defaultLayer, defaultSpec } from '../src/spec/defaults';
import { shareToHash } from '../src/spec/share';
import type { Spec } from '../src/spec/types';
import { expect, test } from './fixtures';
import { readMap, waitForMap } from './helpers';

const TEXT = 'Copy the map, keep two streams.';

const spec: Spec = {
  ...defaultSpec(),
  name: 'EchoAtt and reversible',
  layers: [
    defaultLayer(),
    { ...defaultLayer(), mixer: { kind: 'echo_attention', params: { from: -1 } } },
    { ...defaultLayer(), topology: { kind: 'reversible', params: {} } },
  ],
};

test('a copied map says where it comes from and equals its source; the wiring shows the copy and the two streams', async ({ page }) => {
  await page.goto(`/#${shareToHash({ v: 1, spec, text: TEXT, view: { layer: 0, head: 1 } })}`);
  const source = await waitForMap(page, TEXT.length, TEXT);
  await expect(page.getByTestId('map-copied-from')).toHaveCount(0);

  await page.getByTestId('layer-select').selectOption('1');
  await expect(page.getByTestId('attention-map')).toHaveAttribute('data-layer', '1');
  await expect(page.getByTestId('map-copied-from')).toHaveText('copied from layer 0');
  await expect(page.getByTestId('map-kind')).toHaveText('explicit');
  const copy = await readMap(page);
  expect(copy.rows).toEqual(source.rows);

  await page.getByTestId('layer-select').selectOption('2');
  await expect(page.getByTestId('attention-map')).toHaveAttribute('data-layer', '2');
  await expect(page.getByTestId('map-copied-from')).toHaveCount(0);

  const cards = page.getByTestId('layer-card');
  const echo = cards.nth(1).getByTestId('wiring');
  await expect(echo.locator('[data-node-kind="map"]')).toHaveCount(1);
  await expect(echo.locator('[data-node-kind="map"] text')).toHaveText('map ← 0');
  await expect(echo.locator('svg')).toHaveAttribute('aria-label', /copied from layer 0\.$/);
  const rev = cards.nth(2).getByTestId('wiring');
  await expect(rev.locator('svg')).toHaveAttribute('data-topology', 'reversible');
  await expect(rev.locator('[data-node-kind="stream-in"]')).toHaveCount(2);
  await expect(rev.locator('[data-node-kind="stream-out"]')).toHaveCount(2);
  await expect(rev.locator('figcaption')).toContainText('x′ = (y₁ + y₂)/2');
});

test('a first layer that copies a map is refused with the reason', async ({ page }) => {
  const bad: Spec = { ...spec, layers: [{ ...defaultLayer(), mixer: { kind: 'echo_attention', params: { from: -1 } } }] };
  await page.goto(`/#${shareToHash({ v: 1, spec: bad, text: TEXT, view: { layer: 0, head: 0 } })}`);
  await expect(page.getByText(/names no earlier layer: there is no layer run 1 before layer 0/).first()).toBeVisible();
});
