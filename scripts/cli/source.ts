/**
 * The command line's shared argument handling: where the model comes from (a config file, a
 * share link or a preset; the app's default model when none is given) and the build options.
 * Every refusal is a CliError whose message names the field or argument and what is allowed.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Mode } from '../../src/blocks/define';
import { findPreset, PRESETS } from '../../src/presets';
import { defaultSpec } from '../../src/spec/defaults';
import { parseSpecJson, type SpecResult } from '../../src/spec/schema';
import type { Spec } from '../../src/spec/types';
import { specFromLink } from '../../src/spec/share';

/** A refusal to print (without a stack) before exiting with `code`. */
export class CliError extends Error {
  constructor(message: string, readonly code = 1) {
    super(message);
  }
}

/**
 * What a command may build: the two inference modes of the compiler, or the two training graphs
 * (docs/graph-outputs.md, "Training graphs"): `grad` (loss and every weight's gradient) and
 * `train` (one whole AdamW step).
 */
export type ExportMode = Mode | 'grad' | 'train';
export const INFERENCE_MODES: readonly Mode[] = ['inspect', 'fast'];
export const EXPORT_MODES: readonly ExportMode[] = ['inspect', 'fast', 'decode', 'grad', 'train'];

export interface CliOptions<M extends ExportMode = Mode> {
  spec: Spec;
  /** Where the spec came from, for messages. */
  origin: string;
  mode: M;
  /** Sequence length; the model's maxLen when not given. */
  T: number;
  /** Batch size: sequences side by side, tokens [B, T] (1 when not given). */
  batch: number;
  out: string | null;
}

const MAX_CONFIG_BYTES = 1_000_000;
/** The largest --batch taken: far above any batch a browser or this machine trains with. */
export const MAX_BATCH = 1024;

function fromResult(r: SpecResult, origin: string): Spec {
  if (!r.ok) throw new CliError(`${origin} is not a valid configuration:\n  ${r.errors.join('\n  ')}`);
  return r.spec;
}

function loadSource(source: string): { spec: Spec; origin: string } {
  if (/^https?:\/\//.test(source) || source.startsWith('#')) return { spec: fromResult(specFromLink(source), 'the link'), origin: 'link' };
  let size: number;
  try {
    size = statSync(source).size;
  } catch {
    throw new CliError(`${source}: no such file (give a config.json, a share link, or --preset NAME)`);
  }
  if (size > MAX_CONFIG_BYTES) throw new CliError(`${source}: ${size} bytes is far larger than any configuration (at most ${MAX_CONFIG_BYTES})`);
  return { spec: fromResult(parseSpecJson(readFileSync(source, 'utf8')), source), origin: source };
}

/**
 * Parses `argv` (without node and script); `withOut` says whether --out is required (`outOptional`:
 * taken but not required), `modes` which --mode values the command takes (the inference modes unless given).
 */
export function parseArgs<M extends ExportMode = Mode>(
  argv: string[],
  usage: string,
  withOut: boolean,
  modes: readonly M[] = INFERENCE_MODES as readonly M[],
  outOptional = false,
): CliOptions<M> {
  let source: string | null = null;
  let preset: string | null = null;
  let mode: string | null = null;
  let seqLen: string | null = null;
  let batchArg: string | null = null;
  let out: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, null];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new CliError(`${flag} needs a value\n${usage}`, 2);
      return v;
    };
    if (flag === '--help' || flag === '-h') throw new CliError(usage, 0);
    else if (flag === '--preset') preset = value();
    else if (flag === '--mode') mode = value();
    else if (flag === '--seq-len') seqLen = value();
    else if (flag === '--batch') batchArg = value();
    else if (flag === '--out' && (withOut || outOptional)) out = value();
    else if (flag.startsWith('--')) throw new CliError(`unknown option ${flag}\n${usage}`, 2);
    else if (source === null) source = arg;
    else throw new CliError(`only one model source may be given, got "${source}" and "${arg}"\n${usage}`, 2);
  }
  if (source !== null && preset !== null) throw new CliError(`give a config file or link, or --preset, not both\n${usage}`, 2);
  if (mode !== null && !(modes as readonly string[]).includes(mode)) {
    const allowed = modes.map((m) => `"${m}"`);
    throw new CliError(`--mode must be ${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}, got "${mode}"`, 2);
  }
  if (withOut && out === null) throw new CliError(`--out FILE is required\n${usage}`, 2);

  let spec: Spec;
  let origin: string;
  if (preset !== null) {
    const p = findPreset(preset);
    if (!p) throw new CliError(`--preset: no preset "${preset}" (known: ${PRESETS.map((x) => x.id).join(', ')})`, 2);
    spec = p.spec();
    origin = `preset ${preset}`;
  } else if (source !== null) {
    ({ spec, origin } = loadSource(source));
  } else {
    spec = defaultSpec();
    origin = 'the default model';
  }

  let T = spec.maxLen;
  if (seqLen !== null) {
    T = Number(seqLen);
    if (!/^\d+$/.test(seqLen) || T < 1 || T > spec.maxLen) {
      throw new CliError(`--seq-len must be a whole number from 1 to the model's maxLen (${spec.maxLen}), got "${seqLen}"`, 2);
    }
  }
  let batch = 1;
  if (batchArg !== null) {
    batch = Number(batchArg);
    if (!/^\d+$/.test(batchArg) || batch < 1 || batch > MAX_BATCH) {
      throw new CliError(`--batch must be a whole number from 1 to ${MAX_BATCH}, got "${batchArg}"`, 2);
    }
  }
  return { spec, origin, mode: (mode ?? (withOut ? 'inspect' : 'fast')) as M, T, batch, out };
}

/** Runs `main`, printing a CliError's message and exiting with its code. */
export function runCli(main: () => void): void {
  try {
    main();
  } catch (e) {
    if (e instanceof CliError) {
      (e.code === 0 ? console.log : console.error)(e.code === 0 ? e.message : `error: ${e.message}`);
      process.exit(e.code);
    }
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
