/**
 * npm run bench:lessons [-- --only ID,ID]: each lesson's experiments, run in the page as a student
 * would (headless Chromium, production build, WASM): open the lesson at each step that sets an
 * experiment (`?lesson=ID&step=N`), press Run in the Experiments panel, wait until it is done. Recorded per lesson: runs, steps in all, seconds from the press to done (the page's own
 * clock), and the step's text with its figures filled in from the page's results.
 *
 * Results: bench/results/lessons.json and docs/benchmarks.md between <!-- lessons:start/end -->.
 * The machine is shared: the seconds are what one run took on it then, not a property of the lesson.
 */
import { LESSONS } from '../../src/presets/lessons';
import { planRuns } from '../../src/train/experiment';
import { openApp } from './app';
import { flag, machine, writeResult, writeSection } from './results';

interface LessonTiming {
  id: string;
  title: string;
  step: number;
  runs: number;
  steps: number;
  seconds: number;
  status: string;
  /** The step's text as the page showed it after the run, figures filled in. */
  body: string;
}

const only = flag(process.argv.slice(2), 'only')?.split(',');
/** Every step that sets an experiment of its own, lesson by lesson. */
const lessons = LESSONS.flatMap((lesson) =>
  only && !only.includes(lesson.id)
    ? []
    : lesson.steps.flatMap((s, step) => {
        if (!s.experiment) return [];
        const exp = s.experiment();
        const runs = planRuns(exp);
        return [{ lesson, step, title: exp.title, runs: runs.length, steps: runs.reduce((n, r) => n + r.recipe.steps, 0) }];
      }),
);

const app = await openApp({ port: Number(process.env['BENCH_PORT'] ?? 4390) });
const timings: LessonTiming[] = [];
try {
  for (const { lesson, step, title, runs, steps } of lessons) {
    const page = await app.open();
    await page.goto(`${app.url}?lesson=${lesson.id}&step=${step + 1}`); // the link counts steps from 1
    await page.waitForSelector('[data-testid=status]:text-is("ready")', { timeout: 300_000 });
    // The panel holds the step's experiment (not the page's starting one) before Run is pressed.
    await page.waitForFunction((t) => document.querySelector('[data-testid=experiment-title]')?.textContent?.trim() === t, title, { timeout: 120_000 });
    await page.waitForSelector('[data-testid=experiment-run]:not([disabled])', { timeout: 120_000 });
    const started = await page.evaluate(() => performance.now());
    await page.getByTestId('experiment-run').click();
    await page.waitForSelector('[data-testid=experiment-status]:is([data-status=done],[data-status=failed],[data-status=stopped])', { timeout: 3_600_000 });
    const ended = await page.evaluate(() => performance.now());
    const status = (await page.getAttribute('[data-testid=experiment-status]', 'data-status')) ?? '?';
    // The step's figures fill from the result once it is in the store.
    await page.waitForFunction(() => !document.querySelector('[data-testid=lesson-step-body]')?.textContent?.includes('(run'), null, { timeout: 60_000 }).catch(() => undefined);
    const body = (await page.getByTestId('lesson-step-body').textContent()) ?? '';
    const t: LessonTiming = { id: lesson.id, title: lesson.title, step, runs, steps, seconds: (ended - started) / 1000, status, body };
    console.log(`${t.id}: ${t.runs} runs, ${t.steps} steps, ${t.seconds.toFixed(0)} s (${t.status})`);
    timings.push(t);
    await page.context().close();
  }
  const m = machine(app.browser);
  const date = new Date().toISOString().slice(0, 10);
  writeResult('lessons.json', { date, machine: m, lessons: timings });
  const minutes = (s: number) => `${Math.round(s)} s (${(s / 60).toFixed(1)} min)`;
  const rows = timings.map((t) => `| ${t.title} (\`${t.id}\`) | ${t.step + 1} | ${t.runs} | ${t.steps.toLocaleString('en')} | ${minutes(t.seconds)} | ${t.status} |`);
  const ids = [...new Set(timings.map((t) => t.id))];
  const totals = ids.map((id) => `| ${id} | ${minutes(timings.filter((t) => t.id === id).reduce((n, t) => n + t.seconds, 0))} |`);
  writeSection(
    'lessons',
    [
      '<!-- lessons:start -->',
      `Measured by \`npm run bench:lessons\` on ${date}: ${m.model}, ${m.cpus} cores, ${m.browser ?? 'Chromium'}, headless, production build, WASM.`,
      "Each lesson is opened at each step that sets an experiment (the Step column, counted from 1) and Run pressed, as a student would; the time is from the press to the panel's \"done\", the page's own clock. The machine is shared, so a quiet one is faster.",
      '',
      '| Lesson | Step | Runs | Steps in all | In the page | Ended |',
      '| --- | ---: | ---: | ---: | ---: | --- |',
      ...rows,
      '',
      'Each lesson, every experiment of it run one after another:',
      '',
      '| Lesson | In the page |',
      '| --- | ---: |',
      ...totals,
      '<!-- lessons:end -->',
    ].join('\n'),
    'Training lessons in the page',
  );
} finally {
  await app.close();
}
