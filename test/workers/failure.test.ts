import { describe, expect, it } from 'vitest';
import { classifyFailure, RuntimeBroken } from '../../workers/failure';
import { BudgetError, modelStats } from '../../src/compiler/stats';
import { Superseded } from '../../workers/analyse';
import { defaultSpec } from '../../src/spec/defaults';

describe('what a failure means for its worker', () => {
  it('takes the shapes onnxruntime-web reports a failed allocation or an abort in as a broken runtime', () => {
    // Messages as reported in onnxruntime-web's issue tracker (microsoft/onnxruntime #17964, #10957, #13445, #21355).
    for (const e of [
      new Error('2097581304'),
      1991937888,
      new Error('RuntimeError: abort(undefined). Build with -s ASSERTIONS=1 for more info.'),
      new Error('Aborted(). Build with -sASSERTIONS for more info.'),
      new Error('RuntimeError: unreachable'),
      new RangeError('Array buffer allocation failed'),
      new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded'),
      new Error('RuntimeError: memory access out of bounds'),
      new Error('WebGPU device error(2): Out of memory'),
    ])
      expect(classifyFailure(e), String(e)).toBe('broken');
  });

  it('leaves the worker alone for expected refusals and ordinary errors', () => {
    expect(classifyFailure(new Superseded(3))).toBe('expected');
    expect(classifyFailure(new BudgetError(modelStats(defaultSpec(), 8)))).toBe('expected');
    expect(classifyFailure(Object.assign(new Error('nHeads: must divide dModel'), { name: 'SpecError' }))).toBe('expected');
    expect(classifyFailure(new Error("Failed to find kernel for CumSum(14) (node: 'c')"))).toBe('error');
    expect(classifyFailure(new Error('input tokens has wrong dimension'))).toBe('error');
  });

  it('says what happened and what to do', () => {
    const e = new RuntimeBroken(new Error('Aborted()'));
    expect(e.name).toBe('RuntimeBroken');
    expect(e.message).toBe('The runtime ran out of memory or stopped while running this model (onnxruntime-web said: Aborted()). Its worker was restarted; a shorter text or a smaller model needs less memory.');
  });
});
