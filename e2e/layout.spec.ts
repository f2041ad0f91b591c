/**
 * The page a person sees: what to do first, the view following the edit, and the layout at two
 * laptop sizes (1440×900 and 1280×720), measured from the page's boxes, with screenshots attached
 * to the test's results. Also what the views say when the text is empty.
 */
import type { Page, TestInfo } from '@playwright/test';
import { expect, test } from './fixtures';
import { setText, waitForMap } from './helpers';

const DEFAULT_TEXT_LENGTH = 'The cat sat on the mat because it was warm.'.length;

interface Box {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The page boxes of the regions named, skipping those not on the page. */
async function boxes(page: Page, selectors: Record<string, string>): Promise<Box[]> {
  const out: Box[] = [];
  for (const [name, selector] of Object.entries(selectors)) {
    const loc = page.locator(selector);
    if ((await loc.count()) === 0) continue;
    const b = await loc.first().evaluate((el) => {
      const r = el.getBoundingClientRect();
      return { x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height };
    });
    if (b.width > 0 && b.height > 0) out.push({ name, ...b });
  }
  return out;
}

/** Pairs of boxes that overlap by more than a pixel. */
function overlaps(list: Box[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < list.length; i++)
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i]!;
      const b = list[j]!;
      const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      if (w > 1 && h > 1) found.push(`${a.name} overlaps ${b.name} (${Math.round(w)}×${Math.round(h)} px)`);
    }
  return found;
}

/** Elements among `selector` whose text is cut (wider than their box) or wrapped onto more than one line. */
async function cutOrWrapped(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluateAll((els) =>
    els
      .filter((el) => (el as HTMLElement).offsetParent !== null)
      .flatMap((el) => {
        const e = el as HTMLElement;
        const line = parseFloat(getComputedStyle(e).lineHeight) || parseFloat(getComputedStyle(e).fontSize) * 1.3;
        const problems: string[] = [];
        if (e.scrollWidth > e.clientWidth + 1) problems.push(`"${e.textContent}" is cut (${e.scrollWidth} > ${e.clientWidth} px)`);
        if (e.getBoundingClientRect().height > line * 1.5) problems.push(`"${e.textContent}" wraps (${Math.round(e.getBoundingClientRect().height)} px for a ${line} px line)`);
        return problems;
      }),
  );
}

async function attachScreenshot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** The main regions of the page and the panels of the views column. */
const REGIONS = {
  'top bar': '.topbar',
  'status line': '.statusline',
  banner: '[data-testid=banner]',
  lesson: '[data-testid=lesson-panel]',
  'blocks column': '.col-blocks',
  'model column': '.col-model',
  'text panel': 'section[aria-label="Text"]',
  'attention map': 'section[aria-label="Attention map"]',
  heads: 'section[aria-label="Heads"]',
  compare: 'section[aria-label="Compare"]',
  latency: 'section[aria-label="Latency"]',
  entropy: 'section[aria-label="Entropy"]',
  residual: 'section[aria-label="Residual stream"]',
  'next token': 'section[aria-label="Next token"]',
};

/** The top bar on one line, nothing in it or the status line cut or wrapped, no region over another. */
async function expectTidyPage(page: Page) {
  const bar = (await page.locator('.topbar').boundingBox())!;
  const line = await page.locator('.topbar h1').evaluate((h) => parseFloat(getComputedStyle(h).fontSize) * 1.4);
  expect(bar.height, 'the top bar is one line high').toBeLessThanOrEqual(line + 24); // one line, its padding and a control's border
  expect(await cutOrWrapped(page, '.topbar h1, [data-testid=model-name], .statusbar .backend, [data-testid=backend-why], [data-testid=copy-link], .theme-toggle')).toEqual([]);
  expect(overlaps(await boxes(page, REGIONS))).toEqual([]);
  // Nothing in the top bar sits over another item of it.
  const items = await boxes(page, { title: '.topbar h1', name: '[data-testid=model-name]', preset: '.topbar .preset-picker:not(.lesson-picker)', lesson: '.topbar .lesson-picker', share: '.share-bar', theme: '.theme-toggle' });
  expect(overlaps(items)).toEqual([]);
}

for (const viewport of [
  { width: 1440, height: 900 },
  { width: 1280, height: 720 },
]) {
  test.describe(`layout at ${viewport.width}×${viewport.height}`, () => {
    test.use({ viewport });

    test('one-line top bar, no overlaps, readable latency charts, compare beside the pickers, the lesson panel off them', async ({ page }, testInfo) => {
      await page.goto('/');
      await waitForMap(page, DEFAULT_TEXT_LENGTH);
      await expectTidyPage(page);

      // The per-block latency chart gets the column's width, and its 10 px labels stay about 10 px.
      await page.getByTestId('breakdown-run').click();
      const chart = page.getByTestId('latency-breakdown');
      await expect(chart).toBeVisible({ timeout: 60_000 });
      const width = await chart.evaluate((svg) => svg.getBoundingClientRect().width);
      expect(width, 'the per-block chart is at least 480 px wide').toBeGreaterThanOrEqual(480);
      const label = await chart.locator('text').first().evaluate((t) => t.getBoundingClientRect().height);
      expect(label, 'chart labels are at least 9 px high on screen').toBeGreaterThanOrEqual(9);
      expect(overlaps(await boxes(page, REGIONS))).toEqual([]);

      // Compare mode follows the layer and head pickers: its panel starts within a screen of them.
      const picker = (await boxes(page, { picker: '[data-testid=layer-select]' }))[0]!;
      const compare = (await boxes(page, { compare: 'section[aria-label="Compare"]' }))[0]!;
      expect(compare.y - (picker.y + picker.height), 'the compare panel is near the pickers').toBeLessThan(viewport.height * 0.75);
      expect(compare.y).toBeGreaterThan(picker.y);
      await attachScreenshot(page, testInfo, `page-${viewport.width}x${viewport.height}`);

      // A lesson open: its panel covers neither the pickers (scrolled to the top of the window) nor any region.
      await page.getByTestId('lesson-select').selectOption({ index: 1 });
      await expect(page.getByTestId('lesson-panel')).toBeVisible();
      await expect(page.getByTestId('status')).toHaveText('ready');
      for (const id of ['layer-select', 'head-select']) {
        await page.getByTestId(id).evaluate((el) => window.scrollBy(0, el.getBoundingClientRect().top - 8));
        const hit = await page.getByTestId(id).evaluate((el) => {
          const r = el.getBoundingClientRect();
          const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
          return top === el || el.contains(top);
        });
        expect(hit, `${id} is not covered once scrolled to the top`).toBe(true);
      }
      await page.evaluate(() => window.scrollTo(0, 0));
      await expectTidyPage(page);
      await attachScreenshot(page, testInfo, `lesson-${viewport.width}x${viewport.height}`);
    });

    test('an 8,192-token text keeps the strip short until expanded; a long error stays in the status line', async ({ page }, testInfo) => {
      await page.goto('/');
      await waitForMap(page, DEFAULT_TEXT_LENGTH);
      await page.getByTestId('setting-maxLen').fill('8192');
      const text = 'abcdefgh '.repeat(1000).slice(0, 8192);
      await setText(page, text);
      await expect(page.getByTestId('token-count')).toHaveText('8192 / 8192 tokens');
      const strip = page.getByTestId('token-strip');
      await expect(strip).toHaveAttribute('data-collapsed', 'true');
      const chips = await strip.locator('li').count();
      expect(chips).toBeLessThan(400);
      const stripHeight = (await strip.boundingBox())!.height;
      expect(stripHeight, 'the collapsed strip is a few lines').toBeLessThan(viewport.height / 2);
      // The views start right under the text panel.
      const textPanel = (await page.locator('section[aria-label="Text"]').boundingBox())!;
      const map = (await page.locator('section[aria-label="Attention map"]').boundingBox())!;
      expect(map.y).toBeLessThan(textPanel.y + viewport.height * 0.75);

      // Expanded: every token, in a box of bounded height that scrolls.
      await page.getByTestId('token-strip-toggle').click();
      await expect(strip.locator('li')).toHaveCount(8192);
      const open = (await strip.boundingBox())!;
      expect(open.height).toBeLessThan(viewport.height / 2);
      expect(await strip.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
      await page.getByTestId('token-strip-toggle').click();
      await expect(strip.locator('li')).toHaveCount(chips);

      // T = 8192 is over the memory budget: a long error, which wraps in the status line and covers nothing.
      await expect(page.getByTestId('status')).toHaveAttribute('data-phase', 'error');
      const status = await page.getByTestId('status').textContent();
      expect(status!.length).toBeGreaterThan(60);
      await expectTidyPage(page);
      await attachScreenshot(page, testInfo, `long-text-${viewport.width}x${viewport.height}`);
    });
  });
}

test.describe('first steps', () => {
  test.use({ viewport: { width: 1280, height: 1500 } });

  /** Drags a palette block onto a slot with the mouse. */
  async function dropOn(page: Page, block: string, slot: string) {
    const workbench = page.locator('.workbench');
    await page.evaluate(() => window.scrollTo(0, 0));
    const a = (await page.getByTestId(block).boundingBox())!;
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await page.mouse.down();
    await page.mouse.move(a.x + a.width / 2 + 8, a.y + a.height / 2 + 8, { steps: 4 });
    await expect(workbench).not.toHaveAttribute('data-dragging', '');
    const b = (await page.getByTestId(slot).boundingBox())!;
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
    await expect(workbench).toHaveAttribute('data-over', slot);
    await page.mouse.up();
    await expect(workbench).toHaveAttribute('data-dragging', '');
  }

  test('the hint says what to do first until the first edit, and the view moves to the edited layer', async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT_LENGTH);
    await expect(page.getByTestId('first-hint')).toContainText('drag a block');
    await expect(page.getByTestId('follow-edits')).toBeChecked();
    await dropOn(page, 'palette-mixer-mamba2', 'slot:1:mixer');
    await expect(page.getByTestId('first-hint')).toHaveCount(0);
    await expect(page.getByTestId('layer-select')).toHaveValue('1');
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-layer', '1');
    await expect(page.getByTestId('map-kind')).toHaveText('implicit');
    // Undo back to the start: the hint stays gone (the person has found the editor).
    await page.getByTestId('undo').click();
    await expect(page.getByTestId('first-hint')).toHaveCount(0);
  });

  test('inside a loop the view goes to the first run of the edited layer', async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT_LENGTH);
    await page.getByRole('button', { name: 'Add a loop' }).click(); // layer 0 runs twice: runs 0, 0, 1
    await expect(page.getByTestId('layer-select').locator('option')).toHaveCount(3);
    await expect(page.getByTestId('layer-select')).toHaveValue('0');
    await dropOn(page, 'palette-mixer-mamba2', 'slot:1:mixer');
    await expect(page.getByTestId('layer-select')).toHaveValue('2');
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-layer', '2');
    await expect(page.getByTestId('map-kind')).toHaveText('implicit');
  });

  test('following can be turned off; the choice stays in this browser and is not part of a link', async ({ page, browser }) => {
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT_LENGTH);
    await page.getByTestId('follow-edits').uncheck();
    const before = page.url();
    await dropOn(page, 'palette-mixer-mamba2', 'slot:1:mixer');
    await expect(page.getByTestId('slot:1:mixer')).toHaveAttribute('data-kind', 'mamba2');
    await expect(page.getByTestId('layer-select')).toHaveValue('0');
    await expect(page.getByTestId('attention-map')).toHaveAttribute('data-layer', '0');
    await expect.poll(() => page.url(), { message: 'the address bar follows the work' }).not.toBe(before);
    const link = page.url();
    await page.reload();
    await expect(page.getByTestId('slot:1:mixer')).toHaveAttribute('data-kind', 'mamba2');
    await expect(page.getByTestId('follow-edits')).not.toBeChecked();
    // The page's link, opened in a browser that never chose: following is on there.
    const other = await browser.newContext();
    const fresh = await other.newPage();
    await fresh.goto(link);
    await expect(fresh.getByTestId('slot:1:mixer')).toHaveAttribute('data-kind', 'mamba2');
    await expect(fresh.getByTestId('follow-edits')).toBeChecked();
    await other.close();
  });
});

test('with no text, every view says it needs text instead of waiting', async ({ page }) => {
  await page.goto('/');
  await waitForMap(page, DEFAULT_TEXT_LENGTH);
  await setText(page, '');
  await expect(page.getByTestId('notice-empty')).toBeVisible();
  const waiting = page.getByTestId('view-waiting');
  await expect(waiting).toHaveCount(9); // heads, latency, entropy, residual stream, next token, layer dropping, eviction, eviction cost, pruning
  for (const w of await waiting.all()) {
    await expect(w).toHaveAttribute('data-needs', 'text');
    await expect(w).toContainText('type at least one character');
  }
  await expect(page.getByText('Waiting for a result.')).toHaveCount(0);
  await setText(page, 'hi');
  await waitForMap(page, 2);
  await expect(waiting).toHaveCount(0);
});
