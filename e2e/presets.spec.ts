import { expect, test } from './fixtures';
import { PRESETS } from '../src/presets';
import { expectViewsDrawn, watchErrors } from './drawn';
import { choosePreset, expectCausalImplicitMap, expectCausalRows, expectPresetMap, IMPLICIT, readMap, setText, waitForMap, waitWhileBusy } from './helpers';


const TEXT = 'presets show the block catalog';

test.describe('presets', () => {
  // Waits follow the page's progress (helpers.ts waitWhileBusy): the limit is only for a page that works forever.
  test.describe.configure({ timeout: 600_000 });

  // One test per preset, so one preset's failure never hides another's.
  for (const preset of PRESETS) {
    test(`${preset.id}: runs in the page, draws all its views without error, and draws causal maps whose rows sum to 1`, async ({ page }) => {
      const watch = watchErrors(page);
      await page.goto('/');
      await setText(page, TEXT);
      await waitForMap(page, TEXT.length, TEXT);
      // The default is on screen first: choose another preset, then the default again, so it is chosen like every other.
      if (preset.id === 'default') await choosePreset(page, 'alibi');
      const map = await choosePreset(page, preset.id);
      await expectViewsDrawn(page, preset.spec(), preset.id);
      await expect(page.getByTestId('model-name')).toHaveText(preset.spec().name);
      await expect(page.getByTestId('preset-citation')).toContainText(preset.citation);
      expect(map.T).toBe(TEXT.length);
      await expect(page.getByTestId('map-kind')).toHaveText(IMPLICIT.has(preset.id) ? 'implicit' : 'explicit');
      expectPresetMap(preset.id, map);
      // Entropy fractions are over the keys each row uses: never above 100%, whatever the mask.
      const fractions = await page.getByTestId('entropy').locator('li').evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset['entropyFraction'])));
      for (const f of fractions) {
        expect(f).toBeLessThanOrEqual(1 + 1e-9);
        expect(f).toBeGreaterThanOrEqual(0);
      }
      expect(watch.errors()).toEqual([]);
    });
  }

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
    await expect(page.getByTestId('loop-bracket')).toHaveAttribute('aria-label', 'Layers 0 to 0 run 4 times with shared weights');
    await expect.poll(() => page.getByTestId('layer-select').locator('option').allTextContents()).toEqual(['0', '1', '2', '3']);
    await page.getByTestId('layer-select').selectOption('3');
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-layer', '3');
    expectCausalRows(await readMap(page));
  });

  test('the PoolFormer preset draws its exact implicit map: 1/3 on the window, −2/3 on the diagonal', async ({ page }) => {
    await page.goto('/');
    await setText(page, TEXT);
    await waitForMap(page, TEXT.length, TEXT);
    const map = await choosePreset(page, 'poolformer');
    await expect(page.getByTestId('map-kind')).toHaveText('implicit');
    const wrong: string[] = [];
    map.rows.forEach((row, i) => row.forEach((w, j) => {
      const count = Math.min(3, i + 1); // the causal window holds the tokens that exist
      const expected = (j <= i && i - j < 3 ? 1 / count : 0) - (i === j ? 1 : 0);
      if (Math.abs(w - expected) > 1e-6) wrong.push(`(${i}, ${j}) = ${w}, want ${expected}`);
    }));
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  test('the Mamba-2 hybrid shows implicit maps for its Mamba layers and an explicit one for attention', async ({ page }) => {
    await page.goto('/');
    await setText(page, TEXT);
    await waitForMap(page, TEXT.length, TEXT);
    await choosePreset(page, 'mamba-hybrid');
    await expect(page.getByTestId('map-kind')).toHaveText('implicit');
    await expect(page.getByTestId('map-legend')).toContainText('rows need not sum to 1');
    expectCausalImplicitMap(await readMap(page));
    await page.getByTestId('layer-select').selectOption('3');
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-layer', '3');
    await expect(page.getByTestId('map-kind')).toHaveText('explicit');
    await expect(page.getByTestId('map-legend')).toContainText('each row sums to 1');
    expectCausalRows(await readMap(page));
  });

  test('gpt2-small shows d_model 768 and its 85 M parameters; the field takes up to 1024, and the memory budget, not the field, refuses 12 layers that wide', async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, 43);
    await choosePreset(page, 'gpt2-small');
    const dModel = page.getByTestId('setting-dModel');
    await expect(dModel).toHaveValue('768');
    await expect(page.getByTestId('setting-nHeads')).toHaveValue('12');
    await expect(page.getByTestId('layer-card')).toHaveCount(12);
    const stats = page.getByTestId('stats');
    await expect(stats).toHaveAttribute('data-params', '85327104');
    await expect(stats).toHaveAttribute('data-over', 'false');
    // 16 heads, then d_model 1024: a valid spec whose weights alone (152 M parameters, held 4 times) pass 2 GiB.
    await page.getByTestId('setting-nHeads').fill('16');
    await dModel.fill('1024');
    await expect(dModel).not.toHaveAttribute('aria-invalid', 'true');
    const refused = page.getByTestId('budget-refused');
    await waitWhileBusy(page, async () => (await refused.count()) > 0 && /Over the memory budget/.test((await refused.textContent()) ?? ''), 'the budget refusal', { errorExpected: true });
    await expect(refused).toContainText('Over the memory budget');
    await expect(refused).toContainText(/the weights \([\d,]+ parameters, [\d.]+ MiB\), held 4 times, take 2\.\d GiB/);
    await expect(stats).toHaveAttribute('data-over', 'true');
    // Past the range, the field says so.
    await dModel.fill('1025');
    await expect(dModel).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByTestId('edit-notice')).toContainText('dModel: must be a whole number from 8 to 1024, got 1025');
  });

  test('editing a preset marks the model as edited', async ({ page }) => {
    await page.goto('/');
    await page.getByTestId('preset-select').selectOption('alibi');
    await page.getByRole('button', { name: 'Add a layer' }).click();
    await expect(page.getByTestId('preset-select')).toHaveValue('');
    await expect(page.getByTestId('preset-citation')).toHaveCount(0);
  });
});
