/**
 * The generic decode form, for causal mixers that declare no cheaper one: the state is the mixer's
 * own inputs so far, [C, d]. Each step writes the new token's input into slot `position`, runs the
 * mixer's ordinary (fast) emitter over all C slots and reads row `position` of its output.
 *
 * Exact for any mixer whose output at t depends only on its inputs at positions ≤ t, whatever
 * follows: the empty slots after `position` hold zeros and cannot reach row `position`. The test
 * of every mixer (test/decode/decode.test.ts) checks that against the forward pass. It recomputes
 * the whole prefix each step, O(C²) for a quadratic mixer: the honest cost of a mixer with no
 * token-by-token form built, which the latency view shows as such.
 */
import type { Block, BlockContext, DecodeContext, DecodeOutput, StateDecl } from '../blocks/define';
import type { Tensor } from '../graph/ir';

/** The generic state of a model of width d: the mixer's inputs, [C, d]. */
export const genericState = (d: number): StateDecl[] => [{ name: 'inputs', kind: 'cache', shape: (C) => [C, d], note: "the mixer's inputs (recomputed each step)" }];

/**
 * One step of `mixer` by recomputation. `full` is a context of length C (mode fast) for the mixer's
 * own emitter; x [B, 1, d] the new token's input.
 */
export function genericDecode(full: BlockContext & { decode: DecodeContext }, mixer: Block<'mixer'>, params: Record<string, unknown>, x: Tensor, state: Record<string, Tensor>): DecodeOutput {
  const { b, decode: dec } = full;
  const C = dec.capacity;
  const at = b.cast(b.equal(b.constant('slot_index', 'float32', [C], Array.from({ length: C }, (_, s) => s)), dec.position), 'float32'); // [C]
  const column = b.reshape(at, [1, C, 1]);
  const inputs = b.add(b.mul(state['inputs']!, b.sub(b.scalar(1), column)), b.mul(x, column)); // [B, C, d]
  const out = mixer.emit(full, inputs, params).y; // [B, C, d]
  const y = b.matmul(b.reshape(at, [1, 1, C]), out); // [B, 1, d]: row `position`
  return { y, next: { inputs } };
}
