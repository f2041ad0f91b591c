/**
 * Memory an analysis of an opened model needs, counted before it runs (docs/using.md, "Open your
 * own model"): the file twice (as given and tapped, both held by the worker), its weights in two
 * sessions (the maps' and latency's), and the probes read back (each attention's [H, T, T]
 * probabilities and the logits, in the runtime and again in JavaScript). Heads the graph does not
 * fix count as one until a run tells. Activations inside the model are not counted: the budget
 * (src/compiler/budget.ts) keeps half of the 4 GiB WebAssembly heap for them.
 */
import type { OpenedInfo } from './types';

export interface OpenedMemory {
  files: number;
  weights: number;
  probes: number;
  logits: number;
  total: number;
}

/** The memory of an analysis of `info` at T tokens, `heads` per attention site (null: not known yet). */
export function openedMemory(info: OpenedInfo, T: number, heads: readonly (number | null)[] = info.attention.map((s) => s.heads)): OpenedMemory {
  const files = 2 * info.fileBytes;
  const weights = 2 * info.weightBytes;
  const probes = 2 * 4 * T * T * heads.reduce<number>((n, h) => n + (h ?? 1), 0);
  const logits = info.logits && info.vocabSize ? 2 * 4 * T * info.vocabSize : 0;
  return { files, weights, probes, logits, total: files + weights + probes + logits };
}
