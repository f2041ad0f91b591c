/** Reference: NoPE (Kazemnejad et al., 2023): no embedding term, no rotation, no bias. */
import type { References } from '../reference/context';
export const nope = {};

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { position: { nope } };
