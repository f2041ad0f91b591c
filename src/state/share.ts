/**
 * The address bar and the store: the one module that reads the page's URL. A share link in the
 * URL's hash opens when the page starts and when a link is pasted (hashchange); one that cannot be
 * opened sets the banner and leaves the work as it was. The address bar then follows the work
 * through `history.replaceState`, debounced, so edits never add history entries. Location, history
 * and the event target are passed in (tests fake them); the classroom flags and the page's own
 * link read `location` by default.
 *
 * Classroom flags a teacher can add by hand to any link of the page, in the query string:
 *
 *   ?classroom=palette,settings   hide these parts of the page (HIDE_KEYS)
 *   &lock=1                       lock: no exit from the lesson, no pickers, no edits of the model
 *   &lesson=positions&step=3      open this lesson at step 3 (numbered from 1, as the panel shows)
 *
 * They are separate from the share document after `#s=`, which may carry the same settings; both
 * fill the same store fields (the hidden parts are merged, a lock from either holds, and the
 * query's lesson wins). Anything not understood is ignored and named in the banner.
 */
import { findPreset } from '../presets';
import { findLesson, HIDE_KEYS, type HideKey } from '../presets/lessons';
import { CLASSROOM_PARTS, MAX_LINK_DATA, SHARE_VERSION, shareFromLink, shareToHash, type ClassroomPart, type SharedRecipe, type ShareDoc, type ShareResult } from '../spec/share';
import type { Recipe } from '../train/run';
import { findTask } from '../train/tasks/registry';
import type { AppState, AppStore } from './store';
import { defaultRecipe } from './training';
import { isDefaultDefinition } from './experiments';

/** Quiet time after an edit before the address bar is rewritten (ms). */
export const URL_DEBOUNCE_MS = 300;

/** The parts of the state a share document holds. */
export type Work = Pick<AppState, 'spec' | 'text' | 'view' | 'presetId' | 'lesson' | 'classroom'> & Partial<Pick<AppState, 'training' | 'experiments'>>;

export interface UrlEnv {
  location: { hash: string; pathname: string; search: string };
  history: { state: unknown; replaceState(data: unknown, unused: string, url?: string | null): void };
  /** Where `hashchange` is heard (the window); none in tests that do not paste links. */
  events?: { addEventListener(type: 'hashchange', listener: () => void): void; removeEventListener(type: 'hashchange', listener: () => void): void };
}

export interface UrlOptions {
  /** How many steps the lesson `id` has, or undefined when this app does not know it (default: src/presets/lessons/). */
  lessonSteps?: (id: string) => number | undefined;
}

const lessonSteps = (id: string) => findLesson(id)?.steps.length;

const isPart = (p: string): p is ClassroomPart => (CLASSROOM_PARTS as readonly string[]).includes(p);

/** The link to this page that carries `hash` (without '#'): the page's address with the hash replaced. */
export function pageLink(hash: string, loc: { origin: string; pathname: string; search: string } = globalThis.location): string {
  return `${loc.origin}${loc.pathname}${loc.search}#${hash}`;
}

export interface QueryFlags {
  hide: HideKey[];
  locked: boolean;
  /** The lesson and its step (0-based, as the store keeps it). */
  lesson: { id: string; step: number } | null;
  /** Flags or values that were not understood, as written. */
  ignored: string[];
}

const YES = new Set(['', '1', 'true', 'yes', 'on']);
const NO = new Set(['0', 'false', 'no', 'off']);

/** The classroom flags of a query string (`location.search`). */
export function readQueryFlags(search: string): QueryFlags {
  const q = new URLSearchParams(search);
  const ignored: string[] = [];
  const hide: HideKey[] = [];
  for (const part of q.getAll('classroom').flatMap((v) => v.split(','))) {
    const key = part.trim();
    if (!key) continue;
    if ((HIDE_KEYS as readonly string[]).includes(key)) {
      if (!hide.includes(key as HideKey)) hide.push(key as HideKey);
    } else ignored.push(`classroom=${key}`);
  }
  const lock = q.get('lock');
  let locked = false;
  if (lock !== null) {
    const v = lock.trim().toLowerCase();
    if (YES.has(v)) locked = true;
    else if (!NO.has(v)) ignored.push(`lock=${lock}`);
  }
  let lesson: QueryFlags['lesson'] = null;
  const id = q.get('lesson');
  const step = q.get('step');
  if (id !== null) {
    const found = findLesson(id.trim());
    if (!found) ignored.push(`lesson=${id}`);
    else {
      const n = step === null ? 1 : Number(step);
      if (step !== null && !(Number.isInteger(n) && n >= 1 && n <= found.steps.length)) ignored.push(`step=${step}`);
      lesson = { id: found.id, step: Number.isInteger(n) ? Math.max(1, Math.min(found.steps.length, n)) - 1 : 0 };
    }
  } else if (step !== null) ignored.push(`step=${step} (no lesson)`);
  return { hide, locked, lesson, ignored };
}

/** Puts the flags of `search` (default: the page's) into the store, merged with what a share link may have set. */
export function applyQueryFlags(store: AppStore, search: string = globalThis.location.search): void {
  const flags = readQueryFlags(search);
  const s = store.getState();
  const hide = [...new Set([...s.classroom.hide, ...flags.hide])];
  if (flags.hide.length || flags.locked) store.setState({ classroom: { hide, locked: s.classroom.locked || flags.locked } });
  if (flags.lesson) s.setLesson(flags.lesson);
  if (flags.ignored.length && !store.getState().banner) store.setState({ banner: { tone: 'info', text: `Some classroom flags of this link were not understood and are ignored: ${flags.ignored.join(', ')}.` } });
}

/** The share document of the work in `s`. */
export function workDoc(s: Work): ShareDoc {
  const doc: ShareDoc = { v: SHARE_VERSION, spec: s.spec, text: s.text, view: { layer: s.view.layer, head: s.view.head } };
  if (s.presetId) doc.preset = s.presetId;
  if (s.lesson) doc.lesson = { id: s.lesson.id, step: s.lesson.step };
  if (s.classroom.hide.length || s.classroom.locked) doc.classroom = { hide: s.classroom.hide.filter(isPart), locked: s.classroom.locked };
  const train = s.training ? linkRecipe(s.training) : null;
  if (train) doc.train = train;
  // The experiment's definition once someone set one (a link of someone who never did stays as short as before).
  if (s.experiments && !isDefaultDefinition(s.experiments.definition)) doc.experiment = s.experiments.definition;
  return doc;
}

/**
 * The recipe a link carries: model A's run's when there is one (what was trained), else the
 * panel's when it differs from the default (what is about to be); null otherwise, so a link of
 * someone who never touched training stays as short as before. The text goes only with a task
 * that trains on a text; the weights never go.
 */
export function linkRecipe(t: Pick<AppState['training'], 'recipe' | 'runs'>): SharedRecipe | null {
  const r = t.runs.a?.recipe ?? t.recipe;
  if (!t.runs.a && JSON.stringify(r) === JSON.stringify(defaultRecipe())) return null;
  const { text, weightDecay, ...rest } = r;
  const out: SharedRecipe = { ...rest, taskParams: { ...r.taskParams } };
  if (text !== undefined && findTask(r.task)?.takesText) out.text = text;
  if (weightDecay !== undefined) out.weightDecay = weightDecay;
  return out;
}

/** The recipe each store last opened from a link (TrainFiles offers "Train to reproduce" with it). */
const linked = new WeakMap<AppStore, Recipe>();

/** The recipe of the link `store` opened last, or null when the link carried none. */
export function linkedRecipe(store: AppStore): Recipe | null {
  return linked.get(store) ?? null;
}

/** The hash (without '#') of a link to the work in `s`, or why the work does not fit in a link. */
export function workHash(s: Work): { ok: true; hash: string } | { ok: false; reason: string } {
  const hash = shareToHash(workDoc(s));
  const data = hash.length - 2; // after "s="
  if (data <= MAX_LINK_DATA) return { ok: true, hash };
  return { ok: false, reason: `the work is too long for a link (${data} characters of data; a link holds at most ${MAX_LINK_DATA}): shorten the text, or export the configuration` };
}

/**
 * Loads what a link holds into the store: the spec as an undoable edit, then the text, view,
 * preset, lesson and classroom settings. A refused link only sets the banner. True when it opened.
 */
export function openShared(store: AppStore, r: ShareResult, opts: UrlOptions = {}): boolean {
  if (!r.ok) {
    store.setState({ banner: { tone: 'error', text: `This link could not be opened: ${r.reason}. Your work is unchanged.` } });
    return false;
  }
  const { doc } = r;
  // A link replaces the whole page state, a locked classroom's included, so it passes the lock as a lesson does.
  const done = store.getState().edit({ type: 'replace', spec: doc.spec, what: `Opened a shared link: ${doc.spec.name}.` }, 'lesson');
  if (!done.ok) {
    store.setState({ banner: { tone: 'error', text: `This link could not be opened: ${done.reason}. Your work is unchanged.` } });
    return false;
  }
  const notes = [...r.repaired];
  const preset = doc.preset !== undefined && findPreset(doc.preset) ? doc.preset : null;
  if (doc.preset !== undefined && !preset) notes.push(`preset: "${doc.preset}" is not a preset of this version; the model is kept`);
  const lesson = doc.lesson ? lessonWithin(doc.lesson, opts.lessonSteps ?? lessonSteps, notes) : null;
  const banner = notes.length
    ? { tone: 'info' as const, text: `The link was opened with repairs: ${notes.join('; ')}.` }
    : r.format === 'c'
      ? { tone: 'info' as const, text: 'This link is from an older version and holds only the model: it opened with the default text and view.' }
      : null;
  if (doc.train) {
    // The recipe becomes the panel's; training starts only when the person asks (Train to reproduce).
    const recipe: Recipe = doc.train;
    linked.set(store, recipe);
    store.setState({ training: { ...store.getState().training, recipe } });
  } else linked.delete(store);
  // The experiment goes to the Experiments panel (refused while one runs: its notice says so).
  if (doc.experiment) store.getState().experimentsActions.setDefinition(doc.experiment);
  store.setState({ text: doc.text, presetId: preset, lesson, classroom: doc.classroom ?? { hide: [], locked: false }, banner });
  store.getState().selectView(doc.view.layer, doc.view.head);
  return true;
}

/** The lesson of a link, with its step inside the lesson; null (with a note) for a lesson this app does not know. */
function lessonWithin(lesson: { id: string; step: number }, stepsOf: (id: string) => number | undefined, notes: string[]): { id: string; step: number } | null {
  const steps = stepsOf(lesson.id);
  if (steps === undefined || steps < 1) {
    notes.push(`lesson: "${lesson.id}" is not a lesson of this version; it was left out`);
    return null;
  }
  if (lesson.step < steps) return lesson;
  notes.push(`lesson: step ${lesson.step + 1} is past the ${steps} steps of "${lesson.id}"; its last step is shown`);
  return { id: lesson.id, step: steps - 1 };
}

/** A debounced follower of some parts of the state. */
export interface Follower {
  /** Runs a pending call now. */
  flush(): void;
  dispose(): void;
}

/** Calls `fn` once the parts `keys` of the state stop changing for `ms` (and once after start). */
export function followWork(store: AppStore, keys: readonly (keyof AppState)[], ms: number, fn: () => void): Follower {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    timer = null;
    fn();
  };
  const schedule = () => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(run, ms);
  };
  const unsubscribe = store.subscribe((s, prev) => {
    if (keys.some((k) => s[k] !== prev[k])) schedule();
  });
  schedule();
  return {
    flush: () => {
      if (timer === null) return;
      clearTimeout(timer);
      run();
    },
    dispose: () => {
      unsubscribe();
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}

/**
 * Opens the link in the address bar, if any, then keeps the address bar following the work.
 * `opened`: whether a link was opened (the saved work is then not restored).
 */
export function connectUrl(store: AppStore, env: UrlEnv, opts: UrlOptions = {}): Follower & { opened: boolean } {
  let tooLongSaid = false;
  const read = (): boolean => {
    const hash = env.location.hash.replace(/^#/, '');
    return hash !== '' && openShared(store, shareFromLink(hash), opts);
  };
  const write = () => {
    const base = `${env.location.pathname}${env.location.search}`;
    const w = workHash(store.getState());
    if (!w.ok) {
      // A stale link in the address bar would reopen older work on reload: drop it.
      if (env.location.hash) env.history.replaceState(env.history.state, '', base);
      if (!tooLongSaid) store.setState({ banner: { tone: 'info', text: `The address bar no longer holds your work: ${w.reason}.` } });
      tooLongSaid = true;
      return;
    }
    tooLongSaid = false;
    if (env.location.hash !== `#${w.hash}`) env.history.replaceState(env.history.state, '', `${base}#${w.hash}`);
  };

  const opened = read();
  // `training` and `experiments` move with every report; the link changes only with the recipe, whether a run exists, and the experiment's definition.
  const follower = followWork(store, ['spec', 'text', 'view', 'presetId', 'lesson', 'classroom', 'training', 'experiments'], URL_DEBOUNCE_MS, write);
  const onHashChange = () => {
    if (!read()) write(); // a refused link gives way to the work it left untouched
  };
  env.events?.addEventListener('hashchange', onHashChange);
  return {
    opened,
    flush: follower.flush,
    dispose: () => {
      follower.dispose();
      env.events?.removeEventListener('hashchange', onHashChange);
    },
  };
}
