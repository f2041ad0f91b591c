/** The opened model's summary line and the refusal sentence as the page shows them (src/ui/opened). */
import { describe, expect, it } from 'vitest';
import { siteHeads, summary } from '../../../src/ui/opened/describe';
import { refusalText } from '../../../src/ui/opened/openFile';
import type { AttentionSite, OpenedInfo } from '../../../src/opened/types';

const site = (layer: number, heads: number | null): AttentionSite => ({ layer, softmax: `sm${layer}`, output: `p${layer}`, scores: `qk${layer}`, values: `av${layer}`, heads });
const info = (attention: AttentionSite[], fused: OpenedInfo['fused'] = []): OpenedInfo => ({
  fileName: 'm.onnx', fileBytes: 1, irVersion: 8, opset: 17, producer: '', inputs: [], outputs: [], attention, fused, vocabSize: null, logits: null, logitsAreProbabilities: false, weightBytes: 0, nodes: 1,
});
const facts = (layers: [string, number][], notDrawn: string[] = []) => ({ fileName: 'm.onnx', layers: layers.map(([softmax, heads]) => ({ softmax, heads })), notDrawn, textFed: true, paddedTo: null });

describe('summary of an opened model', () => {
  it('says layers and heads each when they agree', () => {
    expect(summary(info([site(0, 4), site(1, 4)]), null)).toBe('2 attention layers, 4 heads each');
    expect(summary(info([site(0, 1)]), null)).toBe('1 attention layer, 1 head each');
  });
  it('lists heads per layer when they differ, and waits for a run when the graph does not fix them', () => {
    expect(summary(info([site(0, 4), site(1, 8)]), null)).toBe('2 attention layers, heads 4, 8');
    expect(summary(info([site(0, null), site(1, 4)]), null)).toBe('2 attention layers, heads known after the first run');
    expect(summary(info([site(0, null), site(1, 4)]), facts([['sm0', 2], ['sm1', 4]]))).toBe('2 attention layers, heads 2, 4');
  });
  it('keeps the heads of layers the run did not draw', () => {
    expect(siteHeads(info([site(0, null), site(1, 6)]), facts([['sm0', 6]], ['sm1 (3 queries × 5 keys)']))).toEqual([6, 6]);
  });
  it('names fused nodes when no Softmax was found', () => {
    expect(summary(info([], [{ node: 'a', opType: 'Attention', domain: 'com.microsoft', why: '…' }]), null)).toBe('No attention Softmax found (1 fused attention node, not drawn)');
  });
});

describe('refusal sentences', () => {
  it('keep the store\'s words and end with a full stop', () => {
    expect(refusalText(new Error('garbage.onnx is not an ONNX model.'))).toBe('garbage.onnx is not an ONNX model.');
    expect(refusalText(new Error('there is no runtime to open the model with'))).toBe('there is no runtime to open the model with.');
  });
});
