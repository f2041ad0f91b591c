/**
 * Watching the page and its workers for Content-Security-Policy violations (e2e/csp.spec.ts,
 * e2e/csp.webgpu.spec.ts).
 */
import type { Page, Worker } from '@playwright/test';

export interface Violation {
  directive: string;
  blocked: string;
  source: string;
  sample: string;
}

type Recorded = { __cspViolations: Violation[] };

/** Records the page's `securitypolicyviolation` events on window (an init script: it runs before the app). */
function recordViolations() {
  const seen: Violation[] = [];
  (window as unknown as Recorded).__cspViolations = seen;
  window.addEventListener(
    'securitypolicyviolation',
    (e) => seen.push({ directive: e.effectiveDirective, blocked: e.blockedURI, source: `${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`, sample: e.sample }),
    true,
  );
}

/**
 * The same for a worker, put in front of its script as it is served, so it listens before the
 * worker's own code runs (zod, for one, probes for eval while its module loads — long before
 * Playwright could evaluate anything in the worker). It reports on the worker's console, as a
 * worker busy in a WebAssembly thread cannot be asked later. The guard keeps it to one listener
 * where the same file is also imported (/ort/*.mjs is the inference worker's onnxruntime-web glue
 * and the script of its pthread workers).
 */
const WORKER_PRELUDE = `if (!self.__cspWatch) {
  self.__cspWatch = true;
  self.addEventListener('securitypolicyviolation', (e) => console.error('securitypolicyviolation ' + JSON.stringify({ directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber, sample: e.sample })), true);
}
`;

/** The app's worker scripts: the inference worker, and onnxruntime-web's glue that its pthread workers run. */
const WORKER_SCRIPTS = /\/(assets\/[^/]*\.worker-[^/]*\.js|ort\/[^/]*\.mjs)$/;

/**
 * Starts listening before the page loads: `securitypolicyviolation` events in the page and in every
 * worker, and console messages that mention the policy. This Playwright forwards the browser's own
 * policy messages from the page's console but not from a worker's: in workers the events are what
 * counts. (A refused eval that is caught, like zod's probe, makes an event but no console message.)
 */
export async function watchPolicy(page: Page) {
  await page.addInitScript(recordViolations);
  const prefixed: string[] = [];
  await page.route(WORKER_SCRIPTS, async (route) => {
    const response = await route.fetch();
    prefixed.push(new URL(route.request().url()).pathname);
    // The response's own headers go with it: a worker takes its policy from them.
    await route.fulfill({ response, body: WORKER_PRELUDE + (await response.text()) });
  });
  const messages: string[] = [];
  const inWorkers: (Violation & { where: string })[] = [];
  const mentionsPolicy = (text: string) => /content[- ]security[- ]policy/i.test(text);
  page.on('console', (m) => {
    if (mentionsPolicy(m.text())) messages.push(`page ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => {
    if (mentionsPolicy(e.message)) messages.push(`page error: ${e.message}`);
  });
  const workers: Worker[] = [];
  page.on('worker', (worker) => {
    workers.push(worker);
    worker.on('console', (m) => {
      const event = /^securitypolicyviolation (.*)$/s.exec(m.text());
      if (event) inWorkers.push({ where: worker.url(), ...(JSON.parse(event[1]!) as Violation) });
      else if (mentionsPolicy(m.text())) messages.push(`worker ${worker.url()} ${m.type()}: ${m.text()}`);
    });
  });
  return {
    workers: () => [...workers],
    /** The paths of the scripts served with the listener in front. */
    prefixed: () => [...prefixed],
    messages: () => [...messages],
    /** Every violation so far, each labelled with where it happened. */
    events: async () => [
      ...(await page.evaluate(() => (window as unknown as Recorded).__cspViolations)).map((v) => ({ where: 'page', ...v })),
      ...inWorkers,
    ],
  };
}
