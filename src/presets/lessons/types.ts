/**
 * What a lesson is: its steps, the panels a step can point at (FOCUS_PANELS) and the parts a
 * classroom link can hide (HIDE_KEYS, the share document's list).
 */
import { CLASSROOM_PARTS, type ClassroomPart } from '../../spec/share';
import type { Spec } from '../../spec/types';
import type { Figure } from '../../analysis/figures';
import type { Experiment, ExperimentResult, SummaryRow } from '../../spec/experiment';
import type { Recipe } from '../../spec/recipe';

/** Parts of the page a classroom link may hide (the share document validates against the same list). */
export const HIDE_KEYS = CLASSROOM_PARTS;
export type HideKey = ClassroomPart;

/** Panels a lesson step can point at, with the name the page gives each. */
export const FOCUS_PANELS = {
  text: 'Text',
  'attention-map': 'Attention map',
  'head-grid': 'Heads',
  entropy: 'Entropy',
  residual: 'Residual stream',
  'next-token': 'Next token',
  'router-map': 'Router',
  'param-attn': 'Tokens × parameter tokens',
  drop: 'Layer dropping',
  'eviction-cost': 'Exact effect of eviction',
  prune: 'Token pruning and merging',
  latency: 'Latency',
  palette: 'Block palette',
  settings: 'Model settings',
  stack: 'Model',
  inspector: 'Inspector',
  stats: 'Model statistics',
  train: 'Training',
  experiments: 'Experiments',
} as const;
export type FocusKey = keyof typeof FOCUS_PANELS;
export const FOCUS_KEYS = Object.keys(FOCUS_PANELS) as FocusKey[];

export interface LessonStep {
  title: string;
  /** A few sentences a student can follow: what changed, where to look, what it means. `{name}` stands for figure `name`. */
  body: string;
  /**
   * The figures the body quotes: computed from the result of this step's model and text
   * (src/analysis/figures.ts), or, for an ExperimentFigure, from the kept results of this step's
   * experiment (until it has run, the page says so in their place).
   */
  figures?: Readonly<Record<string, Figure | ExperimentFigure>>;
  /** The training recipe the step puts in the Train panel (the student presses Train). Left out: the Train panel keeps its recipe. */
  recipe?: Recipe;
  /** The experiment of this step, shown in the Experiments panel with its results when kept. Left out: the previous step's experiment. */
  experiment?: () => Experiment;
  /** The model of this step: a preset id, or a function building the spec. Left out: the previous step's model. */
  spec?: string | (() => Spec);
  /** The text of this step. Left out: the previous step's text. */
  text?: string;
  /** The layer run and head the views show. Left out: the previous step's view. */
  view?: { layer: number; head: number };
  /** The panel the step points at. */
  focus: FocusKey;
}

export interface Lesson {
  /** Used in links (`?lesson=ID`). */
  id: string;
  title: string;
  /** One or two sentences: what the lesson shows. */
  summary: string;
  steps: readonly LessonStep[];
}

/** What entering a step sets: its model (with the preset it is, if any), text and view, each inherited from earlier steps when the step leaves it out. */
export interface ResolvedStep {
  spec: Spec;
  presetId: string | null;
  text: string;
  view: { layer: number; head: number };
}

/** A figure a step quotes from its experiment's results: a summary row's number (src/train/experiment.ts summarize). */
export interface ExperimentFigure {
  from: 'experiment';
  /** The number, from the summary rows of the experiment's result (and the result itself, for its runs' courses); null when the runs so far do not give it. */
  of(rows: readonly SummaryRow[], result: ExperimentResult): number | null;
  show: 'percent' | 'decimal' | 'count';
}
