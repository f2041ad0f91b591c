// Every graph the playground builds uses only ops that onnxruntime-web's WebGPU provider runs on
// the GPU, per the operator table shipped with the installed onnxruntime-web (so an upgrade that
// drops a kernel fails here). Reshape (metadata only) and Identity (graph outputs) are the allowed
// exceptions.
import { describe, expect, it } from 'vitest';
import { BLOCKS, findBlock } from '../../src/blocks/registry';
import { compile, SpecError } from '../../src/compiler/compile';
import { PRESETS } from '../../src/presets';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import type { Spec } from '../../src/spec/types';
import { cpuOnly, GPU_OPS } from './gpuOps';


/** The graphs of a spec: inspect and fast, and its decode graph when it has one (a mixer without a token-by-token form refuses). */
function graphsOf(spec: Spec, T: number) {
  const graphs = [compile(spec, { T, mode: 'inspect' }), compile(spec, { T, mode: 'fast' })];
  try {
    graphs.push(compile(spec, { T, mode: 'decode', rows: true, evict: true }));
  } catch (e) {
    if (!(e instanceof SpecError) || !/cannot decode token by token/.test(e.message)) throw e;
  }
  return graphs;
}

function opsOf(spec: Spec): Set<string> {
  const ops = new Set<string>();
  for (const g of graphsOf(spec, 20)) for (const n of g.nodes) ops.add(n.op);
  return ops;
}

/**
 * Concats with more inputs than a WebGPU shader may bind storage buffers (8 per stage by default,
 * one of them the output): onnxruntime-web's WebGPU Concat then fails the whole run, and every
 * output reads as zeros (ProbSparse's ranking did this on SwiftShader at T = 11). The builder
 * splits wider ones into a tree (GraphBuilder.concat); checked at T = 11 and 64, in every mode (decode: capacity T).
 */
function wideConcats(spec: Spec): string[] {
  const out: string[] = [];
  for (const T of [11, 64].filter((t) => t <= spec.maxLen))
    for (const g of graphsOf(spec, T))
      for (const n of g.nodes) if (n.op === 'Concat' && n.inputs.length > 7) out.push(`${g.name} T = ${T}: ${n.scope} concatenates ${n.inputs.length}`);
  return out;
}


describe('WebGPU op coverage', () => {
  it('reads the operator table of the installed onnxruntime-web', () => {
    expect(GPU_OPS.has('MatMul')).toBe(true);
    expect(GPU_OPS.has('Softmax')).toBe(true);
    expect(GPU_OPS.has('TopK')).toBe(false); // why MoE ranks experts with comparisons
  });

  it.each(PRESETS.map((p) => [p.id, p] as const))('preset %s uses only GPU ops', (_id, preset) => {
    expect(cpuOnly(opsOf(preset.spec()))).toEqual([]);
    expect(wideConcats(preset.spec())).toEqual([]);
  });

  it.each(BLOCKS.filter((b) => b.slot === 'mixer' || b.slot === 'ffn' || b.slot === 'position').map((b) => [b.slot, b.kind] as const))('%s %s uses only GPU ops', (slot, kind) => {
    const layer = slot === 'position' ? defaultLayer() : { ...defaultLayer(), [slot]: { kind, params: {} } };
    // A mixer that copies an earlier layer's map (EchoAtt) needs that layer before it.
    const before = slot === 'mixer' && findBlock('mixer', kind)?.copiesMap ? [defaultLayer()] : [];
    const spec: Spec = { ...defaultSpec(), ...(slot === 'position' ? { position: { kind, params: {} } } : {}), layers: [...before, layer] };
    expect(cpuOnly(opsOf(spec))).toEqual([]);
    expect(wideConcats(spec)).toEqual([]);
  });
});
