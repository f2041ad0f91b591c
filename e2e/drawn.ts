/** Checks shared by the preset and lesson specs: the views of a model are drawn, and nothing failed on the way. */
import { expect, type Page } from '@playwright/test';
import { layerSchedule } from '../src/spec/schedule';
import type { Spec } from '../src/spec/types';

/** Collects uncaught page errors from now on; read them with `errors()`. */
export function watchErrors(page: Page): { errors(): string[] } {
  const seen: string[] = [];
  page.on('pageerror', (e) => seen.push(e.message));
  return { errors: () => [...seen] };
}

/** The views of `spec` are drawn for its layer runs and heads, the status is settled, and no part of the page shows an error. */
export async function expectViewsDrawn(page: Page, spec: Spec, what: string): Promise<void> {
  const runs = layerSchedule(spec).length;
  await expect(page.getByTestId('status'), what).toHaveText('ready');
  await expect(page.getByText('could not be drawn'), what).toHaveCount(0);
  expect(Number(await page.getByTestId('attention-map').getAttribute('data-rows')), what).toBeGreaterThan(0);
  await expect(page.getByTestId('head-grid').locator('button[data-layer]'), what).toHaveCount(runs * spec.nHeads);
  await expect(page.getByTestId('entropy').locator('li'), what).toHaveCount(spec.nHeads);
  await expect(page.getByTestId('residual'), what).toHaveAttribute('data-depths', String(runs + 1));
  await expect(page.getByTestId('next-token-context'), what).toBeVisible();
  // The latency is measured once the map is drawn and edits pause (src/state/latency.ts).
  await expect.poll(async () => Number(await page.getByTestId('latency').getAttribute('data-ms')), { message: what }).toBeGreaterThan(0);
  const moe = spec.layers.some((l) => l.ffn.kind === 'moe');
  await expect(page.getByTestId('router-map'), what).toHaveCount(moe ? 1 : 0);
}
