/**
 * A property every block's parameters share: a value outside its declared range is refused by
 * validateSpec with a message naming the block, the parameter and the allowed range.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { describeAllowed, type ParamInfo } from '../../src/blocks/define';
import { BLOCKS } from '../../src/blocks/registry';
import { validateSpec } from '../../src/spec/schema';
import type { Spec } from '../../src/spec/types';

/** Values `info` does not allow: out of range or not whole for numbers, unknown names for enums. */
function badValue(info: ParamInfo): fc.Arbitrary<unknown> {
  switch (info.type) {
    case 'int': return fc.oneof(fc.integer({ min: info.max + 1, max: info.max + 100 }), fc.integer({ min: info.min - 100, max: info.min - 1 }), fc.constant(info.min + 0.5));
    case 'number': return fc.oneof(fc.constant(info.max * 2 + 1), fc.constant(info.min - 1));
    case 'enum': return fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !info.options.includes(s));
    case 'boolean': return fc.constant('yes');
  }
}

/** For any one parameter of `kind` (in `slot`) set to a bad value, `place` gives a spec that must be refused. */
export function expectRefusesOutOfRange(slot: string, kind: string, place: (params: Record<string, unknown>) => Spec, where = 'layers.0.ffn'): void {
  const block = BLOCKS.find((b) => b.slot === slot && b.kind === kind)!;
  const infos = Object.entries(block.paramInfo);
  if (!infos.length) return;
  const arb = fc.constantFrom(...infos).chain(([name, info]) => badValue(info).map((value) => ({ name, info, value })));
  fc.assert(
    fc.property(arb, ({ name, info, value }) => {
      const r = validateSpec(place({ [name]: value }));
      expect(r.ok).toBe(false);
      const want = `${where}: ${block.title}: parameter "${name}" must be ${describeAllowed(info)}, got ${JSON.stringify(value)}`;
      expect(r.ok ? [] : r.errors).toEqual([want]);
    }),
    { numRuns: 30 },
  );
}
