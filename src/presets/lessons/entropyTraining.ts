/** The lesson “Entropy collapse in training”: the same model at rising learning rates, with and without σReparam. */
import { defaultSpec } from '../../spec/defaults';
import type { Experiment } from '../../spec/experiment';
import type { Recipe } from '../../spec/recipe';
import type { Spec } from '../../spec/types';
import { measured } from './experimentFigures';
import type { Lesson } from './types';

/** The default two-layer decoder (pre-LN, d_model 64, 4 heads), optionally with σReparam on every linear layer (γ starts at 1). */
export const entropyModel = (sigma: boolean) => (): Spec => ({
  ...defaultSpec(),
  name: sigma ? 'Default decoder, σReparam' : 'Default decoder',
  sigmaReparam: { enabled: sigma, gamma: 1 },
});

/**
 * Character-level language modelling on the bundled sonnets, without warm-up: the learning rate
 * starts at its peak, as in the runs where Zhai et al. saw entropy collapse. The experiment sweeps
 * the peak; this recipe (the Train panel's) is the middle value.
 */
export const ENTROPY_RECIPE: Recipe = {
  task: 'charLM',
  taskParams: { corpus: 'sonnets' },
  T: 32,
  batch: 16,
  steps: 300,
  lr: 3e-2,
  warmup: 0,
  minLrRatio: 0.1,
  seed: 1,
  evalEvery: 50,
};

/** The learning rates swept, lowest first. */
export const ENTROPY_LRS = [3e-3, 3e-2, 1e-1];
export const ENTROPY_LABELS = { plain: 'default decoder', sigma: 'σReparam' } as const;
/** A row's label: the variant's with the swept value, as the runner writes it. */
export const entropyRow = (variant: string, lr: number): string => `${variant}, lr = ${lr}`;

/** The measures, in order: the figures index them. */
export const ENTROPY_MEASURES = { accuracy: 0, trainLoss: 1, lossSpike: 2, diverged: 3, entropy0: 4, entropy1: 5 } as const;

export function entropyExperiment(): Experiment {
  return {
    title: 'Entropy collapse: the learning rate against σReparam',
    question: 'As the learning rate rises, does the attention of the default decoder collapse onto single tokens while its loss stalls or spikes, and does σReparam keep it spread out?',
    variants: [
      { label: ENTROPY_LABELS.plain, model: entropyModel(false)() },
      { label: ENTROPY_LABELS.sigma, model: entropyModel(true)() },
    ],
    sweep: { path: 'recipe.lr', values: ENTROPY_LRS },
    recipe: ENTROPY_RECIPE,
    seeds: [1, 2],
    measures: [
      { kind: 'accuracy' },
      { kind: 'trainLoss' },
      { kind: 'lossSpike' },
      { kind: 'diverged' },
      { kind: 'head', stat: 'entropy', layer: 0 },
      { kind: 'head', stat: 'entropy', layer: 1 },
    ],
  };
}

const M = ENTROPY_MEASURES;
const [LOW, MID, HIGH] = ENTROPY_LRS as [number, number, number];
const plain = (lr: number) => entropyRow(ENTROPY_LABELS.plain, lr);
const sigma = (lr: number) => entropyRow(ENTROPY_LABELS.sigma, lr);
const entropy = (row: string) => measured(row, M.entropy1, 'mean', 'percent');

const lesson: Lesson = {
  id: 'entropy-collapse-training',
  title: 'Entropy collapse in training, and σReparam',
  summary: 'Train the same decoder at rising learning rates: its attention collapses onto single tokens and its loss stops falling; with σReparam on every linear layer it keeps its spread and trains.',
  steps: [
    {
      title: 'What Zhai et al. found',
      body: 'Zhai et al. (ICML 2023) tracked the entropy of every attention head during training and found the same pattern across vision, speech, translation and language models: when training went wrong (the loss oscillated or diverged) the entropy of the heads had collapsed towards 0, every query looking at a single key. In their Vision Transformer, doubling the default learning rate was enough to make every head collapse and training diverge. The lesson “Attention entropy collapse, and σReparam” shows the mechanism at initialisation: larger logits, sharper rows. Here the model is the default decoder, trained on the sonnets.',
      spec: entropyModel(false),
      text: "Shall I compare thee to a summer's day?",
      view: { layer: 1, head: 0 },
      focus: 'entropy',
    },
    {
      title: 'Train it yourself at a high learning rate',
      body: 'The Train panel now holds a character-level language-modelling recipe with no warm-up: the learning rate starts at its peak. Press Train and watch the loss chart and the entropy view of the trained weights. Then lower the learning rate tenfold and train again, and compare how spread out the heads end up.',
      recipe: ENTROPY_RECIPE,
      focus: 'train',
    },
    {
      title: 'The experiment: three learning rates, with and without σReparam',
      body: 'The Experiments panel trains the decoder at three peak learning rates, and the same decoder with σReparam, two seeds each. The lowest entropy of a layer-1 head, as a share of uniform: {low} at the lowest learning rate, {mid} at the middle one, {high} at the highest: there nearly every query looks at a single character. The loss does not spike here, it stalls: the training loss over the last tenth of the steps is {lowLoss} at the lowest rate and {highLoss} at the highest, and held-out accuracy falls from {lowAcc} to {highAcc}. The table also counts diverged runs and the largest rise of the loss.',
      figures: {
        low: entropy(plain(LOW)),
        mid: entropy(plain(MID)),
        high: entropy(plain(HIGH)),
        lowLoss: measured(plain(LOW), M.trainLoss),
        highLoss: measured(plain(HIGH), M.trainLoss),
        lowAcc: measured(plain(LOW), M.accuracy, 'mean', 'percent'),
        highAcc: measured(plain(HIGH), M.accuracy, 'mean', 'percent'),
      },
      experiment: entropyExperiment,
      focus: 'experiments',
    },
    {
      title: 'σReparam keeps the spread',
      body: 'σReparam divides every weight matrix by its largest singular value and multiplies it by a learned γ that starts at 1, so a large update cannot suddenly stretch the query and key projections, and with them the attention logits. At the highest learning rate the σReparam decoder’s layer-1 heads keep {sigmaHigh} of uniform entropy (against {high} without), and its training loss ends at {sigmaLoss} (against {highLoss}). At the middle rate: {sigmaMid} against {mid}.',
      figures: {
        sigmaHigh: entropy(sigma(HIGH)),
        high: entropy(plain(HIGH)),
        sigmaLoss: measured(sigma(HIGH), M.trainLoss),
        highLoss: measured(plain(HIGH), M.trainLoss),
        sigmaMid: entropy(sigma(MID)),
        mid: entropy(plain(MID)),
      },
      focus: 'experiments',
    },
    {
      title: 'Where the toy scale differs',
      body: 'Zhai et al. trained large models on long runs, where a collapse shows as a spike or a divergence after a long stable stretch. Here 300 steps is the whole run and the learning rate starts at its peak, so a collapse shows as a loss that stops falling almost at once rather than as a spike after a long stable stretch. The entropy measure here is the lowest head of a layer on one held-out window (the probe), not what Zhai et al. monitor, the mean over query positions, heads and examples. Lower entropy is not wrong in itself: a head that must find one earlier character should be sharp. What the paper ties to instability is every head collapsing together, fast.',
      focus: 'experiments',
    },
  ],
};

export default lesson;
