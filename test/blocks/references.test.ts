// Every block the compiler can place has a float64 reference, declared in a test/blocks/*.ref.ts
// file beside its test (test/reference/forward64.ts finds them there), and no reference names a
// block that is not registered.
import { describe, expect, it } from 'vitest';
import { BLOCKS, findBlock } from '../../src/blocks/registry';
import type { Slot } from '../../src/blocks/define';
import { REFERENCES } from '../reference/forward64';

// Topologies are composed by the forward pass itself; an absent block ("none") is never run.
const referenced = BLOCKS.filter((b) => !b.absent && b.slot !== 'topology');

describe('float64 references', () => {
  it.each(referenced.map((b) => [b.slot, b.kind] as const))('the %s block %s has one', (slot, kind) => {
    expect(REFERENCES[slot as Exclude<Slot, 'topology'>][kind], `declare it in test/blocks/*.ref.ts: references.${slot}.${kind}`).toBeDefined();
  });

  it('name only registered blocks', () => {
    for (const [slot, table] of Object.entries(REFERENCES)) for (const kind of Object.keys(table)) expect(findBlock(slot as Slot, kind), `${slot} ${kind}`).toBeDefined();
  });
});
