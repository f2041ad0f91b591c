/**
 * Training in the page (issue 17), for `npm run bench:train`: the default model trained on the copy
 * task at B = 16, T = 64 with the Training panel, as a person would, in headless Chromium against
 * the production build, on WASM (no WebGPU adapter). The figure includes what the page does
 * besides the steps: a progress report every 10 steps with the views run again on the new weights,
 * and the probe's snapshot every steps / 50 steps.
 *
 *   - steps per second: from the panel's step counter, timed in the page (a MutationObserver on
 *     its data-step), from 100 steps after the memory pause to the last step;
 *   - memory: the worker's WebAssembly and JS heaps and the page's JS heap (after a GC), with
 *     training paused at step 200 and once all 2,000 steps are done. Target: within 10%.
 */
import type { Browser, Page } from '@playwright/test';
import { readMemory, type App, type PageMemory } from './app';

export const PAGE_STEPS = 2000;
export const PAGE_MARK = 200;
/** Steps per second are timed from this many steps after the memory pause to the end. */
export const TIMED_AFTER_MARK = 100;

export interface PageTraining {
  B: number;
  T: number;
  steps: number;
  /** Steps per second from TIMED_AFTER_MARK steps after the memory pause to the last step. */
  stepsPerSecond: number;
  timedSteps: number;
  /** Threads onnxruntime-web's WASM module runs with in the page. */
  threads: number | null;
  /** The step training was paused at for the first reading, and the readings. */
  markStep: number;
  /** Snapshots the page held at the pause and at the end (the timeline's points). */
  markSnapshots: number;
  endSnapshots: number;
  at: { mark: PageMemory; end: PageMemory };
  growth: { workerWasm: number | null; workerJs: number | null; pageJs: number | null };
}

/** Sets a number field of the panel as typing would. */
async function setField(page: Page, testId: string, value: number) {
  const field = page.getByTestId(testId);
  await field.fill(String(value));
  await field.blur();
}

/** Trains in the page of `browser` (one with --expose-gc and precise memory info) and measures it. */
export async function pageTraining(app: App, browser: Browser, B = 16, T = 64, steps = PAGE_STEPS, markAt = PAGE_MARK): Promise<PageTraining> {
  const page = await app.open({ on: browser });
  await page.waitForSelector('[data-testid=status]:text-is("ready")', { timeout: 120_000 });
  await page.getByTestId('train-recipe-toggle').click(); // the recipe's fields are folded under a summary line
  await setField(page, 'train-T', T);
  await setField(page, 'train-batch', B);
  await setField(page, 'train-steps', steps);
  // Every change of the step counter, timed in the page.
  // (No named functions inside: tsx would wrap them in a helper the page does not have.)
  await page.evaluate(() => {
    const w = window as unknown as { __steps: [number, number][] };
    w.__steps = [];
    new MutationObserver(() => {
      const step = Number(document.querySelector<HTMLElement>('[data-testid=train-status]')?.dataset['step'] ?? 0);
      const last = w.__steps.at(-1);
      if (!last || last[1] !== step) w.__steps.push([performance.now(), step]);
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-step'] });
  });
  const step = async () => Number(await page.getAttribute('[data-testid=train-status]', 'data-step'));
  const status = async () => page.getAttribute('[data-testid=train-status]', 'data-status');
  await page.getByTestId('train-start').click();
  await page.waitForFunction((mark) => Number(document.querySelector<HTMLElement>('[data-testid=train-status]')?.dataset['step'] ?? 0) >= mark, markAt, { timeout: 600_000, polling: 100 });
  await page.getByTestId('train-pause').click();
  await page.waitForSelector('[data-testid=train-status][data-status=paused]', { timeout: 120_000 });
  await page.waitForSelector('[data-testid=status]:text-is("ready")', { timeout: 120_000 });
  const markStep = await step();
  const mark = await readMemory(page);
  const snapshots = async () => Number((await page.getByTestId('timeline').getAttribute('max')) ?? 0) + 1;
  const markSnapshots = await snapshots();
  await page.getByTestId('train-resume').click();
  await page.waitForSelector('[data-testid=train-status][data-status=done]', { timeout: 3_600_000 });
  if ((await step()) !== steps) throw new Error(`training ended at step ${await step()} (${await status()})`);
  await page.waitForSelector('[data-testid=status]:text-is("ready")', { timeout: 120_000 });
  const end = await readMemory(page);
  const endSnapshots = await snapshots();
  const seen = await page.evaluate(() => (window as unknown as { __steps: [number, number][] }).__steps);
  const from = seen.find(([, s]) => s >= markAt + TIMED_AFTER_MARK)!;
  const to = seen.at(-1)!;
  const threads = await page.evaluate(() => Number(document.querySelector<HTMLElement>('[data-testid=backend]')?.dataset['threads'] ?? NaN));
  await page.context().close();
  const growth = (key: 'workerWasmBytes' | 'workerJsBytes' | 'pageJsBytes') => {
    const [a, b] = [mark[key], end[key]];
    return a && b ? b / a - 1 : null;
  };
  return {
    B,
    T,
    steps,
    stepsPerSecond: ((to[1] - from[1]) * 1000) / (to[0] - from[0]),
    timedSteps: to[1] - from[1],
    threads: Number.isFinite(threads) ? threads : null,
    markStep,
    markSnapshots,
    endSnapshots,
    at: { mark, end },
    growth: { workerWasm: growth('workerWasmBytes'), workerJs: growth('workerJsBytes'), pageJs: growth('pageJsBytes') },
  };
}
