/**
 * The trained-model file: an inference graph (inspect or fast) with a training run's weights
 * baked in as initialisers (bake.ts), and in its metadata_props what it takes to import it back:
 * the spec (JSON), the recipe it was trained by (JSON) and the step. `trainedOnnx` writes it (the
 * worker, for "Export trained ONNX"); `readTrainedFile` reads one back (the page, for import) and
 * refuses with one line of reason a file that is not ONNX, not the playground's, whose spec fails
 * the schema, or whose weights do not fit the spec's architecture.
 *
 * The weights are the trainable ones by their names in docs/weights.md, with the shapes a graph
 * compiled with weights as inputs takes (the same list a training job holds).
 */
import * as onnxProto from 'onnx-proto';
import type { CompileOptions } from '../compiler/compile';
import { compile } from '../compiler/compile';
import { toOnnxBytes } from '../graph/onnx';
import { parseSpec } from '../spec/schema';
import { readRecipe } from '../spec/share';
import type { Spec } from '../spec/types';
import { bakeWeights } from './bake';
import type { Recipe } from './run';
import { findTask } from './tasks/registry';

// onnx-proto is CommonJS: bundlers expose its exports by name, Node's ESM loader only as `default`.
const { onnx } = (onnxProto as unknown as { default?: typeof onnxProto }).default ?? onnxProto;

/** metadata_props keys of a trained-model file. */
export const TRAINED_META = { kind: 'playground.kind', spec: 'playground.spec', recipe: 'playground.recipe', step: 'playground.step' } as const;
/** The value of `playground.kind` in a trained-model file. */
export const TRAINED_KIND = 'trained-model/1';
/** Largest trained-model file read (bytes): a model at the memory budget's limit is far smaller. */
export const MAX_TRAINED_FILE = 512 * 1024 * 1024;

/** Weights by name, as a graph with weights as inputs takes them (workers/api.ts TrainedWeights.weights). */
export type NamedWeights = { name: string; dims: number[]; data: Float32Array }[];

/** The trainable weights of `spec`'s model: name → shape (what a training job holds). */
export function weightShapes(spec: Spec): Map<string, readonly number[]> {
  const graph = compile(spec, { T: Math.min(spec.maxLen, 8), mode: 'inspect', weights: 'inputs' });
  return new Map(graph.inputs.filter((t) => t.name !== 'tokens').map((t) => [t.name, t.shape]));
}

/** Why `weights` do not fit `spec`'s architecture (one line), or null when they do: every weight, no other, each of its shape. */
export function weightsMismatch(spec: Spec, weights: NamedWeights): string | null {
  const want = weightShapes(spec);
  const got = new Map(weights.map((w) => [w.name, w]));
  for (const [name, shape] of want) {
    const w = got.get(name);
    if (!w) return `the weight ${name} is missing`;
    const n = shape.reduce((a, b) => a * b, 1);
    if (w.dims.join(',') !== shape.join(',') || w.data.length !== n) return `the weight ${name} is [${w.dims.join(', ')}] with ${w.data.length} values; the model's is [${shape.join(', ')}]`;
  }
  const extra = weights.find((w) => !want.has(w.name));
  return extra ? `the weight ${extra.name} is not one of this model's` : null;
}

/** The ONNX bytes of `spec`'s graph at `opts` with `weights` baked in, carrying spec, recipe and step in its metadata. */
export function trainedOnnx(spec: Spec, recipe: Recipe, step: number, weights: NamedWeights, opts: Pick<CompileOptions, 'T' | 'mode'>): Uint8Array {
  const graph = bakeWeights(spec, { ...opts, batch: 1 }, new Map(weights.map((w) => [w.name, w.data])));
  return toOnnxBytes(graph, {
    docString: `Transformer Playground: ${spec.name}, trained ${step} steps of ${recipe.task} (${opts.mode}, T = ${opts.T}). Import it back in the Training panel.`,
    metadata: {
      [TRAINED_META.kind]: TRAINED_KIND,
      [TRAINED_META.spec]: JSON.stringify(spec),
      [TRAINED_META.recipe]: JSON.stringify(recipe),
      [TRAINED_META.step]: String(step),
    },
  });
}

export type TrainedFile = { ok: true; spec: Spec; recipe: Recipe; step: number; weights: NamedWeights } | { ok: false; reason: string };

const refuse = (reason: string): TrainedFile => ({ ok: false, reason });

/** A trained-model file's spec, recipe, step and weights, or why it is refused. Never throws. */
export function readTrainedFile(bytes: Uint8Array): TrainedFile {
  if (bytes.length > MAX_TRAINED_FILE) return refuse(`it is ${bytes.length} bytes, more than any model the playground trains (at most ${MAX_TRAINED_FILE})`);
  let model: ReturnType<typeof onnx.ModelProto.decode>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    return refuse(`it is not an ONNX file, or it is damaged (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!model.graph) return refuse('it is not an ONNX model (it holds no graph)');
  const meta = new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  if (meta.get(TRAINED_META.kind) !== TRAINED_KIND || !meta.has(TRAINED_META.spec)) {
    return refuse('it is not a trained model exported from Transformer Playground (its metadata holds no spec and recipe; export one with "Export trained ONNX")');
  }
  const json = (key: string): { ok: true; value: unknown } | { ok: false } => {
    try {
      return { ok: true, value: JSON.parse(meta.get(key) ?? '') };
    } catch {
      return { ok: false };
    }
  };
  const rawSpec = json(TRAINED_META.spec);
  if (!rawSpec.ok) return refuse('its spec is not valid JSON (the file was altered)');
  const spec = parseSpec(rawSpec.value);
  if (!spec.ok) return refuse(`its spec is not valid: ${spec.errors.slice(0, 3).join('; ')}`);
  const rawRecipe = json(TRAINED_META.recipe);
  if (!rawRecipe.ok) return refuse('its recipe is not valid JSON (the file was altered)');
  const recipe = readRecipe(rawRecipe.value);
  if (!recipe.ok) return refuse(`its recipe is not valid: ${recipe.errors.slice(0, 3).join('; ')}`);
  const task = findTask(recipe.recipe.task);
  if (!task) return refuse(`its recipe's task "${recipe.recipe.task}" is not one of this version's`);
  const step = Number(meta.get(TRAINED_META.step));
  if (!Number.isInteger(step) || step < 0) return refuse(`its step "${meta.get(TRAINED_META.step) ?? ''}" is not a whole number`);

  // The weights: the spec's trainable weights, read from the initialisers of the same names.
  let shapes: Map<string, readonly number[]>;
  try {
    shapes = weightShapes(spec.spec);
  } catch (e) {
    return refuse(`its spec does not compile (${e instanceof Error ? e.message : String(e)})`);
  }
  const inits = new Map((model.graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const weights: NamedWeights = [];
  for (const [name, shape] of shapes) {
    const t = inits.get(name);
    if (!t) return refuse(`its weights do not match its spec: the weight ${name} is missing`);
    const dims = (t.dims ?? []).map(Number);
    const n = shape.reduce((a, b) => a * b, 1);
    const raw = t.rawData;
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT || dims.join(',') !== shape.join(',') || !raw || raw.length !== 4 * n) {
      return refuse(`its weights do not match its spec: ${name} is [${dims.join(', ')}], the spec's model has [${shape.join(', ')}]`);
    }
    const data = new Float32Array(n);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < n; i++) data[i] = view.getFloat32(4 * i, true);
    weights.push({ name, dims: [...shape], data });
  }
  return { ok: true, spec: spec.spec, recipe: recipe.recipe, step, weights };
}
