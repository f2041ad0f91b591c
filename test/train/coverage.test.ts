// Every op that any block or preset emits, in any mode (inspect, fast, and the training graphs
// themselves), has a gradient rule or is one of the ops that carry none (comparisons, Floor, …).
// A new block that brings a new op fails here until the op gets a rule and its finite-difference
// case in rules.test.ts.
import { describe, expect, it } from 'vitest';
import { BLOCKS } from '../../src/blocks/registry';
import { compile } from '../../src/compiler/compile';
import { graphCost } from '../../src/graph/cost';
import type { Graph } from '../../src/graph/ir';
import { PRESETS } from '../../src/presets';
import type { Spec } from '../../src/spec/types';
import { NO_GRADIENT, RULES } from '../../src/train/rules';
import { gradGraph, trainGraph } from '../../src/train/step';
import { aloneSpec } from '../blocks/harness';
import { cpuOnly } from '../graph/gpuOps';
import { shrink } from './gradcheck';

const SMALL = { dModel: 16, nHeads: 2, maxLen: 16 };
const opsOf = (g: Graph) => new Set(g.nodes.map((n) => n.op));

function graphs(spec: Spec): Graph[] {
  const shape = { T: 8, batch: 2 };
  return [compile(spec, { T: 8, mode: 'inspect' }), compile(spec, { T: 8, mode: 'fast', batch: 2 }), gradGraph(spec, shape), trainGraph(spec, shape).graph];
}

const models: [string, Spec][] = [
  ...BLOCKS.filter((b) => !b.absent).map((b): [string, Spec] => [`${b.slot} ${b.kind}`, aloneSpec({ [b.slot]: { kind: b.kind, params: {} } }, SMALL)]),
  ...PRESETS.map((p): [string, Spec] => [`preset ${p.id}`, shrink(p.spec())]),
];

describe('every op has a gradient rule or carries no gradient', () => {
  it.each(models)('%s', (_name, spec) => {
    const missing = [...new Set(graphs(spec).flatMap((g) => [...opsOf(g)]))].filter((op) => !(op in RULES) && !NO_GRADIENT.has(op));
    expect(missing).toEqual([]);
  });
});

// The training graphs run on WebGPU as they are: every op of the backward pass and the optimiser
// has a GPU kernel in the installed onnxruntime-web (which is why the loss writes out its
// log-softmax: LogSoftmax has none).
describe('training graphs use only ops with a WebGPU kernel', () => {
  it.each(models)('%s', (_name, spec) => {
    const shape = { T: 8, batch: 2 };
    expect(cpuOnly([...opsOf(gradGraph(spec, shape)), ...opsOf(trainGraph(spec, shape).graph)])).toEqual([]);
  });
});

// The cost model counts training graphs too; a step costs a few forward passes (the backward pass
// about two, the optimiser a little more), every op of it in a forward or a backward ("grad") scope.
describe('the cost of a training step', () => {
  it.each(models.filter(([name]) => name.startsWith('preset')))('%s', (_name, spec) => {
    const shape = { T: 8, batch: 2 };
    const train = trainGraph(spec, shape).graph;
    const ratio = graphCost(train).total.flops / graphCost(compile(spec, { T: 8, mode: 'fast', batch: 2 })).total.flops;
    expect(ratio).toBeGreaterThan(2.5);
    expect(ratio).toBeLessThan(6);
    const first = train.nodes.findIndex((n) => n.scope.startsWith('grad'));
    const unscoped = train.nodes.slice(first).filter((n) => !/^(grad|optimizer|loss|probes)/.test(n.scope) && n.op !== 'Identity');
    expect(unscoped.map((n) => `${n.op} in "${n.scope}"`)).toEqual([]);
  });
});
