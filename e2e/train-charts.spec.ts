/**
 * The training charts and the timeline, against a run of the same recipe here in Node: the page
 * trains the default model with the panel's default recipe; this test trains the same spec by the
 * same recipe (same seed, so the same batches and initial weights) in onnxruntime-node with
 * src/train/run.ts, up to the first snapshot's step, and bakes those weights into an inspect graph
 * run on the probe example (the task's first held-out example). So the losses the chart draws and
 * the map the timeline shows are checked against numbers the page never computed: a timeline that
 * showed the present weights, another snapshot or the page's text would not match.
 */
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import * as ort from 'onnxruntime-node';
import { toOnnxBytes } from '../src/graph/onnx';
import { PRESETS } from '../src/presets';
import { DEFAULT_TEXT, defaultSpec } from '../src/spec/defaults';
import type { Spec } from '../src/spec/types';
import { CHAR_VOCAB, tokenize } from '../src/spec/vocab';
import { defaultRecipe, snapshotEvery } from '../src/state/training';
import { bakeWeights } from '../src/train/bake';
import { train } from '../src/train/run';
import type { OrtLike } from '../src/train/trainer';
import { findTask } from '../src/train/tasks/registry';
import { expect, test } from './fixtures';
import { readMap, waitForMap } from './helpers';

/** The recipe's first `steps` steps of `spec` in onnxruntime-node: their losses, and the probe's maps and entropy with the weights after them. */
async function nodeRun(steps: number, spec: Spec = defaultSpec()) {
  const r = defaultRecipe();
  let taken = 0;
  const runtime = ((ort as unknown as { default?: OrtLike }).default ?? ort) as unknown as OrtLike;
  const run = await train(runtime, spec, r, { stop: () => taken >= steps, onStep: () => taken++, trainer: { providers: ['cpu'] } });
  const probe = Array.from(findTask(r.task)!.heldOut(r.taskParams, r.T, r.text).tokens.subarray(0, r.T));
  const graph = bakeWeights({ ...spec, seed: r.seed }, { T: r.T, mode: 'inspect' }, await run.trainer.weights());
  await run.trainer.release();
  const session = await ort.InferenceSession.create(toOnnxBytes(graph));
  const out = await session.run({ tokens: new ort.Tensor('int64', BigInt64Array.from(probe, BigInt), [1, r.T]) });
  await session.release();
  return { losses: run.steps.map((s) => s.loss), probe, T: r.T, probs: out['attn_probs.0']!.data as Float32Array, entropy: out['attn_entropy.0']!.data as Float32Array };
}

const numbers = (s: string | null) => (s ?? '').split(',').filter(Boolean).map(Number);

async function download(page: Page, testId: string): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return readFileSync((await file.path())!);
}

test('the loss chart draws the run\'s losses; the timeline shows the model as it was at an earlier step, and Now the present', async ({ page }) => {
  test.setTimeout(300_000);
  const every = snapshotEvery(defaultRecipe().steps);
  const reference = nodeRun(every); // in Node while the page loads and trains

  await page.goto('/');
  const textT = tokenize(DEFAULT_TEXT, defaultSpec().maxLen).ids.length;
  await waitForMap(page, textT);

  // Train with the panel's default recipe until three snapshots are taken, then stop.
  await page.getByTestId('train-start').click();
  const status = page.getByTestId('train-status');
  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 180_000, message: 'training reaches three snapshots' }).toBeGreaterThanOrEqual(3 * every);
  await page.getByTestId('train-stop').click();
  await expect(status).toHaveAttribute('data-status', 'stopped');
  const last = Number(await status.getAttribute('data-step'));

  // The loss chart holds every step's loss, in order, and draws points of that curve only.
  const chart = page.getByTestId('train-loss-chart');
  await expect(chart).toHaveAttribute('data-points', String(last));
  const steps = numbers(await chart.getAttribute('data-steps'));
  const losses = numbers(await chart.getAttribute('data-loss'));
  expect(steps).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  const drawnSteps = numbers(await chart.getAttribute('data-drawn-steps'));
  const drawnLoss = numbers(await chart.getAttribute('data-drawn-loss'));
  expect(drawnSteps.length).toBeGreaterThan(0);
  drawnSteps.forEach((s, k) => expect(drawnLoss[k]).toBe(losses[s - 1]));
  await expect(chart.locator('[data-series="loss-a"] path')).toHaveAttribute('d', /^M.+L/);

  // The first steps' losses are those of the same recipe trained in onnxruntime-node.
  const node = await reference;
  node.losses.forEach((loss, i) => expect(Math.abs(losses[i]! - loss), `step ${i + 1}: page ${losses[i]}, Node ${loss}`).toBeLessThan(1e-3));

  // The other charts drew too: a gradient norm line per group, an entropy line per head.
  await expect(page.getByTestId('train-grad-chart')).toHaveAttribute('data-points', String(last));
  await expect(page.getByTestId('train-grad-chart')).toHaveAttribute('data-groups', `embedding|${defaultSpec().layers.map((_, i) => `layer ${i}`).join('|')}|final norm`);
  await expect.poll(async () => Number(await page.getByTestId('train-entropy-chart').getAttribute('data-points'))).toBeGreaterThanOrEqual(3);

  // Export: the loss chart as PNG and SVG.
  const png = await download(page, 'export-training-loss-png');
  expect(png.subarray(0, 4).toString('latin1')).toBe('\u0089PNG');
  const svg = (await download(page, 'export-training-loss-svg')).toString('utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toContain('data-series="loss-a"');

  // The timeline at its first snapshot: the views say so, and the map is the probe's with the weights of that step.
  const timeline = page.getByTestId('timeline');
  await expect(timeline).toHaveAttribute('data-step', 'now');
  await timeline.fill('0');
  await expect(timeline).toHaveAttribute('data-step', String(every));
  const map = page.getByTestId('attention-map');
  await expect(map).toHaveAttribute('data-step', String(every));
  await expect(page.getByTestId('map-timeline-step')).toHaveText(`at step ${every}`);
  await expect(page.getByTestId('grid-timeline-step')).toHaveText(`at step ${every}`);
  await expect(page.getByTestId('entropy-timeline-step')).toHaveText(`at step ${every}`);
  await expect(chart).toHaveAttribute('data-cursor', String(every));
  await expect(map).toHaveAttribute('data-text', node.probe.map((id) => CHAR_VOCAB[id]).join(''));
  const drawn = await readMap(page);
  expect([drawn.layer, drawn.head, drawn.T]).toEqual([0, 0, node.T]);
  let worst = 0;
  for (let i = 0; i < node.T; i++) for (let j = 0; j < node.T; j++) worst = Math.max(worst, Math.abs(drawn.rows[i]![j]! - node.probs[i * node.T + j]!));
  expect(worst, 'the timeline\'s map against Node\'s map after the same steps').toBeLessThan(1e-3);
  // The entropy view's head 1 at that step: the mean of Node's entropy row.
  const mean = Array.from(node.entropy.subarray(node.T, 2 * node.T)).reduce((a, b) => a + b, 0) / node.T;
  const shown = Number(await page.getByTestId('entropy').locator('li[data-head="1"]').getAttribute('data-entropy-nats'));
  expect(Math.abs(shown - mean)).toBeLessThan(1e-3);

  // The charts, the timeline and the "at step" badges have no serious accessibility problems, in either theme.
  for (const theme of ['light', 'dark'] as const) {
    if (theme === 'dark') await page.getByRole('button', { name: 'Dark theme' }).click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    const axe = new AxeBuilder({ page }).include('[data-testid=train-charts]').include('[data-testid=timeline-panel]').include('[data-testid=map-timeline-step]').include('[data-testid=grid-timeline-step]').include('[data-testid=entropy-timeline-step]');
    const serious = (await axe.analyze()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${theme}: ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`)).toEqual([]);
  }

  // The next snapshot is another map: the comparison above tells the steps apart (Node's map at the first snapshot is far from it).
  await timeline.fill('1');
  await expect(map).toHaveAttribute('data-step', String(2 * every));
  const next = await readMap(page);
  let apart = 0;
  for (let i = 0; i < node.T; i++) for (let j = 0; j < node.T; j++) apart = Math.max(apart, Math.abs(next.rows[i]![j]! - node.probs[i * node.T + j]!));
  expect(apart).toBeGreaterThan(1e-2);

  // Play runs through the snapshots to the last one, which stays on screen.
  const snapshots = Number(await page.getByTestId('timeline-panel').getAttribute('data-snapshots'));
  const lastSnapshot = Math.floor(last / every) * every;
  expect(snapshots).toBe(Math.floor(last / every));
  await page.getByTestId('timeline-play').click();
  await expect(map).toHaveAttribute('data-step', String(lastSnapshot));
  await expect(page.getByTestId('timeline-play')).toHaveText('Play');
  await expect(timeline).toHaveAttribute('data-step', String(lastSnapshot));

  // Now: the present again, on the page's text.
  await page.getByTestId('timeline-now').click();
  await expect(timeline).toHaveAttribute('data-step', 'now');
  await expect(map).toHaveAttribute('data-step', '');
  await expect(map).toHaveAttribute('data-rows', String(textT));
  await expect(page.getByTestId('map-timeline-step')).toHaveCount(0);
  await expect(chart).toHaveAttribute('data-cursor', '');
});

test('compare mode trains A and B on the same batches; the loss chart overlays both', async ({ page }) => {
  test.setTimeout(300_000);
  const specB = PRESETS.find((p) => p.id === 'alibi')!.spec();
  const reference = Promise.all([nodeRun(3), nodeRun(3, specB)]);

  await page.goto('/');
  await waitForMap(page, tokenize(DEFAULT_TEXT, defaultSpec().maxLen).ids.length);
  await page.getByTestId('compare-select').selectOption('alibi');
  await page.getByTestId('train-start').click();
  const chart = page.getByTestId('train-loss-chart');
  await expect.poll(async () => Number(await chart.getAttribute('data-points-b')), { timeout: 180_000, message: 'model B takes steps' }).toBeGreaterThanOrEqual(3);
  await page.getByTestId('train-stop').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'stopped');

  await expect(chart).toHaveAttribute('data-runs', 'a,b');
  await expect(chart.locator('[data-series="loss-b"] path')).toHaveAttribute('stroke-dasharray', '5 3');
  await expect(chart.locator('[data-series="accuracy-b"]')).toHaveCount(1);
  const [a, b] = [numbers(await chart.getAttribute('data-loss')), numbers(await chart.getAttribute('data-loss-b'))];
  expect(b).toHaveLength(Number(await chart.getAttribute('data-points-b')));
  // Each model's first losses are its own, trained in Node by the same recipe.
  const [nodeA, nodeB] = await reference;
  for (let i = 0; i < 3; i++) {
    expect(Math.abs(a[i]! - nodeA.losses[i]!), `A, step ${i + 1}`).toBeLessThan(1e-3);
    expect(Math.abs(b[i]! - nodeB.losses[i]!), `B, step ${i + 1}`).toBeLessThan(1e-3);
  }
});
