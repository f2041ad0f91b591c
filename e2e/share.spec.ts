/**
 * Share links, local persistence and configuration import: a link copied from one browser opens
 * the same model with the same attention values in a fresh one; a truncated or tampered link shows
 * the banner and keeps the work; a reload keeps the work; a configuration file imports, and a
 * malformed one is refused with its reason.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import LZString from 'lz-string';
import { setText, waitForMap, type DrawnMap } from './helpers';

const DEFAULT_TEXT_LENGTH = 'The cat sat on the mat because it was warm.'.length;
const TEXT = 'A shared link carries the whole work.';

interface Doc {
  v: number;
  spec: { dModel: number; name: string; layers: { mixer: { kind: string } }[] };
  text: string;
  view: { layer: number; head: number };
}

/** The share document in a URL, or null. */
function decode(href: string): Doc | null {
  const m = /#s=(.*)$/.exec(href);
  if (!m) return null;
  try {
    return JSON.parse(LZString.decompressFromEncodedURIComponent(m[1]!) ?? 'null') as Doc;
  } catch {
    return null;
  }
}

/** The page's history length right after makeWork loaded the page. */
let historyAtStart = 0;

/** Edits the default model: layer 1's mixer becomes a sliding window, new text, layer 1 head 2 on screen. */
async function makeWork(page: Page): Promise<DrawnMap> {
  await page.goto('/');
  historyAtStart = await page.evaluate(() => window.history.length);
  await waitForMap(page, DEFAULT_TEXT_LENGTH);
  await page.getByTestId('slot:1:mixer').getByRole('button').click();
  await page.getByTestId('inspector-kind').selectOption('sliding_window');
  await expect(page.getByTestId('slot:1:mixer')).toHaveAttribute('data-kind', 'sliding_window');
  await setText(page, TEXT);
  await page.getByTestId('layer-select').selectOption('1');
  await page.getByTestId('head-select').selectOption('2');
  return shownMap(page, '1', '2');
}

/** The map drawn for `TEXT` at layer run `layer`, head `head`, once it is settled. */
async function shownMap(page: Page, layer: string, head: string): Promise<DrawnMap> {
  const map = page.getByTestId('attention-map');
  await expect(map).toHaveAttribute('data-layer', layer);
  await expect(map).toHaveAttribute('data-head', head);
  return waitForMap(page, TEXT.length, TEXT);
}

/** The address bar once it holds the work made by makeWork (it follows edits after a pause). */
async function linkToWork(page: Page): Promise<string> {
  let href = '';
  await expect
    .poll(async () => {
      href = await page.evaluate(() => location.href);
      const d = decode(href);
      return d !== null && d.spec.layers[1]?.mixer.kind === 'sliding_window' && d.text === TEXT && d.view.layer === 1 && d.view.head === 2;
    }, { message: 'the address bar follows the work' })
    .toBe(true);
  return href;
}

/** The mixer kind of every layer card. */
const mixerKinds = (page: Page) => page.getByTestId('layer-card').evaluateAll((cards) => cards.map((c) => (c.querySelector('[data-testid$=":mixer"]') as HTMLElement).dataset['kind']));

/** Serious accessibility problems inside `parts`. */
async function seriousViolations(page: Page, parts: string[]): Promise<string[]> {
  const results = await parts.reduce((axe, part) => axe.include(part), new AxeBuilder({ page })).analyze();
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
}

/** The work made by makeWork is on screen. */
async function expectWork(page: Page) {
  await expect(page.getByTestId('slot:1:mixer')).toHaveAttribute('data-kind', 'sliding_window');
  await expect(page.getByRole('textbox', { name: 'Text' })).toHaveValue(TEXT);
  await expect(page.getByTestId('head-select')).toHaveValue('2');
}

test.describe('share links and persistence', () => {
  test('a copied link opened in a fresh browser gives the same model and the same attention values', async ({ page, browser }) => {
    const mapA = await makeWork(page);
    const link = await linkToWork(page);
    // The address bar followed every edit without adding history entries (goto('/') made the last one).
    expect(await page.evaluate(() => window.history.length)).toBe(historyAtStart);

    const fresh = await browser.newContext();
    try {
      const other = await fresh.newPage();
      await other.goto(link);
      const mapB = await shownMap(other, '1', '2');
      expect(await mixerKinds(other)).toEqual(await mixerKinds(page));
      await expect(other.getByTestId('slot:1:mixer')).toHaveAttribute('data-kind', 'sliding_window');
      await expect(other.getByTestId('banner')).toHaveCount(0);
      expect([mapB.layer, mapB.head, mapB.T]).toEqual([mapA.layer, mapA.head, mapA.T]);
      const worst = Math.max(...mapA.rows.flatMap((row, i) => row.map((v, j) => Math.abs(v - mapB.rows[i]![j]!))));
      expect(worst).toBeLessThanOrEqual(1e-6);
    } finally {
      await fresh.close();
    }
  });

  test('"Copy link" puts the link on the clipboard, or shows it selected where there is no clipboard', async ({ browser, baseURL }) => {
    const withClipboard = await browser.newContext({ baseURL, permissions: ['clipboard-read', 'clipboard-write'] });
    try {
      const page = await withClipboard.newPage();
      await makeWork(page);
      const link = await linkToWork(page);
      await page.getByTestId('copy-link').click();
      await expect(page.getByTestId('share-status')).toHaveText('Link copied');
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    } finally {
      await withClipboard.close();
    }

    const without = await browser.newContext({ baseURL });
    try {
      const page = await without.newPage();
      await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined }));
      await makeWork(page);
      const link = await linkToWork(page);
      await page.getByTestId('copy-link').click();
      const field = page.getByTestId('share-link');
      await expect(field).toHaveValue(link);
      await expect(field).toBeFocused();
      expect(await field.evaluate((el: HTMLInputElement) => [el.selectionStart, el.selectionEnd])).toEqual([0, link.length]);
    } finally {
      await without.close();
    }
  });

  test('a truncated or tampered link shows the banner and keeps the work', async ({ page }) => {
    await makeWork(page);
    const link = await linkToWork(page);
    const [base, data] = link.split('#s=') as [string, string];
    const doc = decode(link)!;
    const tampered = LZString.compressToEncodedURIComponent(JSON.stringify({ ...doc, spec: { ...doc.spec, dModel: 100000 } }));
    const broken: [string, RegExp][] = [
      [`${base}#s=${data.slice(0, Math.floor(data.length / 2))}`, /This link could not be opened: it was cut short or damaged/],
      [`${base}#s=${tampered}`, /This link could not be opened: it was altered or is not valid \(spec\.dModel: must be a whole number from 8 to 1024, got 100000\)/],
    ];
    for (const [url, reason] of broken) {
      await page.goto('about:blank');
      await page.goto(url);
      const banner = page.getByTestId('banner');
      await expect(banner).toHaveText(reason);
      await expect(banner).toContainText('Your work is unchanged.');
      await expect(banner).toHaveAttribute('role', 'alert');
      await expectWork(page); // the saved work of the previous page, not the link's
      expect(await seriousViolations(page, ['[data-testid="banner"]', '.share-bar', '.export-model'])).toEqual([]);
      await page.getByTestId('banner-dismiss').click();
      await expect(banner).toHaveCount(0);
    }

    // A broken link pasted into the open page: the same banner, the work untouched.
    await shownMap(page, '1', '2');
    await page.evaluate(() => {
      location.hash = 's=N4IgLgFg';
    });
    await expect(page.getByTestId('banner')).toHaveText(/cut short or damaged/);
    await expectWork(page);
  });

  test('a reload keeps the work, from the link and from the browser alone', async ({ page }) => {
    await makeWork(page);
    await linkToWork(page);
    await page.reload();
    await expectWork(page);
    await shownMap(page, '1', '2');

    await page.goto('about:blank');
    await page.goto('/'); // no link: the work saved in the browser
    await expectWork(page);
    await shownMap(page, '1', '2');
    await expect(page.getByTestId('banner')).toHaveCount(0);
  });

  test('a configuration file imports; a malformed, invalid or oversized one is refused with its reason', async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, DEFAULT_TEXT_LENGTH);
    const layer = (kind: string) => ({ mixer: { kind, params: {} }, norm: { kind: 'rms_norm', params: {} }, placement: 'pre', ffn: { kind: 'glu', params: {} } });
    const spec = { version: 2, name: 'Imported hybrid', seed: 3, dModel: 32, nHeads: 2, maxLen: 64, tokenizer: { kind: 'char' }, position: { kind: 'rope', params: {} }, layers: [layer('mamba2'), layer('softmax_attention')] };
    const input = page.getByTestId('import-config');
    const message = page.getByTestId('import-message');
    const json = (name: string, text: string) => ({ name, mimeType: 'application/json', buffer: Buffer.from(text) });

    await input.setInputFiles(json('hybrid.json', JSON.stringify(spec)));
    await expect(message).toHaveText('Imported hybrid.json.');
    await expect(page.getByTestId('model-name')).toHaveText('Imported hybrid');
    expect(await mixerKinds(page)).toEqual(['mamba2', 'softmax_attention']);
    await waitForMap(page, DEFAULT_TEXT_LENGTH);

    const refusals: [string, string, RegExp][] = [
      ['broken.json', '{"version": 2, "layers": [', /^broken\.json was not imported: spec: not valid JSON/],
      ['wide.json', JSON.stringify({ ...spec, dModel: 100000 }), /^wide\.json was not imported: dModel: must be a whole number from 8 to 1024, got 100000/],
      ['huge.json', `{"name": "${'x'.repeat(1_100_000)}"}`, /^huge\.json was not imported: it is \d+ bytes, more than any configuration \(at most 1000000\)/],
    ];
    for (const [name, text, reason] of refusals) {
      await input.setInputFiles(json(name, text));
      await expect(message).toHaveText(reason);
      await expect(message).toHaveAttribute('data-tone', 'refused');
      await expect(page.getByTestId('model-name')).toHaveText('Imported hybrid');
    }

    await page.getByTestId('undo').click();
    await expect(page.getByTestId('slot:0:mixer')).toHaveAttribute('data-kind', 'softmax_attention');
    expect(await mixerKinds(page)).toEqual(['softmax_attention', 'softmax_attention']);
  });
});
