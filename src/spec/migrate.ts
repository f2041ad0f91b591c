/**
 * Brings a configuration written by an older version of the app up to the current format.
 * Each step turns version n into version n + 1 and only reshapes; validation comes after,
 * in schema.ts. A document from a newer app, or one without a version, is refused with a reason.
 *
 * History:
 *   1 → 2  `vocab: "char"` became `tokenizer: { kind: "char" }` (room for tokenizer options),
 *          and the model gained a `name`.
 */
import { SPEC_VERSION } from './types';

type Doc = Record<string, unknown>;

const STEPS: Record<number, (doc: Doc) => Doc> = {
  1: ({ vocab, ...rest }) => ({ ...rest, version: 2, name: 'Untitled model', tokenizer: { kind: vocab ?? 'char' } }),
};

/** The document at the current version, or why it cannot be read. */
export type Migrated = { ok: true; doc: Doc; from: number } | { ok: false; error: string };

/** Migrates `raw` step by step to SPEC_VERSION. */
export function migrate(raw: unknown): Migrated {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, error: 'spec: a configuration must be a JSON object' };
  }
  const version = (raw as Doc)['version'];
  if (version === undefined) return { ok: false, error: `version: missing; a configuration says its format version (1 to ${SPEC_VERSION})` };
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return { ok: false, error: `version: must be a whole number from 1 to ${SPEC_VERSION}, got ${JSON.stringify(version)}` };
  }
  if (version > SPEC_VERSION) {
    return { ok: false, error: `version: this configuration is format ${version}, written by a newer Transformer Playground; this one reads formats 1 to ${SPEC_VERSION}` };
  }
  let doc = raw as Doc;
  for (let v = version; v < SPEC_VERSION; v++) doc = STEPS[v]!(doc);
  return { ok: true, doc, from: version };
}
