/**
 * The graphical editor: a 4-layer attention/SSM hybrid assembled by mouse drags and again by
 * keyboard alone, layers reordered, undo and redo, refused drops, and an accessibility check.
 * The model is read back from the statistics panel, whose per-block rows come from the graph the
 * worker compiled, so "assembled" and "compiled" are compared, not the cards with themselves.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { waitForMap } from './helpers';

const DEFAULT_TEXT_LENGTH = 'The cat sat on the mat because it was warm.'.length;

/** The mixer, norm, feed-forward and topology kinds of every layer, as the compiled graph's scopes name them. */
async function compiledLayers(page: Page): Promise<string[][]> {
  const stats = page.getByTestId('stats');
  await expect(stats).toHaveAttribute('data-state', 'current');
  const scopes = await stats.locator('[data-scope]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset['scope']!));
  const layers: string[][] = [];
  for (const scope of scopes) {
    const m = /^layer (\d+) · (mixer|norm|ffn): (\w+)$/.exec(scope);
    if (m) (layers[Number(m[1])] ??= []).push(`${m[2]}:${m[3]}`);
  }
  return layers.map((l) => l.sort());
}

/** What the cards show, slot by slot. */
async function cardKinds(page: Page): Promise<string[]> {
  return page.getByTestId('layer-card').evaluateAll((cards) => cards.map((c) => (c.querySelector('[data-testid$=":mixer"]') as HTMLElement).dataset['kind']!));
}

/**
 * Drags `from` onto `to` with the mouse, in small steps as a person would. A layer card snaps by
 * its centre, so for a layer the pointer goes on downwards or upwards until `over` says the
 * place is reached, as a person watches the cards make room.
 */
async function drag(page: Page, from: Locator, to: Locator, over: string) {
  const workbench = page.locator('.workbench');
  await from.scrollIntoViewIfNeeded();
  const a = (await from.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 8, a.y + a.height / 2 + 8, { steps: 4 });
  await expect(workbench).not.toHaveAttribute('data-dragging', '');
  await to.scrollIntoViewIfNeeded(); // a person scrolls to the target while holding the item
  const b = (await to.boundingBox())!;
  const x = b.x + b.width / 2;
  let y = b.y + b.height / 2;
  await page.mouse.move(x, y, { steps: 12 });
  const direction = b.y > a.y ? 1 : -1;
  for (let i = 0; i < 40 && (await workbench.getAttribute('data-over')) !== over; i++) {
    if (over.startsWith('layer:')) y += 8 * direction; // the cards make room as the pointer goes
    else {
      const c = (await to.boundingBox())!; // the layout moved (gaps opened): aim again
      y = c.y + c.height / 2;
    }
    await page.mouse.move(x, y, { steps: 2 });
  }
  await expect(workbench).toHaveAttribute('data-over', over);
  await page.mouse.up();
  await expect(workbench).toHaveAttribute('data-dragging', '');
}

/** Picks up the focused item with Space, presses `key` until `target` is under it, and drops it with Space. */
async function keyboardDrag(page: Page, item: Locator, target: string, key: 'ArrowDown' | 'ArrowUp') {
  await item.focus();
  await page.keyboard.press('Space');
  const workbench = page.locator('.workbench');
  await expect(workbench).not.toHaveAttribute('data-dragging', '');
  for (let i = 0; i < 60 && (await workbench.getAttribute('data-over')) !== target; i++) {
    const before = await workbench.getAttribute('data-over');
    await page.keyboard.press(key);
    // Each press moves to the next target in reading order: read where it is once the move landed.
    await expect.poll(() => workbench.getAttribute('data-over'), { message: `a move from ${before}` }).not.toBe(before);
  }
  await expect(workbench).toHaveAttribute('data-over', target);
  await page.keyboard.press('Space');
  await expect(workbench).toHaveAttribute('data-dragging', '');
}

const mixer = (kind: string) => [`ffn:mlp`, `mixer:${kind}`, `norm:layer_norm`];
const HYBRID = [mixer('softmax_attention'), mixer('mamba2'), mixer('mamba2'), mixer('mamba2')];

test.describe('graphical editor', () => {
  // Tall enough for a 4-layer stack: a person scrolls while dragging, which dnd-kit follows, but
  // a scripted pointer should not depend on auto-scroll timing.
  test.use({ viewport: { width: 1280, height: 1500 } });
  test.beforeEach(async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT_LENGTH);
  });

  test('a 4-layer hybrid assembled by mouse drags is the model compiled; reorder, undo and redo', async ({ page }) => {
    const mamba = page.getByTestId('palette-mixer-mamba2');
    await drag(page, mamba, page.getByTestId('slot:1:mixer'), 'slot:1:mixer');
    await expect(page.getByTestId('slot:1:mixer')).toHaveAttribute('data-kind', 'mamba2');
    await drag(page, mamba, page.getByTestId('gap:2'), 'gap:2');
    await drag(page, mamba, page.getByTestId('gap:3'), 'gap:3');
    expect(await cardKinds(page)).toEqual(['softmax_attention', 'mamba2', 'mamba2', 'mamba2']);
    await expect(page.getByTestId('edit-notice')).toContainText('inserted at position 3');
    await expect.poll(() => compiledLayers(page)).toEqual(HYBRID);

    // Reorder: the attention layer goes to the bottom, by its handle.
    await drag(page, page.getByTestId('layer-handle-0'), page.locator('[data-testid=layer-card][data-index="3"]'), 'layer:3');
    expect(await cardKinds(page)).toEqual(['mamba2', 'mamba2', 'mamba2', 'softmax_attention']);
    await expect.poll(() => compiledLayers(page)).toEqual([HYBRID[1], HYBRID[2], HYBRID[3], HYBRID[0]]);

    // Undo with the keyboard shortcut, redo with the button.
    await page.locator('body').click({ position: { x: 2, y: 2 } });
    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('edit-notice')).toHaveText('Undid: Layer 0 moved to position 3.');
    expect(await cardKinds(page)).toEqual(['softmax_attention', 'mamba2', 'mamba2', 'mamba2']);
    await expect.poll(() => compiledLayers(page)).toEqual(HYBRID);
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    expect(await cardKinds(page)).toEqual(['softmax_attention', 'softmax_attention']);
    await expect(page.getByTestId('undo')).toBeDisabled();
    await page.keyboard.press('Control+Shift+z');
    await page.getByTestId('redo').click();
    await page.getByTestId('redo').click();
    await page.getByTestId('redo').click();
    await expect(page.getByTestId('redo')).toBeDisabled();
    expect(await cardKinds(page)).toEqual(['mamba2', 'mamba2', 'mamba2', 'softmax_attention']);
    await expect.poll(() => compiledLayers(page)).toEqual([HYBRID[1], HYBRID[2], HYBRID[3], HYBRID[0]]);
    const map = await waitForMap(page, DEFAULT_TEXT_LENGTH);
    expect(map.rows).toHaveLength(DEFAULT_TEXT_LENGTH);
  });

  test('starting a drag moves no slot (the drop gaps open without pushing the cards)', async ({ page }) => {
    const workbench = page.locator('.workbench');
    const slot = page.getByTestId('slot:1:mixer');
    const before = (await slot.boundingBox())!;
    const chip = page.getByTestId('palette-mixer-mamba2');
    const a = (await chip.boundingBox())!;
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await page.mouse.down();
    await page.mouse.move(a.x + a.width / 2 + 8, a.y + a.height / 2 + 8, { steps: 4 });
    await expect(workbench).not.toHaveAttribute('data-dragging', '');
    await expect(page.getByTestId('gap:1')).toContainText('drop here');
    const during = (await slot.boundingBox())!;
    expect(Math.abs(during.y - before.y), 'the slot stays where it was when the gaps open').toBeLessThanOrEqual(0.5);
    expect(Math.abs(during.height - before.height)).toBeLessThanOrEqual(0.5);
    await page.mouse.move(before.x + before.width / 2, before.y + before.height / 2, { steps: 12 });
    await expect(workbench).toHaveAttribute('data-over', 'slot:1:mixer');
    await page.mouse.up();
    await expect(workbench).toHaveAttribute('data-dragging', '');
    await expect(slot).toHaveAttribute('data-kind', 'mamba2');
  });

  test('the dragged block\'s tooltip is gone after the drop; keyboard focus still shows it', async ({ page }) => {
    const chip = page.getByTestId('palette-mixer-mamba2');
    const tip = chip.locator('xpath=..').getByRole('tooltip');
    await chip.hover();
    await expect(tip).toBeVisible(); // hovering explains the block
    await drag(page, chip, page.getByTestId('slot:1:mixer'), 'slot:1:mixer');
    await expect(page.getByTestId('slot:1:mixer')).toHaveAttribute('data-kind', 'mamba2');
    await expect(tip).toBeHidden();
    // From the keyboard, focus still shows it.
    await page.getByRole('searchbox', { name: 'Search blocks' }).focus();
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('palette-mixer-softmax_attention')).toBeFocused();
    await expect(page.getByTestId('palette-mixer-softmax_attention').locator('xpath=..').getByRole('tooltip')).toBeVisible();
  });

  test('the same hybrid by keyboard alone, with announcements of what moved where', async ({ page }) => {
    const search = page.getByRole('searchbox', { name: 'Search blocks' });
    await search.fill('mamba');
    const mamba = page.getByTestId('palette-mixer-mamba2');
    await keyboardDrag(page, mamba, 'slot:1:mixer', 'ArrowDown');
    await expect(page.getByTestId('edit-notice')).toHaveText("Mamba-2 (selective state space) is now layer 1's token mixer.");
    await keyboardDrag(page, mamba, 'gap:2', 'ArrowDown');
    await keyboardDrag(page, mamba, 'gap:3', 'ArrowDown');
    expect(await cardKinds(page)).toEqual(['softmax_attention', 'mamba2', 'mamba2', 'mamba2']);
    await expect.poll(() => compiledLayers(page)).toEqual(HYBRID);
    // dnd-kit's live region said what was picked up and where it went.
    await expect(page.locator('[id^=DndLiveRegion]')).toContainText('was dropped on a new layer at position 3');

    // Reorder by keyboard: layer 3 up to the top.
    await keyboardDrag(page, page.getByTestId('layer-handle-3'), 'layer:0', 'ArrowUp');
    expect(await cardKinds(page)).toEqual(['mamba2', 'softmax_attention', 'mamba2', 'mamba2']);
    await expect.poll(() => compiledLayers(page)).toEqual([HYBRID[1], HYBRID[0], HYBRID[2], HYBRID[3]]);

    await page.getByTestId('undo').focus();
    await page.keyboard.press('Enter');
    expect(await cardKinds(page)).toEqual(['softmax_attention', 'mamba2', 'mamba2', 'mamba2']);
    await page.getByTestId('redo').focus();
    await page.keyboard.press('Enter');
    expect(await cardKinds(page)).toEqual(['mamba2', 'softmax_attention', 'mamba2', 'mamba2']);
  });

  test('a block dropped on a slot that cannot take it is refused with the reason, and nothing changes', async ({ page }) => {
    await expect.poll(() => compiledLayers(page)).toEqual([mixer('softmax_attention'), mixer('softmax_attention')]);
    const resultBefore = await page.getByTestId('attention-map').getAttribute('data-result-id');
    await drag(page, page.getByTestId('palette-ffn-mlp'), page.getByTestId('slot:0:mixer'), 'slot:0:mixer');
    await expect(page.getByTestId('edit-notice')).toHaveText('Refused: MLP is a feed-forward block; the token mixer slot takes only token mixer blocks.');
    await expect(page.getByTestId('edit-notice')).toHaveAttribute('data-tone', 'refused');
    expect(await cardKinds(page)).toEqual(['softmax_attention', 'softmax_attention']);
    await expect(page.getByTestId('undo')).toBeDisabled();
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-result-id', resultBefore!);
  });

  test('the inspector refuses an invalid value inline with its reason and keeps the model', async ({ page }) => {
    await page.getByTestId('slot:0:ffn').getByRole('button').click();
    const expansion = page.getByTestId('param-expansion');
    await expansion.fill('99');
    await expect(expansion).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByTestId('inspector').getByRole('alert')).toContainText('must be a whole number from 1 to 8, got 99');
    await expect(page.getByTestId('slot:0:ffn')).toContainText('expansion 4');
    await expansion.fill('2');
    await expect(expansion).not.toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByTestId('slot:0:ffn')).toContainText('expansion 2');
    // Heads must divide d_model.
    await page.getByTestId('setting-nHeads').fill('5');
    await expect(page.getByTestId('setting-nHeads')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByRole('alert').filter({ hasText: 'must divide dModel (64), got 5' })).toBeVisible();
  });

  test('schedule helper, apply to all, loops and the wiring diagram', async ({ page }) => {
    await page.getByTestId('schedule-pattern').fill('A,M');
    await page.getByTestId('schedule-count').fill('4');
    await page.getByTestId('schedule-apply').click();
    expect(await cardKinds(page)).toEqual(['softmax_attention', 'mamba2', 'softmax_attention', 'mamba2']);
    await page.getByTestId('schedule-pattern').fill('A,Q');
    await page.getByTestId('schedule-apply').click();
    await expect(page.getByRole('form', { name: 'Schedule helper' }).getByRole('alert')).toContainText('"Q" is not a token mixer');

    await page.getByTestId('slot:0:norm').getByRole('button').click();
    await page.getByTestId('inspector-placement').selectOption('peri');
    await page.getByRole('button', { name: 'Apply to all layers' }).click();
    await expect(page.getByTestId('layer-card').locator('svg[data-placement="peri"]')).toHaveCount(4);

    await page.getByRole('button', { name: 'Add a loop' }).click();
    await expect(page.getByTestId('loop-bracket')).toHaveAttribute('data-count', '2');
    await expect(page.getByTestId('layer-select').locator('option')).toHaveCount(5); // 4 layers, the first run twice
  });

  test('a model over the memory budget is refused before compiling, with the numbers and what to reduce', async ({ page }) => {
    await page.getByTestId('setting-maxLen').fill('512');
    const text = 'abcdefgh'.repeat(64);
    await page.getByRole('textbox', { name: 'Text' }).fill(text);
    await waitForMap(page, text.length);
    await page.getByTestId('setting-nHeads').fill('16');
    await page.getByLabel('Layers', { exact: true }).fill('12');
    await expect(page.getByTestId('layer-card')).toHaveCount(12);
    await page.getByTestId('setting-dModel').fill('512');
    const refused = page.getByTestId('budget-refused');
    await expect(refused).toContainText('Over the memory budget');
    await expect(refused).toContainText('12 layer runs × 16 heads at T = 512');
    await expect(page.getByTestId('stats')).toHaveAttribute('data-over', 'true');
    await expect(page.getByTestId('status')).toContainText('over the 2 GiB budget');
    // The model as edited is kept: the person shortens the text and it runs.
    await page.getByRole('textbox', { name: 'Text' }).fill('abcdefgh'.repeat(4));
    await expect(page.getByTestId('stats')).toHaveAttribute('data-over', 'false');
    await waitForMap(page, 32);
    await expect(page.getByTestId('setting-dModel')).toHaveValue('512');
  });

  test('the editor has no serious accessibility violations', async ({ page }) => {
    await page.getByTestId('slot:0:mixer').getByRole('button').click();
    const results = await new AxeBuilder({ page }).include('.workbench').analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`)).toEqual([]);
  });
});
