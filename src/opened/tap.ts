/**
 * Probes for an opened model: a copy of its graph in which each attention site's Softmax output
 * also leaves the graph, cast to float32, as the output tap.attn.<layer>. The person's model is
 * left as it was (the page runs it untouched as the "fast" model); the copy shares the weights'
 * bytes with it and adds only the Cast nodes and outputs.
 */
import { onnx, type P } from './onnxGraph';
import type { AttentionSite } from './types';

export const TAP_PREFIX = 'tap.attn.';

/** The output a site's probabilities are tapped into (unless the model already has a tensor of that name: see tapNames). */
export const tapName = (layer: number): string => `${TAP_PREFIX}${layer}`;

/** Every tensor and node name the graph uses. */
function namesIn(graph: P.IGraphProto): Set<string> {
  const names = new Set<string>();
  for (const v of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? []), ...(graph.initializer ?? [])]) if (v.name) names.add(v.name);
  for (const n of graph.node ?? []) {
    if (n.name) names.add(n.name);
    for (const t of [...(n.input ?? []), ...(n.output ?? [])]) if (t) names.add(t);
  }
  return names;
}

/** The output name of each site's tap: tapName(layer), with a suffix _1, _2… where the model already uses it. */
export function tapNames(model: P.IModelProto, sites: readonly AttentionSite[]): string[] {
  const used = namesIn(model.graph ?? {});
  return sites.map((s) => {
    let name = tapName(s.layer);
    for (let k = 1; used.has(name) || used.has(`${name}.cast`); k++) name = `${tapName(s.layer)}_${k}`;
    used.add(name);
    used.add(`${name}.cast`);
    return name;
  });
}

/** The ONNX bytes of a copy of `model` with each site's probabilities as an extra float32 output (tapNames). `model` is not changed. */
export function tapModel(model: P.IModelProto, sites: readonly AttentionSite[]): Uint8Array {
  const graph = model.graph ?? {};
  const names = tapNames(model, sites);
  const casts: P.INodeProto[] = sites.map((s, k) => ({
    name: `${names[k]}.cast`,
    opType: 'Cast',
    domain: '',
    input: [s.output],
    output: [names[k]!],
    attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: onnx.TensorProto.DataType.FLOAT }],
  }));
  const outputs: P.IValueInfoProto[] = names.map((name) => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }));
  // A shallow copy: new node and output lists, the same initialisers (their bytes are only read by encode).
  const copy: P.IModelProto = { ...model, graph: { ...graph, node: [...(graph.node ?? []), ...casts], output: [...(graph.output ?? []), ...outputs] } };
  return onnx.ModelProto.encode(copy).finish();
}
