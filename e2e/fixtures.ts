/**
 * The `test` every spec uses: Playwright's, plus an automatic fixture that records every request
 * the browser context makes during the test and fails the test if any went anywhere but this
 * machine (the test server on 127.0.0.1, or localhost, on any port). data: and blob: URLs are local.
 *
 * Requests are heard on the browser context, which in this Playwright (1.65, Chromium) also hears
 * the requests of the page's dedicated workers: the inference worker's script, the onnxruntime-web
 * glue (/ort/*.mjs) it imports, the .wasm it fetches and the glue its pthread workers load
 * (e2e/network.spec.ts checks that they are all in the log). Contexts a test opens itself with
 * browser.newContext() are heard too, and WebSockets per page. Every context is also asked, before
 * its pages load, to write what the views draw into data attributes (src/ui/views/drawnData.ts).
 */
import { test as base, type BrowserContext, type Page, type Request } from '@playwright/test';

export { expect } from '@playwright/test';

/** One request the browser made during the test. */
export interface LoggedRequest {
  url: string;
  /** Playwright's resource type (document, script, fetch, …), or 'websocket'. */
  type: string;
  method: string;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True when `url` stays on this machine: http(s)/ws(s) to 127.0.0.1, localhost or [::1] on any port, or a data:/blob: URL. */
export function isLocalUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  // data: and blob: URLs are read from memory in the browser, never fetched over the network.
  if (u.protocol === 'data:' || u.protocol === 'blob:') return true;
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) return false;
  return LOCAL_HOSTS.has(u.hostname);
}

/** Throws, listing them, when any request in `log` went elsewhere than this machine. */
export function expectStayedLocal(log: readonly LoggedRequest[]): void {
  const away = [...new Set(log.filter((r) => !isLocalUrl(r.url)).map((r) => `${r.method} ${r.url} (${r.type})`))];
  if (away.length > 0) throw new Error(`${away.length} request(s) left localhost during the test:\n  ${away.join('\n  ')}`);
}

export const test = base.extend<{ requestLog: LoggedRequest[] }>({
  requestLog: [
    async ({ browser, context }, use) => {
      const log: LoggedRequest[] = [];
      const record = (r: Request) => log.push({ url: r.url(), type: r.resourceType(), method: r.method() });
      const watchSockets = (page: Page) => page.on('websocket', (ws) => log.push({ url: ws.url(), type: 'websocket', method: 'GET' }));
      const watched: BrowserContext[] = [];
      const watch = (c: BrowserContext) => {
        watched.push(c);
        // Tests read maps from data attributes, which the page writes only when asked (src/ui/views/drawnData.ts).
        void c.addInitScript(() => Object.assign(globalThis, { __tpDrawnData: true }));
        c.on('request', record);
        c.pages().forEach(watchSockets);
        c.on('page', watchSockets);
      };
      // The test's own context, and any a test opens itself with browser.newContext().
      watch(context);
      browser.on('context', watch);
      await use(log);
      browser.off('context', watch);
      for (const c of watched) {
        c.off('request', record);
        c.off('page', watchSockets);
      }
      expectStayedLocal(log);
    },
    { auto: true },
  ],
});
