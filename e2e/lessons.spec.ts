/**
 * Lessons and classroom mode in the page: every step of every lesson is entered through the lesson
 * panel, sets its model, text and view, outlines the panel it points at (described by the step's
 * text) and draws its views without error. Classroom flags in the query hide parts and lock the
 * lesson.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { LESSONS, resolveStep, type Lesson } from '../src/presets/lessons';
import { DEFAULT_TEXT, defaultSpec } from '../src/spec/defaults';
import { validateSpec } from '../src/spec/schema';
import type { Spec } from '../src/spec/types';
import { tokenize } from '../src/spec/vocab';
import { expectViewsDrawn, watchErrors } from './drawn';
import { expectedStepBody } from './figures';
import { waitForMap } from './helpers';

const resultId = async (page: Page) => Number((await page.getByTestId('attention-map').getAttribute('data-result-id')) ?? -1);
const validated = (spec: Spec): Spec => {
  const r = validateSpec(spec);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.spec;
};

/** Checks that the page shows step `i` of `lesson`, fully drawn, with its panel outlined. */
async function expectStep(page: Page, lesson: Lesson, i: number) {
  const step = lesson.steps[i]!;
  const r = resolveStep(lesson, i);
  const what = `${lesson.id} step ${i + 1}`;
  const panel = page.getByTestId('lesson-panel');
  await expect(panel.getByTestId('lesson-progress')).toHaveText(`Step ${i + 1} of ${lesson.steps.length}`);
  await expect(panel.getByTestId('lesson-step-title')).toHaveText(step.title);
  // Figures in the text come from this step's result; a run in Node must give the same.
  await expect(panel.getByTestId('lesson-step-body')).toHaveText(await expectedStepBody(lesson, i));
  // The model, text and view of the step.
  await expect(page.getByTestId('model-name'), what).toHaveText(r.spec.name);
  await expect(page.getByTestId('layer-card'), what).toHaveCount(r.spec.layers.length);
  await expect(page.getByRole('textbox', { name: 'Text' })).toHaveValue(r.text);
  const map = page.getByTestId('attention-map');
  await expect(map, what).toHaveAttribute('data-text', r.text);
  await expect(map, what).toHaveAttribute('data-rows', String(tokenize(r.text, r.spec.maxLen).ids.length));
  await expect(map, what).toHaveAttribute('data-layer', String(r.view.layer));
  await expect(map, what).toHaveAttribute('data-head', String(r.view.head));
  if (await page.getByTestId('preset-select').count()) await expect(page.getByTestId('preset-select'), what).toHaveValue(r.presetId ?? '');
  // The panel the step points at: outlined, described by the step's text, and the only one.
  const focused = page.locator(`[data-part="${step.focus}"] > [data-lesson-focus="true"]`);
  await expect(focused, what).toHaveCount(1);
  await expect(focused, what).toBeVisible();
  await expect(focused, what).toHaveAttribute('aria-describedby', /(^| )lesson-step-body( |$)/);
  await expect(page.locator('[data-lesson-focus="true"]'), what).toHaveCount(1);
  await expectViewsDrawn(page, r.spec, what);
}

test.describe('lessons', () => {
  for (const lesson of LESSONS) {
    test(`the lesson "${lesson.id}" walks through every step`, async ({ page }) => {
      test.setTimeout(120_000);
      const watch = watchErrors(page);
      await page.goto('/');
      await waitForMap(page, 43);
      let before = await resultId(page);
      await page.getByTestId('lesson-select').selectOption(lesson.id);
      let shown = JSON.stringify([validated(defaultSpec()), DEFAULT_TEXT]);
      for (let i = 0; i < lesson.steps.length; i++) {
        if (i > 0) {
          before = await resultId(page);
          await page.getByTestId('lesson-next').click();
        }
        const r = resolveStep(lesson, i);
        const now = JSON.stringify([validated(r.spec), r.text]);
        // A step that changes the model or the text is drawn from a new result.
        if (now !== shown) await expect.poll(() => resultId(page), { message: `a new result for step ${i + 1}` }).toBeGreaterThan(before);
        shown = now;
        await expectStep(page, lesson, i);
      }
      await expect(page.getByTestId('lesson-next')).toHaveAttribute('aria-disabled', 'true');
      expect(watch.errors()).toEqual([]);
    });
  }

  test('Back returns to the previous step, the keyboard works, "Show me" focuses the panel, and Exit keeps the model', async ({ page }) => {
    await page.goto('/');
    await waitForMap(page, 43);
    await page.getByTestId('lesson-select').selectOption('positions');
    const lesson = LESSONS.find((l) => l.id === 'positions')!;
    await expect(page.getByTestId('lesson-back')).toHaveAttribute('aria-disabled', 'true');
    await page.getByTestId('lesson-next').focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('lesson-progress')).toHaveText('Step 3 of 6');
    await expect(page.getByTestId('lesson-next')).toBeFocused();
    await page.getByRole('button', { name: '← Back' }).click();
    await expectStep(page, lesson, 1);
    await page.getByRole('button', { name: 'Show me: Attention map' }).click();
    await expect(page.locator('[data-part="attention-map"] > *')).toBeFocused();
    await page.getByRole('button', { name: 'Exit lesson' }).click();
    await expect(page.getByTestId('lesson-panel')).toHaveCount(0);
    await expect(page.locator('[data-lesson-focus]')).toHaveCount(0);
    await expect(page.getByTestId('model-name')).toHaveText(resolveStep(lesson, 1).spec.name);
    await expect(page.getByTestId('lesson-select')).toHaveValue('');
    // The lesson's models were ordinary edits: undo walks back through them (Back was one too).
    await page.getByTestId('undo').click();
    await expect(page.getByTestId('model-name')).toHaveText(resolveStep(lesson, 2).spec.name);
  });
});

test('a lesson step has no serious accessibility violations, its panel outline included', async ({ page }) => {
  await page.goto('/?lesson=entropy-collapse&step=2');
  await expect(page.locator('[data-part="settings"] > [data-lesson-focus="true"]')).toBeVisible();
  await expect(page.getByTestId('status')).toHaveText('ready');
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`);
  expect(serious).toEqual([]);
});

test.describe('classroom mode', () => {
  test('?classroom=palette,settings&lock=1&lesson=…&step=3 hides those parts, opens the step and locks the lesson', async ({ page }) => {
    const lesson = LESSONS.find((l) => l.id === 'entropy-collapse')!;
    await page.goto('/?classroom=palette,settings&lock=1&lesson=entropy-collapse&step=3');
    await expect(page.getByTestId('lesson-progress')).toHaveText(`Step 3 of ${lesson.steps.length}`);
    await expectStep(page, lesson, 2);
    await expect(page.getByRole('region', { name: 'Block palette' })).toHaveCount(0);
    await expect(page.getByRole('region', { name: 'Model settings' })).toHaveCount(0);
    await expect(page.getByRole('complementary', { name: 'Blocks and settings' })).toHaveCount(0);
    await expect(page.locator('main.workbench')).toHaveClass(/classroom-layout/);
    // Locked: no exit, no pickers, and the model cannot be edited by hand.
    const panel = page.getByTestId('lesson-panel');
    await expect(panel).toHaveAttribute('data-locked', 'true');
    await expect(panel.getByText('locked', { exact: true })).toBeVisible();
    await expect(page.getByTestId('lesson-exit')).toHaveCount(0);
    await expect(page.getByTestId('lesson-select')).toHaveCount(0);
    await expect(page.getByTestId('preset-select')).toHaveCount(0);
    await page.getByRole('button', { name: 'Add a layer' }).click();
    await expect(page.getByTestId('edit-notice')).toHaveAttribute('data-tone', 'refused');
    await expect(page.getByTestId('edit-notice')).toContainText('locked');
    await expect(page.getByTestId('layer-card')).toHaveCount(2);
    await page.locator('body').press('Control+z');
    await expect(page.getByTestId('edit-notice')).toContainText('locked');
    await expect(page.getByTestId('model-name')).toHaveText(resolveStep(lesson, 2).spec.name);
    // The lesson itself still moves the model.
    await page.getByTestId('lesson-next').click();
    await expectStep(page, lesson, 3);
  });

  test('?classroom=views,export,stats leaves the editor alone and says which flags it did not understand', async ({ page }) => {
    await page.goto('/?classroom=views,export,stats,bogus&lock=maybe');
    await expect(page.getByRole('region', { name: 'Views' })).toHaveCount(0);
    await expect(page.getByRole('group', { name: 'Export' })).toHaveCount(0);
    await expect(page.getByTestId('stats')).toHaveCount(0);
    await expect(page.getByRole('region', { name: 'Block palette' })).toBeVisible();
    await expect(page.getByTestId('banner')).toContainText('classroom=bogus');
    await expect(page.getByTestId('banner')).toContainText('lock=maybe');
    // Not locked: editing works and no lesson is open.
    await expect(page.getByTestId('lesson-panel')).toHaveCount(0);
    await page.getByRole('button', { name: 'Add a layer' }).click();
    await expect(page.getByTestId('layer-card')).toHaveCount(3);
  });
});
