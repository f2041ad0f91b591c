/**
 * What a toy task is, and the one helper each task file uses to declare itself (like
 * src/blocks/define.ts does for blocks: adding a task is one file, its test and a registry line).
 *
 * A task file states its kind, title, the paper or tradition it comes from, a paragraph for the UI,
 * a parameter schema (ranges and defaults), the sequence length it needs, how its held-out set is
 * kept apart from training, and `sample`: one example drawn from a seeded stream, as a character
 * sequence and the indices of the characters that are its answer.
 *
 * The convention every task follows (the trainer's loss and accuracy rely on it):
 *
 *   An example is a sequence s of at most T + 1 characters of the character vocabulary
 *   (src/spec/vocab.ts), padded with PAD up to T + 1. Row b of a batch holds
 *     tokens[b, t]   = s[t]       what position t reads,
 *     targets[b, t]  = s[t + 1]   what position t is trained to predict (the next character),
 *     lossMask[b, t] = 1 exactly when s[t + 1] is one of the example's answer characters, else 0
 *   for t = 0 … T − 1. So targets is tokens shifted left by one, and only answers count in the loss
 *   and the accuracy; prompts, separators and padding have mask 0.
 *
 * The held-out set is fixed: HELD_OUT_SIZE examples (fewer when the task has fewer) drawn from a
 * stream of its own, which no training seed reaches. Where a task has enough distinct problems, the
 * held-out problems are never drawn for training: a problem (the example with its answers blanked)
 * is held out when a hash of it falls in one eighth of the hash range, and training draws skip
 * those. Tasks with their own split (modular addition, character-level language modelling) say so
 * in `split.note`.
 */
import type { z } from 'zod';
import { params, type ParamInfo } from '../../blocks/define';
import { CHAR_VOCAB, tokenize } from '../../spec/vocab';
import { Rng, hash32, hashString, mix32 } from '../random';

/** The character that fills a sequence after its example ends (never an answer). */
export const PAD = '_';

/** Content symbols: lowercase letters, then uppercase, then digits; tasks take the first n. */
export const SYMBOLS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** How many examples a held-out set has at most. */
export const HELD_OUT_SIZE = 256;

/** Limits on a batch: rows, sequence length, and their product (what one call may allocate). */
export const BATCH_LIMITS = { batch: { min: 1, max: 65536 }, T: { min: 1, max: 65536 }, cells: 2 ** 24 } as const;

/** Stream ids mixed into every row's seed, so that training rows and held-out rows come from different
 *  streams whatever the training seed (short of a 32-bit hash collision). */
const STREAM = { train: 0x7261696e, heldOut: 0x68656c64 } as const;
/** The held-out set's seed (its stream id already keeps it apart from every training seed). */
const HELD_OUT_SEED = 0x5eed;
/** The salt of the problem hash that decides which problems are held out. */
const SPLIT_SALT = 0x73706c74;
/** A problem is held out when its hash falls in this share of the range. */
const HELD_OUT_SHARE = 1 / 8;
/** Below this many distinct problems, held-out problems are not kept out of training (too few to spare). */
export const SPLIT_MIN_PROBLEMS = 4096;
/** Draws a held-out or training problem may take before the task is declared degenerate. */
const MAX_TRIES = 100_000;

/** Which part of the task's problems a draw comes from. */
export type Part = 'train' | 'heldOut';

/** Token id of each vocabulary character. */
const ID_OF = new Map(CHAR_VOCAB.map((c, i) => [c, i]));

/** Token ids of a string of vocabulary characters (throws on any other: task files use only these). */
export function ids(text: string): number[] {
  return Array.from(text, (c) => {
    const id = ID_OF.get(c);
    if (id === undefined) throw new Error(`"${c}" is not in the character vocabulary`);
    return id;
  });
}

/** Token ids of any text: unknown characters become ⟨unk⟩ (id 0), CRLF becomes a newline. */
export function textIds(text: string): Int32Array {
  return Int32Array.from(tokenize(text, Number.MAX_SAFE_INTEGER).ids);
}

const PAD_ID = ids(PAD)[0]!;

/** One example: its characters as token ids (at most T + 1) and the indices of its answer characters. */
export interface Sample {
  seq: ArrayLike<number>;
  /** Indices into `seq` (each ≥ 1) of the characters scored: position i − 1 predicts seq[i]. */
  answers: readonly number[];
}

/** What `sample` is given besides the stream. */
export interface SampleContext {
  T: number;
  /** The part of the task's problems to draw from (tasks with split.by 'task' honour it). */
  part: Part;
  /** Index of the row in its batch or held-out set. */
  row: number;
  /** The text a task that takes one trains on (character-level LM). */
  text?: string;
}

/** How a task keeps its held-out problems out of training. */
export type Split<P> =
  /** A hash of the problem decides; `problems` counts the distinct problems at length T (a lower bound will do). */
  | { by: 'problem'; problems: (p: P, T: number) => number }
  /** The task's `sample` draws from `ctx.part` itself; `note` says how; `size` caps the held-out set. */
  | { by: 'task'; note: string; size?: (p: P, T: number, text?: string) => number };

/** The sequence lengths a task's parameters allow, and which parameters set them (for messages). */
export interface Lengths {
  minT: number;
  /** Longest T, when something (a text) limits it. */
  maxT?: number;
  /** "maxLen 8: 8 letters, "|" and 8 answers". */
  why: string;
}

/** A task as its file writes it. */
export interface TaskSource<Schema extends z.ZodObject> {
  kind: string;
  title: string;
  /** The paper (its title) or the tradition the task comes from. */
  source: string;
  /** One paragraph for the UI and docs/tasks.md. */
  explanation: string;
  params: Schema;
  /** True for a task that trains on a text (passed to generate as `text`). */
  takesText?: boolean;
  /** Checks across parameters (and the text); returns the problem or null. */
  check?: (p: z.output<Schema>, text?: string) => string | null;
  lengths: (p: z.output<Schema>, text?: string) => Lengths;
  split: Split<z.output<Schema>>;
  sample: (p: z.output<Schema>, rng: Rng, ctx: SampleContext) => Sample;
}

/** Validated parameters, or the reason they were refused. */
export type TaskParamResult = { ok: true; params: Record<string, unknown> } | { ok: false; message: string };

/** A batch in the layout of the `grad` and `train` graphs' inputs, row-major [B, T]. */
export interface Batch {
  B: number;
  T: number;
  tokens: Int32Array;
  targets: Int32Array;
  lossMask: Float32Array;
}

/** The fixed held-out set, and whether its problems are kept out of training. */
export interface HeldOut extends Batch {
  disjoint: boolean;
  /** How the held-out set is chosen, in a sentence. */
  note: string;
}

/** How to draw a training batch. */
export interface GenerateOptions {
  batch: number;
  T: number;
  /** Any integer; taken modulo 2^32. Row b draws from a stream seeded by (seed, b). */
  seed: number;
  /** The text, for a task that takes one. */
  text?: string;
}

/** A task as the registry holds it: every entry point validates its parameters and lengths. */
export interface Task {
  readonly kind: string;
  readonly title: string;
  readonly source: string;
  readonly explanation: string;
  readonly takesText: boolean;
  /** Each parameter's type, range and default, by name. */
  readonly paramInfo: Readonly<Record<string, ParamInfo>>;
  /** Its parameters' defaults, by name. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Checks raw parameters against the schema and each other, filling defaults. */
  parse(raw: unknown, text?: string): TaskParamResult;
  /** The shortest sequence length T the parameters need (throws TaskError on bad parameters). */
  minT(raw?: unknown, text?: string): number;
  /** What is wrong with these parameters at length T (and text), or null when they can be generated. */
  check(raw: unknown, T: number, text?: string): string | null;
  /** A training batch, the same for the same parameters, options and seed; throws TaskError on bad input. */
  generate(raw: unknown, opts: GenerateOptions): Batch;
  /** The fixed held-out set at length T; throws TaskError on bad input. */
  heldOut(raw: unknown, T: number, text?: string): HeldOut;
}

/** Bad parameters, length or text for a task: the message names what and the allowed values. */
export class TaskError extends Error {
  override readonly name = 'TaskError';
}

/** True when a problem (its sequence with the answers blanked) belongs to the held-out part. */
function isHeldOutProblem(s: Sample): boolean {
  const blank = Array.from(s.seq);
  for (const i of s.answers) blank[i] = PAD_ID;
  let key = '';
  for (const id of blank) key += String.fromCharCode(id);
  return mix32(hashString(key) ^ SPLIT_SALT) < HELD_OUT_SHARE * 2 ** 32;
}

/** Checks the batch options that do not depend on the task. */
function checkOptions(batch: number, T: number, seed: number): string | null {
  const { batch: b, T: t, cells } = BATCH_LIMITS;
  if (!Number.isInteger(batch) || batch < b.min || batch > b.max) return `batch must be a whole number from ${b.min} to ${b.max}, got ${batch}`;
  if (!Number.isInteger(T) || T < t.min || T > t.max) return `T must be a whole number from ${t.min} to ${t.max}, got ${T}`;
  if (batch * T > cells) return `batch × T = ${batch * T} is more than ${cells} positions in one call`;
  if (!Number.isSafeInteger(seed)) return `seed must be a whole number, got ${seed}`;
  return null;
}

/** Declares a task; the result goes into registry.ts. */
export function defineTask<Schema extends z.ZodObject>(src: TaskSource<Schema>): Task {
  type P = z.output<Schema>;
  const { infos, defaults, parse: parseParams } = params(src.title, src.params);
  const takesText = src.takesText ?? false;

  const parse = (raw: unknown, text?: string): TaskParamResult => {
    const r = parseParams(raw);
    if (!r.ok) return r;
    if (text !== undefined && !takesText) return { ok: false, message: `${src.title}: this task takes no text` };
    const problem = src.check?.(r.params as P, text) ?? null;
    if (problem) return { ok: false, message: `${src.title}: ${problem}` };
    return r;
  };

  const parsed = (raw: unknown, text?: string): P => {
    const r = parse(raw ?? {}, text);
    if (!r.ok) throw new TaskError(r.message);
    return r.params as P;
  };

  const checkT = (p: P, T: number, text?: string): string | null => {
    const { minT, maxT, why } = src.lengths(p, text);
    if (T < minT) return `${src.title}: T = ${T} is too short; these parameters need T ≥ ${minT} (${why})`;
    if (maxT !== undefined && T > maxT) return `${src.title}: T = ${T} is too long; at most ${maxT} (${why})`;
    return null;
  };

  /** Draws one example of `part`, redrawing problems of the other part when the task is split by problem. */
  const draw = (p: P, rng: Rng, ctx: SampleContext): Sample => {
    const split = src.split;
    if (split.by === 'task' || split.problems(p, ctx.T) < SPLIT_MIN_PROBLEMS) return src.sample(p, rng, ctx);
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const s = src.sample(p, rng, ctx);
      if (isHeldOutProblem(s) === (ctx.part === 'heldOut')) return s;
    }
    throw new TaskError(`${src.title}: no ${ctx.part === 'heldOut' ? 'held-out' : 'training'} problem in ${MAX_TRIES} draws; these parameters give too few distinct problems`);
  };

  /** Fills rows of a batch from a stream per row. */
  const fill = (p: P, B: number, T: number, seed: number, part: Part, text?: string): Batch => {
    const tokens = new Int32Array(B * T).fill(PAD_ID);
    const targets = new Int32Array(B * T).fill(PAD_ID);
    const lossMask = new Float32Array(B * T);
    for (let row = 0; row < B; row++) {
      const rng = new Rng(hash32(seed, STREAM[part], row));
      const s = draw(p, rng, { T, part, row, ...(text !== undefined ? { text } : {}) });
      const n = s.seq.length;
      if (n > T + 1) throw new Error(`${src.title}: an example of ${n} characters does not fit T = ${T} (the task's lengths() is wrong)`);
      const at = row * T;
      for (let t = 0; t < Math.min(n, T); t++) tokens[at + t] = s.seq[t]!;
      for (let t = 0; t + 1 < n; t++) targets[at + t] = s.seq[t + 1]!;
      for (const i of s.answers) {
        if (!(i >= 1 && i < n)) throw new Error(`${src.title}: answer index ${i} is outside its example`);
        lossMask[at + i - 1] = 1;
      }
    }
    return { B, T, tokens, targets, lossMask };
  };

  const prepare = (raw: unknown, T: number, batch: number, seed: number, text?: string): P => {
    const bad = checkOptions(batch, T, seed);
    if (bad) throw new TaskError(`${src.title}: ${bad}`);
    const p = parsed(raw, text);
    const badT = checkT(p, T, text);
    if (badT) throw new TaskError(badT);
    return p;
  };

  return {
    kind: src.kind,
    title: src.title,
    source: src.source,
    explanation: src.explanation,
    takesText,
    paramInfo: infos,
    defaults,
    parse,
    minT: (raw, text) => src.lengths(parsed(raw, text), text).minT,
    check(raw, T, text) {
      const bad = checkOptions(1, T, 0);
      if (bad) return `${src.title}: ${bad}`;
      const r = parse(raw ?? {}, text);
      return r.ok ? checkT(r.params as P, T, text) : r.message;
    },
    generate(raw, { batch, T, seed, text }) {
      const p = prepare(raw ?? {}, T, batch, seed, text);
      return fill(p, batch, T, seed, 'train', text);
    },
    heldOut(raw, T, text) {
      const p = prepare(raw ?? {}, T, 1, 0, text);
      const split = src.split;
      const size = split.by === 'task' && split.size ? Math.min(HELD_OUT_SIZE, split.size(p, T, text)) : HELD_OUT_SIZE;
      const disjoint = split.by === 'task' || split.problems(p, T) >= SPLIT_MIN_PROBLEMS;
      const note =
        split.by === 'task'
          ? split.note
          : disjoint
            ? `${size} problems drawn with a fixed seed from the eighth of all problems that training never draws (chosen by a hash of the problem).`
            : `${size} problems drawn with a fixed seed; these parameters give only ${split.problems(p, T)} distinct problems (fewer than ${SPLIT_MIN_PROBLEMS}), too few to hold some out, so training sees them too.`;
      return { ...fill(p, size, T, HELD_OUT_SEED, 'heldOut', text), disjoint, note };
    },
  };
}

/** `n` symbols drawn independently (with repeats) from the first `alphabet` of SYMBOLS. */
export function randomWord(rng: Rng, alphabet: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += SYMBOLS[rng.int(alphabet)];
  return s;
}

/** Indices from..to−1, for answers that are a contiguous run. */
export function span(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/** Token ids as int64, the dtype of the graphs' `tokens` and `targets` inputs. */
export function int64(a: Int32Array): BigInt64Array {
  return BigInt64Array.from(a, (v) => BigInt(v));
}

/** Row `row` of a batch as text (its T + 1 characters: the tokens and the last target) with a line
 *  that marks each scored character with ^; newlines show as ⏎, ⟨unk⟩ as ?. */
export function showRow(b: Batch, row: number): { text: string; marks: string } {
  const ch = (id: number) => (id === 1 ? '⏎' : id === 0 ? '?' : CHAR_VOCAB[id]!);
  let text = '';
  let marks = ' ';
  for (let t = 0; t < b.T; t++) text += ch(b.tokens[row * b.T + t]!);
  text += ch(b.targets[row * b.T + b.T - 1]!);
  for (let t = 0; t < b.T; t++) marks += b.lossMask[row * b.T + t] ? '^' : ' ';
  return { text, marks: marks.trimEnd() };
}
