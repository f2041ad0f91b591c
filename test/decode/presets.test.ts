// Every preset, shrunk, decodes token by token to the forward pass's logits (topologies, loops,
// feed-forwards and norms around the mixers included); a preset that cannot decode says why.
import { describe, expect, it } from 'vitest';
import { compile, SpecError } from '../../src/compiler/compile';
import { PRESETS } from '../../src/presets';
import { shrink } from '../train/gradcheck';
import { expectDecodeMatchesForward } from './harness';

const TOKENS = [5, 17, 3, 30, 8, 8, 22];

describe('the decode graph of every preset equals the forward pass', () => {
  it.each(PRESETS.map((p) => [p.id, p] as const))('%s', async (_id, preset) => {
    const spec = shrink(preset.spec());
    let refusal: string | null = null;
    try {
      compile(spec, { T: TOKENS.length, mode: 'decode' });
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      refusal = e.message;
    }
    if (refusal !== null) {
      // Only a mixer without a token-by-token form refuses, and the message says which and why.
      expect(refusal).toMatch(/cannot decode token by token: .{20,}/);
      return;
    }
    await expectDecodeMatchesForward(spec, TOKENS);
  }, 300_000);
});
