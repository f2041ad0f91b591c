/**
 * spec → graph: embeddings, positions, the layer stack with its norm placement, the unembedding,
 * and in inspect mode the probe outputs the views read (see docs/graph-outputs.md).
 *
 * Residual wiring per layer (Peri-LN paper's names):
 *   pre:  h = x + F(N(x))            final norm before the unembedding
 *   post: h = N(x + F(x))            no final norm (the stream is already normalised)
 *   peri: h = x + N_out(F(N_in(x)))  final norm before the unembedding
 */
import type { BlockContext, Mode } from '../blocks/define';
import { findBlock } from '../blocks/registry';
import { GraphBuilder } from '../graph/builder';
import type { Graph, Tensor } from '../graph/ir';
import type { BlockRef, Spec } from '../spec/types';
import { VOCAB_SIZE } from '../spec/vocab';
import { validateSpec } from '../spec/schema';

/** What to build: the sequence length and the mode. */
export interface CompileOptions {
  T: number;
  mode: Mode;
}

/** A spec that cannot be compiled, with every reason. */
export class SpecError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join('\n'));
    this.name = 'SpecError';
  }
}

function context(b: GraphBuilder, spec: Spec, opts: CompileOptions, prefix: string): BlockContext {
  return {
    b,
    dModel: spec.dModel,
    nHeads: spec.nHeads,
    headDim: spec.dModel / spec.nHeads,
    T: opts.T,
    maxLen: spec.maxLen,
    mode: opts.mode,
    weight: (name, shape, init) => b.param(`${prefix}.${name}`, shape, init),
  };
}

/** Root-mean-square over the model dimension: [1, T, d] → [1, T]. */
function rms(b: GraphBuilder, x: Tensor): Tensor {
  return b.sqrt(b.reduceMean(b.mul(x, x), [-1], false));
}

/** Entropy in nats of each row of a map: [1, H, T, T] → [1, H, T]; 0·log 0 counts as 0. */
function rowEntropy(b: GraphBuilder, p: Tensor): Tensor {
  const logp = b.log(b.max(p, b.scalar(1e-30)));
  return b.neg(b.reduceSum(b.mul(p, logp), [-1], false));
}

/** Builds the graph of `rawSpec` at sequence length `opts.T`. Throws SpecError or ShapeError. */
export function compile(rawSpec: Spec, opts: CompileOptions): Graph {
  const checked = validateSpec(rawSpec);
  if (!checked.ok) throw new SpecError(checked.errors);
  const spec = checked.spec;
  if (!Number.isInteger(opts.T) || opts.T < 1 || opts.T > spec.maxLen) {
    throw new SpecError([`T: the sequence length must be between 1 and maxLen (${spec.maxLen}), got ${opts.T}`]);
  }
  const { T, mode } = opts;
  const b = new GraphBuilder(`playground_${mode}_T${T}`, spec.seed);
  const inspect = mode === 'inspect';

  const tokens = b.input('tokens', 'int64', [1, T]);
  const wte = b.param('embed.tokens', [VOCAB_SIZE, spec.dModel], { kind: 'normal', std: 1 });
  let x = b.gather(wte, tokens); // [1, T, d]
  x = b.scope('position', () => {
    const pos = findBlock('position', spec.position.kind)!;
    return pos.emit(context(b, spec, opts, 'position'), x, spec.position.params);
  });
  const norms: Tensor[] = [rms(b, x)];

  const norm = (ref: BlockRef, prefix: string, t: Tensor): Tensor =>
    findBlock('norm', ref.kind)!.emit(context(b, spec, opts, prefix), t, ref.params);

  spec.layers.forEach((layer, i) => {
    const p = `layers.${i}`;
    // One sub-block with its residual, wired as the layer's placement says.
    const residual = (name: string, t: Tensor, f: (u: Tensor) => Tensor): Tensor => {
      switch (layer.placement) {
        case 'pre': return b.add(t, f(norm(layer.norm, `${p}.norm_${name}`, t)));
        case 'post': return norm(layer.norm, `${p}.norm_${name}`, b.add(t, f(t)));
        case 'peri': return b.add(t, norm(layer.norm, `${p}.norm_${name}_out`, f(norm(layer.norm, `${p}.norm_${name}`, t))));
      }
    };
    x = b.scope(`layer ${i} · ${layer.mixer.kind}`, () =>
      residual('mixer', x, (u) => {
        const out = findBlock('mixer', layer.mixer.kind)!.emit(context(b, spec, opts, `${p}.mixer`), u, layer.mixer.params);
        if (inspect) {
          if (!out.probs) throw new SpecError([`layer ${i}: mixer "${layer.mixer.kind}" gave no attention map in inspect mode`]);
          b.output(out.probs, `attn_probs.${i}`);
          b.output(rowEntropy(b, out.probs), `attn_entropy.${i}`);
        }
        return out.y;
      }),
    );
    x = b.scope(`layer ${i} · ${layer.ffn.kind}`, () =>
      residual('ffn', x, (u) => findBlock('ffn', layer.ffn.kind)!.emit(context(b, spec, opts, `${p}.ffn`), u, layer.ffn.params)),
    );
    norms.push(rms(b, x));
  });

  const last = spec.layers[spec.layers.length - 1]!;
  if (last.placement !== 'post') x = b.scope('final norm', () => norm(last.norm, 'final_norm', x));
  const logits = b.matmul(x, b.transpose(wte, [1, 0])); // [1, T, V], unembedding tied to the embedding
  b.output(logits, 'logits');
  if (inspect) b.output(b.concat(norms, 0), 'resid_rms'); // [L + 1, T]
  return b.finish();
}
