/** Types of find-browser.mjs for the TypeScript files that import it. */
export interface FoundBrowser {
  path: string;
  source: string;
}
export const INSTALL_HELP: string;
export function findBrowser(env?: Record<string, string | undefined>): FoundBrowser | null;
