/**
 * Reading an ONNX model a person opened: decodes it, refuses with one sentence what the page
 * cannot run or feed (too large, not ONNX, an opset or operator domain onnxruntime-web does not
 * have, weights in separate files, inputs of types it cannot feed), and fills OpenedInfo: sizes,
 * opset, producer, inputs with their roles, outputs, the attention found (attention.ts), the
 * vocabulary size (the rows of the table the ids index), which output holds the logits, and the
 * weights' bytes. The file itself is not changed.
 */
import { defaultOpset, findAttention } from './attention';
import { assignRoles } from './inputs';
import { elemName, indexGraph, onnx, statedDims, tensorBytes, type GraphIndex, type P } from './onnxGraph';
import { OpenError, type FeedType, type OpenedInfo, type OpenedInput, type OpenedOutput } from './types';

/** Largest file opened (bytes): the page holds the model, its copy with probes, and onnxruntime's own copy in memory. */
export const MAX_FILE_BYTES = 512 * 1024 ** 2;

/**
 * Opsets of the default domain onnxruntime runs. Its documentation guarantees 7 and above. The
 * highest, 26, was measured, not read: onnxruntime-web 1.30.0 (and onnxruntime-node 1.30.0, the
 * same core) create a session of an Identity model stamped opset 26 and refuse opset 27 in
 * model_load_utils.h ValidateOpsetForDomain (test/opened/read.test.ts checks both against
 * onnxruntime-node, so an upgrade that moves the limit fails a test).
 */
export const MIN_OPSET = 7;
export const MAX_OPSET = 26;

/** Operator domains onnxruntime-web runs: ONNX's own, its ML ops, and onnxruntime's contrib ops. */
const DOMAINS = new Set(['', 'ai.onnx', 'com.microsoft', 'ai.onnx.ml', 'com.ms.internal.nhwc']);

const FEED_TYPES: Record<number, FeedType> = { 1: 'float32', 7: 'int64', 6: 'int32', 9: 'bool' };

/** Refuses a file over MAX_FILE_BYTES (before anything is decoded). */
export function checkSize(bytes: number, fileName: string): void {
  if (bytes > MAX_FILE_BYTES) {
    throw new OpenError(`${fileName} is ${Math.ceil(bytes / 1024 ** 2)} MB, more than the ${MAX_FILE_BYTES / 1024 ** 2} MB the page can hold; open a smaller model (fewer layers, or weights quantised to 8 bits).`);
  }
}

function decode(bytes: Uint8Array, fileName: string): P.ModelProto {
  const notOnnx = `${fileName} is not an ONNX model (it could not be read as one); open a .onnx file written by torch.onnx.export or onnx.save.`;
  let model: P.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch {
    throw new OpenError(notOnnx);
  }
  if (!model.graph || (model.graph.node ?? []).length === 0) throw new OpenError(notOnnx);
  return model;
}

/** Refuses an opset or operator domain onnxruntime cannot run, and weights stored outside the file. */
function checkRunnable(model: P.ModelProto, fileName: string): number {
  const opset = defaultOpset(model.opsetImport);
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new OpenError(`${fileName} uses ONNX opset ${opset}; onnxruntime-web runs opsets ${MIN_OPSET} to ${MAX_OPSET}, so convert it (onnx.version_converter.convert_version) or re-export it with an opset in that range.`);
  }
  const graph = model.graph!;
  const domains = [...(model.opsetImport ?? []).map((o) => o.domain ?? ''), ...(graph.node ?? []).map((n) => n.domain ?? '')];
  const unknown = domains.find((d) => !DOMAINS.has(d));
  if (unknown !== undefined) {
    const op = (graph.node ?? []).find((n) => (n.domain ?? '') === unknown)?.opType;
    throw new OpenError(`${fileName} uses operators of the domain ${unknown}${op ? ` (${op})` : ''}, which onnxruntime-web does not have; re-export it with standard ONNX operators.`);
  }
  const external = (graph.initializer ?? []).find((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData ?? []).length > 0);
  if (external) {
    throw new OpenError(`${fileName} keeps its weights in separate files (external data, such as ${external.name}); save it as one file with onnx.save(model, path, save_as_external_data=False) and open that.`);
  }
  return opset;
}

/** The inputs to feed (initialisers listed as inputs are weights, not inputs), refused where the page cannot feed one. */
function readInputs(graph: P.IGraphProto, fileName: string): OpenedInput[] {
  const weights = new Set((graph.initializer ?? []).map((t) => t.name));
  const raw = (graph.input ?? []).filter((v) => !weights.has(v.name)).map((v) => {
    const tensor = v.type?.tensorType;
    const dims = statedDims(v);
    const type = tensor ? FEED_TYPES[tensor.elemType ?? 0] : undefined;
    if (!tensor || !type) {
      const what = tensor ? `of type ${elemName(tensor.elemType)}` : 'that is not a tensor (a sequence or map)';
      throw new OpenError(`${fileName} has the input ${v.name} ${what}, which the page cannot feed (it feeds float32, int64, int32 and bool tensors); re-export it with inputs of those types.`);
    }
    if (!dims) throw new OpenError(`${fileName} does not say the rank of its input ${v.name}, so the page cannot feed it; re-export it with the input's shape (torch.onnx.export's dynamic_axes names the dynamic dims).`);
    return { name: v.name ?? '', type, dims };
  });
  const roles = assignRoles(raw);
  return raw.map((i, k) => ({ ...i, role: roles[k]! }));
}

/** Ops that carry token ids from the input to the embedding Gather unchanged. */
const ID_PATH = new Set(['Cast', 'Unsqueeze', 'Squeeze', 'Reshape', 'Identity', 'Flatten']);

/** Rows of the embedding table an ids input indexes: a Gather whose indices come (through ID_PATH ops) from it and whose table is a weight. */
function vocabOf(idx: GraphIndex, ids: string[]): number | null {
  const seen = new Set<string>();
  let frontier = [...ids];
  for (let depth = 0; depth < 6 && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const t of frontier) {
      if (seen.has(t)) continue;
      seen.add(t);
      for (const c of idx.consumers.get(t) ?? []) {
        const n = idx.nodes[c]!;
        const table = n.input?.[0] ?? '';
        if (n.opType === 'Gather' && n.input?.[1] === t && idx.constantDerived.has(table)) {
          const rows = idx.shapes.get(table)?.[0];
          if (typeof rows === 'number') return rows;
        } else if (ID_PATH.has(n.opType ?? '') && n.input?.[0] === t && n.output?.[0]) next.push(n.output[0]);
      }
    }
    frontier = next;
  }
  return null;
}

/** Whether `output` is made (through ops that keep values) by `op` within a few steps; each step goes to the first activation input. */
function madeBy(idx: GraphIndex, output: string, test: (n: P.INodeProto) => boolean, through: Set<string> | null): boolean {
  let t = output;
  for (let depth = 0; depth < 8; depth++) {
    const p = idx.producer.get(t);
    if (p === undefined) return false;
    const n = idx.nodes[p]!;
    if (test(n)) return true;
    if (through && !through.has(n.opType ?? '')) return false;
    const next = (n.input ?? []).find((x) => x && !idx.constantDerived.has(x));
    if (!next) return false;
    t = next;
  }
  return false;
}

const KEEP = new Set(['Reshape', 'Transpose', 'Identity']);
const FLOAT_TYPES = new Set(['float32', 'float16', 'float64', 'bfloat16']);

/** The logits output: last dim = vocabSize; else a rank-3 float output made by a projection onto vocabSize rows; for a model without ids, a rank-3 float output. */
function logitsOf(idx: GraphIndex, outputs: OpenedOutput[], vocabSize: number | null, hasIds: boolean): string | null {
  const floats = outputs.filter((o) => FLOAT_TYPES.has(o.type));
  if (vocabSize !== null) {
    const direct = floats.find((o) => o.dims.length === 3 && o.dims[2] === vocabSize);
    if (direct) return direct.name;
    const projects = (n: P.INodeProto): boolean =>
      (n.opType === 'MatMul' || n.opType === 'Gemm') && (n.input ?? []).some((x) => x && idx.constantDerived.has(x) && (idx.shapes.get(x) ?? []).includes(vocabSize));
    const traced = floats.find((o) => (o.dims.length === 3 || o.dims.length === 0) && madeBy(idx, o.name, projects, null));
    if (traced) return traced.name;
  }
  if (!hasIds) return floats.find((o) => o.dims.length === 3)?.name ?? null;
  return null;
}

/** Decodes and checks an opened file; what the page knows of it, and the decoded model (for tap.ts). */
export function readModel(bytes: Uint8Array, fileName: string): { info: OpenedInfo; model: P.ModelProto } {
  checkSize(bytes.length, fileName);
  const model = decode(bytes, fileName);
  const opset = checkRunnable(model, fileName);
  const graph = model.graph!;
  const inputs = readInputs(graph, fileName);
  const idx = indexGraph(graph);
  const outputs: OpenedOutput[] = (graph.output ?? []).map((v) => ({
    name: v.name ?? '',
    type: elemName(v.type?.tensorType?.elemType),
    dims: statedDims(v) ?? idx.shapes.get(v.name ?? '') ?? [],
  }));
  const { sites, fused } = findAttention(graph, opset);
  const ids = inputs.filter((i) => i.role === 'ids').map((i) => i.name);
  const vocabSize = vocabOf(idx, ids);
  const logits = logitsOf(idx, outputs, vocabSize, ids.length > 0);
  const constants = (graph.node ?? []).filter((n) => n.opType === 'Constant').flatMap((n) => (n.attribute ?? []).map((a) => a.t).filter((t): t is P.ITensorProto => !!t));
  return {
    model,
    info: {
      fileName,
      fileBytes: bytes.length,
      irVersion: Number(model.irVersion ?? 0),
      opset,
      producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim(),
      inputs,
      outputs,
      attention: sites,
      fused,
      vocabSize,
      logits,
      logitsAreProbabilities: logits !== null && madeBy(idx, logits, (n) => n.opType === 'Softmax', KEEP),
      weightBytes: [...(graph.initializer ?? []), ...constants].reduce((a, t) => a + tensorBytes(t), 0),
      nodes: (graph.node ?? []).length,
    },
  };
}
