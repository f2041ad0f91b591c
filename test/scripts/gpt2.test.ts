// The GPT-2-small ratio benchmark's pieces that run without a browser: its text and tokens, the
// Node timing on an exported file, and the docs section it renders.
import { describe, expect, it } from 'vitest';
import { benchText, benchTokens, gpt2Markdown, spliceGpt2Section, T, timeNode, type Gpt2Result } from '../../scripts/bench/gpt2';
import { compile } from '../../src/compiler/compile';
import { toOnnxBytes } from '../../src/graph/onnx';
import { defaultSpec } from '../../src/spec/defaults';
import { tokenize } from '../../src/spec/vocab';

describe('the gpt2 benchmark', () => {
  it('types exactly 256 characters whose tokens under the page\'s vocabulary are the ones it feeds Node', () => {
    expect(T).toBe(256);
    const text = benchText();
    expect(Array.from(text)).toHaveLength(256);
    const t = tokenize(text, 256);
    expect(t.unknown).toEqual([]);
    expect(t.truncatedFrom).toBeNull();
    expect(t.ids).toEqual(benchTokens());
    // The latency sweep's filler tokens (workers/latency.ts): the printable characters in turn.
    expect(benchTokens().slice(0, 3)).toEqual([2, 3, 4]);
    expect(benchTokens()[95]).toBe(2);
  });

  it('times an exported file in onnxruntime-node: warm-up, then the runs asked for', async () => {
    const tokens = benchTokens(8);
    const bytes = toOnnxBytes(compile(defaultSpec(), { T: tokens.length, mode: 'fast' }));
    const r = await timeNode(bytes, tokens, 1, 3);
    expect([r.input, r.outputs, r.threads]).toEqual(['tokens', ['logits'], 1]);
    expect(r.samplesMs).toHaveLength(3);
    expect(r.minMs).toBe(Math.min(...r.samplesMs));
    expect(r.medianMs).toBeGreaterThanOrEqual(r.minMs);
    expect(r.logitsHead.every(Number.isFinite)).toBe(true);
  });

  it('renders its docs section and puts it in place of the old one, or at the end', () => {
    const pass = (minMs: number, medianMs: number, busy: number) => ({ minMs, medianMs, quietBefore: { busy, waitedMs: 0, loadavg: [] } });
    const result = {
      date: '2026-11-22T23:10:00.000Z',
      machine: { cpus: 2, model: 'Test CPU', browser: 'Chromium 1', node: 'v20' },
      T: 256,
      threads: 2,
      runs: 7,
      passes: 2,
      pageMs: 800,
      nodeMs: 200,
      ratio: 4,
      pageMedianMs: 850,
      nodeMedianMs: 210,
      passRatios: [4, 4.2],
      target: 2,
      met: false,
      fileBytes: 341_413_635,
      params: 85_327_104,
      flops: 46_115_192_832,
      page: { passes: [pass(800, 850, 0.05), pass(840, 860, 0.1)] },
      node: { runtime: 'onnxruntime-node 1.30.0, CPU EP', passes: [pass(200, 210, 0.02), pass(200, 205, 0.5)] },
      webInNode: { minMs: 850, medianMs: 880 },
    } as unknown as Gpt2Result;
    const body = gpt2Markdown([result]);
    expect(body.startsWith('<!-- gpt2:start -->')).toBe(true);
    expect(body.endsWith('<!-- gpt2:end -->')).toBe(true);
    expect(body).toContain('85.3 M parameters, 46.1 GFLOP per forward pass at T = 256');
    expect(body).toContain('| 2026-11-22 23:10 | 256 | 2 | 800 ms (median 850) | 200 ms (median 210) | 850 ms | **4.00** (passes: 4.00, 4.20) | 2–50% | missed |');
    const doc = '# Benchmarks\n\nbefore\n\n<!-- gpt2:start -->\nold\n<!-- gpt2:end -->\n\nafter\n';
    expect(spliceGpt2Section(doc, body)).toBe(`# Benchmarks\n\nbefore\n\n${body}\n\nafter\n`);
    expect(spliceGpt2Section('# Benchmarks\n', body)).toBe(`# Benchmarks\n\n## GPT-2 small in the page and in Node\n\n${body}\n`);
  });
});
