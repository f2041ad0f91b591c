/**
 * The configuration (the spec): the single source of truth for a model.
 * The editor edits it, the URL encodes it, the compiler reads it. Its format is versioned:
 * migrate.ts brings older documents up to SPEC_VERSION, schema.ts validates them. The types below
 * are what schema.ts's zod schema returns, inferred from it: the schema is where fields, their
 * ranges and their comments are written.
 */
import type { z } from 'zod';
import type { specSchema } from './schema';

/** The format version this code writes. */
export const SPEC_VERSION = 2;

/** A whole model. */
export type Spec = z.output<typeof specSchema>;

/** One layer of the stack. */
export type LayerSpec = Spec['layers'][number];

/** A block placed in a slot: its registered kind and its parameters. */
export type BlockRef = Spec['position'];

/** Layers start … end (inclusive, 0-based) run `count` times in a row, sharing their weights. */
export type LoopSpec = Spec['loops'][number];

/** How text becomes tokens. */
export type TokenizerSpec = Spec['tokenizer'];

/** Where the norms sit around each sub-block ('pre', 'post', 'peri'; the table is blocks/define.ts's PLACEMENTS). */
export type NormPlacement = LayerSpec['placement'];
