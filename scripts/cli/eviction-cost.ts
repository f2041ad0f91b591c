/**
 * The exact effect of KV-cache eviction measured from the command line (the numbers of
 * docs/decoding.md, "The exact effect of eviction"): the default model (seed 1, untrained) on the
 * default text, and a small model trained on a task, each decoded with every policy at a few
 * budgets (workers/evictionCost.ts, on onnxruntime-node's CPU kernels).
 *
 *   npx tsx scripts/cli/eviction-cost.ts [--steps 600] [--examples 32]
 */
import * as ort from 'onnxruntime-node';
import { POLICIES } from '../../src/analysis/eviction/registry';
import { DEFAULT_TEXT, defaultLayer, defaultSpec } from '../../src/spec/defaults';
import type { Spec } from '../../src/spec/types';
import { tokenize } from '../../src/spec/vocab';
import { recipe, train } from '../../src/train/run';
import type { OrtLike } from '../../src/train/trainer';
import { heldOutExamples, runEvictionCost } from '../../workers/evictionCost';
import type { EvictionCostResult } from '../../workers/api';
import { nodeModel } from './nodeModel';
import { runMain } from './runtimes';


function table(r: EvictionCostResult, title: string): string {
  const budgets = [...new Set(r.cells.map((c) => c.budget))];
  const lines = [`${title} (T = ${r.T}, weights ${r.weights}, runs masked ${r.evictedRuns.join(', ')})`, '', `| policy | ${budgets.map((b) => `B = ${b}`).join(' | ')} |`, `|---|${budgets.map(() => '---').join('|')}|`];
  for (const p of POLICIES) {
    const cells = budgets.map((b) => r.cells.find((c) => c.kind === p.kind && c.budget === b)!);
    lines.push(`| ${p.label} | ${cells.map((c) => `${c.meanKl.toFixed(4)} (${Math.round(c.flipped * 100)}%)${c.accuracy !== undefined ? ` · ${(c.accuracy * 100).toFixed(1)}%` : ''}`).join(' | ')} |`);
  }
  if (r.accuracy) lines.push('', `full cache: ${(r.accuracy.full * 100).toFixed(1)}% on ${r.accuracy.examples} held-out examples of ${r.accuracy.task}`);
  return lines.join('\n');
}

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

runMain(async () => {
  const steps = arg('steps', 600);
  const examples = arg('examples', 32);
  const spec = defaultSpec();
  const ids = tokenize(DEFAULT_TEXT, spec.maxLen).ids;
  const T = ids.length;
  const untrained = await runEvictionCost(nodeModel, { id: 1, spec, tokens: ids, budgets: [Math.round(T / 8), Math.round(T / 4), Math.round(T / 2)] });
  console.log(table(untrained, `Default model, default text "${DEFAULT_TEXT}"`));

  // A copy task: the second half reads back, one by one, keys from the first half.
  const small: Spec = { ...spec, name: 'copy', dModel: 64, nHeads: 4, maxLen: 32, position: { kind: 'rope', params: {} }, layers: [defaultLayer(), defaultLayer()] };
  const r = recipe({ task: 'copy', taskParams: { minLen: 6, maxLen: 10, alphabet: 16 }, T: 22, batch: 32, steps, lr: 3e-3, evalEvery: steps });
  const started = Date.now();
  const run = await train(ort as unknown as OrtLike, { ...small, seed: r.seed }, r, { trainer: { providers: ['cpu'] } });
  const weights = [...(await run.trainer.weights())].map(([name, data]) => ({ name, dims: [data.length], data: Float32Array.from(data) }));
  const last = run.evaluations[run.evaluations.length - 1];
  await run.trainer.release();
  console.log(`\ntrained ${steps} steps in ${((Date.now() - started) / 1000).toFixed(0)} s; held-out accuracy ${last ? (last.accuracy * 100).toFixed(1) : '?'}%`);
  const text = heldOutExamples(r, 1)[0]!.tokens.slice();
  const trained = await runEvictionCost(nodeModel, { id: 2, spec: { ...small, seed: r.seed }, tokens: text, budgets: [4, 8, 12, 16], examples }, undefined, undefined, {
    inputs: { key: `trained copy step ${steps}`, weights },
    recipe: r,
  });
  console.log(table(trained, '\nCopy-trained model, on its first held-out example'));
  // StreamingLLM with its own numbering: kept keys at their ranks in the cache (RoPE sees them).
  const ranked = await runEvictionCost(nodeModel, { id: 3, spec: { ...small, seed: r.seed }, tokens: text, budgets: [4, 8, 12, 16], examples, policies: ['streaming_llm'], cachePositions: true }, undefined, undefined, {
    inputs: { key: `trained copy step ${steps}`, weights },
    recipe: r,
  });
  console.log(`\nStreamingLLM, positions within the cache: ${ranked.cells.map((c) => `B = ${c.budget}: ${c.meanKl.toFixed(4)} (${Math.round(c.flipped * 100)}%) · ${((c.accuracy ?? 0) * 100).toFixed(1)}%`).join('; ')}`);
});
