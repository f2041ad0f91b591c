// Every norm, feed-forward and topology runs per token, so the decode graph (T = 1 around the
// mixers) must give the forward pass's logits with each of them: checked here, two layers deep so
// topologies that carry state between layers (ladder, reversible) are exercised.
import { describe, it } from 'vitest';
import { BLOCKS } from '../../src/blocks/registry';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import type { Spec } from '../../src/spec/types';
import { expectDecodeMatchesForward } from './harness';

const TOKENS = [5, 17, 3, 30, 8, 8, 22];

describe('the decode graph with every norm, feed-forward and topology', () => {
  const kinds = BLOCKS.filter((b) => (b.slot === 'norm' || b.slot === 'ffn' || b.slot === 'topology') && !b.absent);
  it.each(kinds.map((b) => [b.slot, b.kind] as const))('%s %s', async (slot, kind) => {
    const layer = { ...defaultLayer(), [slot]: { kind, params: {} } };
    const spec: Spec = { ...defaultSpec(), dModel: 16, nHeads: 2, maxLen: 16, layers: [layer, layer] };
    await expectDecodeMatchesForward(spec, TOKENS);
  }, 120_000);
});
