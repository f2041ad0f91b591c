/** Helpers for mixture-of-experts router probabilities. */

/**
 * The index nearest to `at` whose flag is set (the earlier one on a tie), or null when none is.
 * The router view uses it to show the selected layer run, or the nearest run with a router.
 */
export function nearestFlagged(flags: readonly boolean[], at: number): number | null {
  const a = Math.min(Math.max(at, 0), flags.length - 1);
  for (let d = 0; d < flags.length; d++) {
    if (flags[a - d]) return a - d;
    if (flags[a + d]) return a + d;
  }
  return null;
}
