import { expect, test } from '@playwright/test';
import { PRESETS } from '../src/presets';
import { choosePreset, expectCausalRows, readMap, setText, waitForMap } from './helpers';

const TEXT = 'presets show the block catalog';

test.describe('presets', () => {
  test('every preset runs in the page and draws causal maps whose rows sum to 1', async ({ page }) => {
    test.setTimeout(120_000);
    await page.goto('/');
    await setText(page, TEXT);
    await waitForMap(page, TEXT.length, TEXT);
    for (const preset of PRESETS.filter((p) => p.id !== 'default')) {
      const map = await choosePreset(page, preset.id);
      await expect(page.getByTestId('model-name')).toHaveText(preset.spec().name);
      await expect(page.getByTestId('preset-citation')).toContainText(preset.citation);
      expect(map.T, preset.id).toBe(TEXT.length);
      expectCausalRows(map);
    }
  });

  test('the sliding-window preset draws a band exactly 8 keys wide', async ({ page }) => {
    await page.goto('/');
    await setText(page, TEXT);
    await waitForMap(page, TEXT.length, TEXT);
    const map = await choosePreset(page, 'sliding-window');
    await expect(page.getByTestId('layer-card').first()).toContainText('Sliding-window attention');
    const wrong: string[] = [];
    map.rows.forEach((row, i) => row.forEach((w, j) => {
      const inBand = j <= i && i - j < 8;
      if (inBand !== w > 0) wrong.push(`(${i}, ${j}) = ${w}`);
    }));
    expect(wrong).toEqual([]);
  });

  test('the sinks preset keeps the first 4 keys visible to every query', async ({ page }) => {
    await page.goto('/');
    await setText(page, TEXT);
    await waitForMap(page, TEXT.length, TEXT);
    const map = await choosePreset(page, 'sinks');
    await expect(page.getByTestId('model-name')).toHaveText('Sink-token decoder');
    const wrong: string[] = [];
    map.rows.forEach((row, i) => row.forEach((w, j) => {
      const visible = j <= i && (j < 4 || i - j < 8);
      if (visible !== w > 0) wrong.push(`(${i}, ${j}) = ${w}`);
    }));
    expect(wrong).toEqual([]);
  });

  test('the looped preset shows one layer card and four layer runs to choose from', async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, 43);
    await choosePreset(page, 'looped');
    await expect(page.getByTestId('layer-card')).toHaveCount(1);
    await expect(page.getByText('runs layers 0–0 4× with shared weights')).toBeVisible();
    await expect.poll(() => page.getByTestId('layer-select').locator('option').allTextContents()).toEqual(['0', '1', '2', '3']);
    await page.getByTestId('layer-select').selectOption('3');
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-layer', '3');
    expectCausalRows(await readMap(page));
  });

  test('editing a preset marks the model as edited', async ({ page }) => {
    await page.goto('/');
    await page.getByTestId('preset-select').selectOption('alibi');
    await page.getByRole('button', { name: 'Add a layer' }).click();
    await expect(page.getByTestId('preset-select')).toHaveValue('');
    await expect(page.getByTestId('preset-citation')).toHaveCount(0);
  });
});
