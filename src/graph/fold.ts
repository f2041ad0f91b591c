/**
 * Folding a per-feature affine map into the linear layers that read it (BatchNorm at inference).
 *
 * A block marks y = x ⊙ s + t (builder.affine; s, t [d] computed from weights only). When every
 * reader of y is a MatMul y·W with W [d, out] computed from weights only, each reader becomes
 *
 *   y W = (x ⊙ s + t) W = x (diag(s) W) + t W,   W' = s[:, None] ⊙ W,  c = t W  [out],
 *
 * and the affine map's own nodes go. W' and c depend on weights only: onnxruntime folds them into
 * constants when it loads a graph whose weights are initialisers, so at run time the norm costs
 * nothing (SLAB merges its BatchNorm into the next linear layer the same way). An affine map read
 * by anything else (a residual addition, a probe) is left as it is.
 */
import type { Graph, OpNode, Tensor } from './ir';

/** Names of the tensors that depend on the runtime inputs (tokens, step). */
function dynamicTensors(graph: Graph): Set<string> {
  const weightInputs = new Set(graph.initializers.map((i) => i.tensor.name));
  const dynamic = new Set(graph.inputs.filter((t) => t.name === 'tokens' || t.name === 'step').map((t) => t.name));
  for (const n of graph.nodes) if (n.inputs.some((t) => dynamic.has(t.name) && !weightInputs.has(t.name))) n.outputs.forEach((t) => dynamic.add(t.name));
  return dynamic;
}

export function foldAffines(graph: Graph): Graph {
  if (!graph.affines?.length) return graph;
  const dynamic = dynamicTensors(graph);
  const outputs = new Set(graph.outputs.map((t) => t.name));
  let nodes = [...graph.nodes];
  const inits = [...graph.initializers];
  let counter = 0;
  const fresh = (hint: string) => `fold_${hint}_${counter++}`;
  const tensorByName = new Map<string, Tensor>();
  for (const n of nodes) for (const t of [...n.inputs, ...n.outputs]) tensorByName.set(t.name, t);

  for (const a of graph.affines) {
    const readers = nodes.filter((n) => n.inputs.some((t) => t.name === a.y));
    const foldable =
      !outputs.has(a.y) &&
      readers.length > 0 &&
      readers.every((n) => n.op === 'MatMul' && n.inputs[0]!.name === a.y && n.inputs[1]!.shape.length === 2 && !dynamic.has(n.inputs[1]!.name));
    if (!foldable) continue;
    const x = tensorByName.get(a.x)!;
    const scale = tensorByName.get(a.scale)!;
    const shift = tensorByName.get(a.shift)!;
    const d = scale.shape[0]!;
    const shapeConst = (dims: number[]): Tensor => {
      const t: Tensor = { name: fresh('shape'), dtype: 'int64', shape: [dims.length] };
      inits.push({ tensor: t, data: BigInt64Array.from(dims.map(BigInt)), init: { kind: 'data' }, trainable: false, scope: 'fold' });
      return t;
    };
    const replaced = new Map<OpNode, OpNode[]>();
    for (const r of readers) {
      const w = r.inputs[1]!;
      const out = w.shape[1]!;
      const scope = r.scope;
      const t = (hint: string, shape: number[]): Tensor => ({ name: fresh(hint), dtype: 'float32', shape });
      const column = t('scale_column', [d, 1]);
      const wFolded = t('weight', [d, out]);
      const row = t('shift_row', [1, d]);
      const cRow = t('shift_through', [1, out]);
      const c = t('shift_bias', [out]);
      const product = t('matmul', [...x.shape.slice(0, -1), out]);
      const node = (op: string, inputs: Tensor[], output: Tensor): OpNode => ({ op, inputs, outputs: [output], attrs: {}, scope });
      replaced.set(r, [
        node('Reshape', [scale, shapeConst([d, 1])], column),
        node('Mul', [column, w], wFolded), // diag(s) W
        node('Reshape', [shift, shapeConst([1, d])], row),
        node('MatMul', [row, w], cRow), // t W
        node('Reshape', [cRow, shapeConst([out])], c),
        node('MatMul', [x, wFolded], product),
        node('Add', [product, c], r.outputs[0]!), // under the reader's output name
      ]);
    }
    nodes = nodes.flatMap((n) => replaced.get(n) ?? [n]);
    // The affine map's own nodes (Mul, Add) are read by nothing now.
    const add = nodes.find((n) => n.outputs[0]!.name === a.y)!;
    const mulOut = add.inputs[0]!.name;
    const mulRead = nodes.some((n) => n !== add && n.inputs.some((t) => t.name === mulOut));
    nodes = nodes.filter((n) => n !== add && (mulRead || n.outputs[0]!.name !== mulOut));
  }
  return { ...graph, nodes, initializers: inits };
}
