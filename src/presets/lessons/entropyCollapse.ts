/** The lesson “Attention entropy collapse, and σReparam”. */
import { withSigma, ENTROPY } from './build';
import { defaultSpec, DEFAULT_TEXT } from '../../spec/defaults';
import type { Lesson } from './types';

const lesson: Lesson = {
  id: 'entropy-collapse',
  title: 'Attention entropy collapse, and σReparam',
  summary: 'How the scale of the attention logits decides how spread out attention is, how a large scale collapses every row onto one token, and how σReparam keeps the scale in check.',
  steps: [
    {
      title: 'Entropy of attention',
      body: 'The entropy of an attention row measures how spread out it is: 100% of the maximum means uniform over the visible keys, 0% means all weight on one key. The entropy view gives every head’s mean. In the default decoder at random initialisation the heads sit at {entropy} on average: fairly spread out, with some preference.',
      figures: ENTROPY,
      spec: 'default',
      text: DEFAULT_TEXT,
      view: { layer: 0, head: 0 },
      focus: 'entropy',
    },
    {
      title: 'σReparam sets the scale',
      body: 'In the model settings σReparam is now on with γ = 1: every linear weight W is used as (γ / ‖W‖₂)·W, where ‖W‖₂ is its largest singular value, so no layer stretches any input by more than γ. The random 64 × 64 weights of the default have ‖W‖₂ ≈ 2, so queries and keys both shrink by about half and the logits by about 4. The entropy rises to {entropy}: attention is nearly uniform.',
      figures: ENTROPY,
      spec: () => withSigma(defaultSpec(), 1, 'σReparam γ = 1'),
      focus: 'settings',
    },
    {
      title: 'Raise the logit scale: γ = 4',
      body: 'With γ = 4 the queries and the keys are each 4 times larger than at γ = 1, so every attention logit is 16 times larger (exactly so in layer 0, whose input is normalised). The softmax of larger logits is sharper: the entropy drops to {entropy}. The model’s weights point in the same directions as before; only their scale changed.',
      figures: ENTROPY,
      spec: () => withSigma(defaultSpec(), 4, 'σReparam γ = 4'),
      focus: 'entropy',
    },
    {
      title: 'Entropy collapse: γ = 8',
      body: 'At γ = 8 the logits are 64 times those at γ = 1 and the entropy falls to {entropy}. In the map nearly every row is a single bright cell: each token attends to one other token and ignores the rest. Zhai et al. found that this “entropy collapse” goes together with unstable training (loss spikes, divergence), and that the lowest entropy attention can reach falls as the spectral norm of the query–key weights grows.',
      figures: ENTROPY,
      spec: () => withSigma(defaultSpec(), 8, 'σReparam γ = 8'),
      focus: 'attention-map',
    },
    {
      title: 'σReparam instead of LayerNorm',
      body: 'σReparam’s γ is learned but starts at 1, and ‖W‖₂ is divided out at every step, so the logit scale grows only as fast as γ does rather than with every weight. Zhai et al. show that this keeps entropy from collapsing well enough to train transformers with no LayerNorm at all, as in this model: no norms, γ = 1, and the heads sit at {entropy}. Try γ = 4 in the model settings: with no norm to rescale the stream, the residual stream grows layer by layer and layer 1’s heads collapse completely.',
      figures: ENTROPY,
      spec: 'sigma-reparam',
      focus: 'entropy',
    },
  ],
};

export default lesson;
