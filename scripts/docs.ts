/**
 * `npm run docs`: writes the parts of the docs that describe single blocks, from the blocks'
 * declarations (src/blocks/*.ts, listed in registry.ts):
 *
 *   docs/blocks.md   <!-- generated:blocks slot=mixer map=explicit -->  each block's section
 *                    (map=explicit, implicit or attribution: the mixers with that kind of map)
 *   docs/config.md   <!-- generated:params -->                         the blocks' parameter table
 *   docs/weights.md  <!-- generated:weights -->                        every block's weights
 *   docs/tasks.md    <!-- generated:tasks -->                          each toy task (src/train/tasks/)
 *
 * Only the text between a marker and the next `<!-- /generated -->` is rewritten; the prose around
 * it stays hand-written. test/docs.test.ts regenerates in memory and fails when a committed file is
 * stale. `npm run docs -- --check` does the same from the command line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeAllowed, type Block, type ParamInfo } from '../src/blocks/define';
import { BLOCKS } from '../src/blocks/registry';
import { compile } from '../src/compiler/compile';
import type { InitScheme } from '../src/graph/ir';
import { defaultLayer, defaultSpec } from '../src/spec/defaults';
import type { Spec } from '../src/spec/types';
import { VOCAB_SIZE } from '../src/spec/vocab';
import { showRow } from '../src/train/tasks/define';
import { TASKS } from '../src/train/tasks/registry';

/** The files that hold generated regions. */
export const GENERATED_DOCS = ['docs/blocks.md', 'docs/config.md', 'docs/weights.md', 'docs/tasks.md'] as const;

/** `slot=mixer map=explicit` → { slot: 'mixer', map: 'explicit' }. */
function args(text: string): Record<string, string> {
  return Object.fromEntries(text.trim().split(/\s+/).filter(Boolean).map((a) => a.split('=') as [string, string]));
}

/** The blocks a region's arguments select, in registry order. */
function selected(a: Record<string, string>): Block[] {
  return BLOCKS.filter((b) => (!a['slot'] || b.slot === a['slot']) && (!a['map'] || b.map === a['map']));
}

/** How a section's heading names the map kind (an attribution map says it is a gradient, not a map of weights). */
const MAP_HEADING: Record<NonNullable<Block['map']>, string> = { explicit: 'explicit', implicit: 'implicit', attribution: 'attribution (gradient)' };

/** Each block's section of docs/blocks.md: a heading from its title, kind and map, then its `doc`. */
function blockSections(a: Record<string, string>): string {
  return selected(a)
    .map((b) => `### ${b.title} (\`${b.kind}\`)${b.map ? ` · ${MAP_HEADING[b.map]}` : ''}\n\n${b.doc.trim()}`)
    .join('\n\n');
}

/** "`window`: a whole number from 1 to 512, `8`" (with the parameter's description, when it has one). */
function paramText(name: string, info: ParamInfo): string {
  const note = info.note ? ` (${info.note})` : '';
  return `\`${name}\`${note}: ${describeAllowed(info)}, \`${JSON.stringify(info.default)}\``;
}

/** The table of every block's parameters for docs/config.md. */
function paramsTable(): string {
  const rows = BLOCKS.map((b) => {
    const params = Object.entries(b.paramInfo).map(([n, info]) => paramText(n, info));
    return `| \`${b.slot}\` | \`${b.kind}\` | ${params.length ? params.join('; ') : 'none'} | ${b.paper} |`;
  });
  return ['| slot | kind | parameters (allowed, default) | paper |', '|---|---|---|---|', ...rows].join('\n');
}

/** The size the weight table's shapes are given at: the default model's. */
const SIZE = (() => {
  const s = defaultSpec();
  return { dModel: s.dModel, nHeads: s.nHeads, maxLen: s.maxLen };
})();

function initText(init: InitScheme): string {
  if (init.kind === 'normal') return `N(0, ${Number(init.std.toPrecision(4))}²)`;
  if (init.kind === 'constant') return String(Number(init.value.toPrecision(4)));
  return 'data';
}

/** The layer `b` sits in in modelWith: 1 for a mixer that copies an earlier layer's map (EchoAtt), which needs one before it. */
const layerOfBlock = (b: Block): number => (b.copiesMap ? 1 : 0);

/** A one-layer model of the default size with `b` in its slot and default parameters elsewhere (a default layer first when `b` copies an earlier map). */
function modelWith(b: Block): Spec {
  const base = defaultSpec();
  const ref = { kind: b.kind, params: {} };
  if (b.slot === 'position') return { ...base, position: ref, layers: [defaultLayer()] };
  return { ...base, layers: [...(b.copiesMap ? [defaultLayer()] : []), { ...defaultLayer(), [b.slot]: ref }] };
}

/** "`wq` [64, 64] N(0, 0.125²)" for each weight, its name shortened to what follows `prefix`. */
function weightList(entries: { name: string; shape: readonly number[]; init: InitScheme }[], prefix: string): string {
  return entries.map((e) => `\`${e.name.slice(prefix.length)}\` [${e.shape.join(', ')}] ${initText(e.init)}`).join('; ');
}

/** The learnable weights of `b` in a one-layer model, one entry per name (a norm's first position stands for all). */
function weightsOf(b: Block): { name: string; shape: readonly number[]; init: InitScheme }[] {
  const graph = compile(modelWith(b), { T: 8, mode: 'inspect' });
  const prefix = (name: string) => (b.slot === 'norm' ? name.match(/^layers\.0\.norm_\w+?\./)?.[0] : name.startsWith(weightPrefix(b)) ? weightPrefix(b) : undefined);
  const first = graph.initializers.find((i) => i.trainable && prefix(i.tensor.name));
  const at = first ? prefix(first.tensor.name)! : '';
  return graph.initializers.filter((i) => i.trainable && at && i.tensor.name.startsWith(at)).map((i) => ({ name: i.tensor.name, shape: i.tensor.shape, init: i.init }));
}

/** Where a block's weights are named in modelWith ("layers.0.mixer."). */
function weightPrefix(b: Block): string {
  return b.slot === 'position' ? 'position.' : `layers.${layerOfBlock(b)}.${b.slot}.`;
}

/** The weight table of docs/weights.md: every block's learnable weights, by name, shape and initialisation. */
function weightsTable(): string {
  const model = compile({ ...defaultSpec(), layers: [defaultLayer()] }, { T: 8, mode: 'inspect' });
  const own = model.initializers.filter((i) => i.trainable && i.tensor.name.startsWith('embed.')).map((i) => ({ name: i.tensor.name, shape: i.tensor.shape, init: i.init }));
  const rows = [`| model | | | ${weightList(own, '')} |`];
  for (const b of BLOCKS) {
    if (b.absent) continue;
    const ws = weightsOf(b);
    const prefix = b.slot === 'norm' ? 'layers.i.norm_….' : weightPrefix(b).replace(/^layers\.\d+\./, 'layers.i.');
    const cut = ws.map((w) => ({ ...w, name: w.name.replace(/^layers\.\d+\.(norm_\w+?\.)?/, (_m, norm?: string) => (norm ? prefix : 'layers.i.')) }));
    rows.push(`| \`${b.slot}\` | \`${b.kind}\` | ${ws.length ? `\`${prefix}\`` : ''} | ${ws.length ? weightList(cut, prefix) : 'none'} |`);
  }
  const { dModel, nHeads, maxLen } = SIZE;
  return [
    `Shapes at the default model's size (dModel ${dModel}, nHeads ${nHeads}, head size ${dModel / nHeads}, maxLen ${maxLen}, vocabulary V = ${VOCAB_SIZE}) with each block's default parameters. N(0, σ²) is a normal draw; a number is the constant a weight starts at. A norm's weights are the same at each of its positions (\`norm_mixer\`, \`norm_ffn\`, \`_out\`, \`final_norm\`).`,
    '',
    '| slot | kind | names start with | weights: name [shape] initialisation |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** Each toy task's section of docs/tasks.md: source, explanation, parameters, lengths, held-out set, an example. */
function taskSections(): string {
  return TASKS.map((t) => {
    const params = Object.entries(t.paramInfo).map(([n, info]) => `| \`${n}\` | ${info.note ?? ''} | ${describeAllowed(info)} | \`${JSON.stringify(info.default)}\` |`);
    const minT = t.minT();
    const T = Math.max(minT, 16);
    const example = t.generate({}, { batch: 3, T, seed: 1 });
    const lines = [0, 1, 2].flatMap((r) => Object.values(showRow(example, r)));
    const held = t.heldOut({}, T);
    return [
      `### ${t.title} (\`${t.kind}\`)`,
      '',
      `*From:* ${t.source}.`,
      '',
      t.explanation,
      '',
      '| parameter | what it is | allowed | default |',
      '|---|---|---|---|',
      ...params,
      '',
      `At the defaults it needs T ≥ ${minT}. **Held-out set.** ${held.note}`,
      '',
      `Three training examples at the defaults, T = ${T}, seed 1 (^ marks the scored characters):`,
      '',
      '```',
      ...lines,
      '```',
    ].join('\n');
  }).join('\n\n');
}

const GENERATORS: Record<string, (a: Record<string, string>) => string> = {
  tasks: () => taskSections(),
  blocks: blockSections,
  params: () => paramsTable(),
  weights: () => weightsTable(),
};

/** `text` with every generated region rewritten. */
export function regenerate(text: string, file = 'doc'): string {
  return text.replace(/<!-- generated:(\w+)([^>]*?) -->\n[\s\S]*?<!-- \/generated -->/g, (_all, name: string, rest: string) => {
    const gen = GENERATORS[name];
    if (!gen) throw new Error(`${file}: unknown generated region "${name}"`);
    return `<!-- generated:${name}${rest} -->\n${gen(args(rest))}\n<!-- /generated -->`;
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const file of GENERATED_DOCS) {
    const old = readFileSync(file, 'utf8');
    const now = regenerate(old, file);
    if (now === old) continue;
    stale++;
    if (check) console.error(`${file} is stale: run npm run docs`);
    else {
      writeFileSync(file, now);
      console.log(`wrote ${file}`);
    }
  }
  if (check && stale) process.exit(1);
}
