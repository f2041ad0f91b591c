// The eviction-cost view's budget field: defaults from the text's length, and what it refuses.
import { describe, expect, it } from 'vitest';
import { defaultBudgets, parseBudgets } from '../../../src/ui/views/EvictionCost';

describe('EvictionCost budgets', () => {
  it('defaults to an eighth, a quarter and half of the text, distinct and at least 1', () => {
    expect(defaultBudgets(43)).toEqual([5, 11, 22]);
    expect(defaultBudgets(3)).toEqual([1, 2]);
  });
  it('reads "8, 4 4" as [4, 8] and refuses what is not a whole number from 1', () => {
    expect(parseBudgets('8, 4 4')).toEqual([4, 8]);
    expect(parseBudgets('')).toMatch(/at least one/);
    expect(parseBudgets('4, 0')).toMatch(/whole number/);
    expect(parseBudgets('2.5')).toMatch(/whole number/);
  });
});
