/**
 * The app in a browser, for the benchmarks and `npm run screenshot`: builds it with `vite build`
 * into a temporary folder, serves it with `vite preview` on a port, finds and launches Chromium
 * (scripts/find-browser.mjs, with the e2e tests' quiet flags) and opens pages on it. `close()`
 * undoes all of it. With `url` it builds and serves nothing and opens that address instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { findBrowser, INSTALL_HELP, QUIET_FLAGS } from '../find-browser.mjs';
import { root } from './results';

/** Chromium without its frame-rate limit: a frame takes as long as its work, not a vsync interval. */
export const UNLIMITED_FRAMES = ['--disable-frame-rate-limit', '--disable-gpu-vsync'];
/** SwiftShader's WebGPU adapter (a CPU emulation: it runs WebGPU code, but its times say nothing about a GPU). */
export const SWIFTSHADER_WEBGPU = ['--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-webgpu-adapter=swiftshader'];

export const VIEWPORT = { width: 1400, height: 1000 };

export interface AppOptions {
  /** The port `vite preview` serves on; BENCH_PORT overrides it. */
  port: number;
  /** Chromium flags besides the quiet ones. */
  flags?: string[];
  /** An address to open instead of building and serving the app. */
  url?: string;
}

export interface App {
  /** The page's address, with a trailing slash. */
  url: string;
  /** Chromium launched with the quiet flags and `flags`. */
  browser: Browser;
  /** Launches another Chromium with the same flags and `extra` (closed by `close()`). */
  launch(extra?: string[]): Promise<Browser>;
  /** A persistent context (a profile on disk in `dir`) with the same flags (closed by `close()`). */
  persistent(dir: string): Promise<BrowserContext>;
  /** A new page of `browser` (or of `on`) at the app's address, in a context of its own. */
  open(options?: { viewport?: { width: number; height: number }; on?: Browser; acceptDownloads?: boolean }): Promise<Page>;
  close(): Promise<void>;
}

/** Waits until `url` answers, for at most `ms`. */
async function serving(url: string, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`nothing answers at ${url}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Builds and serves the app (unless `url`), launches Chromium; exits with what to install when there is none. */
export async function openApp({ port, flags = [], url }: AppOptions): Promise<App> {
  const browserPath = findBrowser()?.path;
  if (!browserPath) {
    console.error(INSTALL_HELP);
    process.exit(1);
  }
  const args = [...QUIET_FLAGS, ...flags];
  let out: string | null = null;
  let server: ChildProcess | null = null;
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
    server?.kill();
    if (out) rmSync(out, { recursive: true, force: true });
  };
  try {
    if (!url) {
      port = Number(process.env['BENCH_PORT'] ?? port);
      out = mkdtempSync(join(tmpdir(), 'tp-bench-'));
      const vite = join(root, 'node_modules/.bin/vite');
      if (spawnSync(vite, ['build', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' }).status !== 0) throw new Error('vite build failed');
      server = spawn(vite, ['preview', '--outDir', out, '--port', String(port), '--strictPort', '--host', '127.0.0.1'], { cwd: root, stdio: 'ignore' });
      url = `http://127.0.0.1:${port}/`;
      await serving(url);
    }
    const launch = async (extra: string[] = []) => {
      const b = await chromium.launch({ executablePath: browserPath, args: [...args, ...extra] });
      closers.push(() => b.close());
      return b;
    };
    const browser = await launch();
    const address = url;
    return {
      url: address,
      browser,
      launch,
      persistent: async (dir) => {
        const context = await chromium.launchPersistentContext(dir, { executablePath: browserPath, args, viewport: VIEWPORT });
        closers.push(() => context.close());
        return context;
      },
      open: async ({ viewport = VIEWPORT, on = browser, acceptDownloads = false } = {}) => {
        const context = await on.newContext({ viewport, acceptDownloads });
        const page = await context.newPage();
        await page.goto(address);
        return page;
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Runs `body` on the app and closes it whatever happens; exits non-zero when it throws. */
export async function withApp(options: AppOptions, body: (app: App) => Promise<void>): Promise<void> {
  let app: App | null = null;
  let code = 0;
  try {
    app = await openApp(options);
    await body(app);
  } catch (e) {
    console.error(e);
    code = 1;
  } finally {
    await app?.close();
  }
  process.exit(code);
}

/** Memory of the page's WASM worker and of the page, in bytes (null where the browser does not say). */
export interface PageMemory {
  workerWasmBytes: number | null;
  workerJsBytes: number | null;
  pageJsBytes: number | null;
  sessions: number;
}

/**
 * The WASM worker's heaps as the statistics panel reports them after the newest result (its JS heap
 * from the browser's own measurement when the panel has none), and the page's JS heap after a GC
 * (in a browser launched with --js-flags=--expose-gc and --enable-precise-memory-info).
 */
export async function readMemory(page: Page): Promise<PageMemory> {
  const id = await page.getAttribute('[data-testid=attention-map]', 'data-result-id');
  await page.waitForSelector(`[data-testid=runtime-memory][data-result-id="${id}"]`, { timeout: 120_000 });
  const m = await page.getByTestId('runtime-memory').evaluate((el: HTMLElement) => ({ ...el.dataset }));
  const { pageJs, workerJs } = await page.evaluate(async () => {
    (globalThis as { gc?: () => void }).gc?.();
    // The browser's own measurement (cross-origin isolated pages only) splits memory by realm: the workers' JS heaps.
    type Breakdown = { bytes: number; attribution: { scope: string; url: string }[] }[];
    const perf = performance as Performance & { measureUserAgentSpecificMemory(): Promise<{ breakdown: Breakdown }>; memory?: { usedJSHeapSize: number } };
    let workerJs: number | null = null;
    try {
      const r = await perf.measureUserAgentSpecificMemory();
      workerJs = r.breakdown.filter((b) => b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope' && /wasm\.worker/.test(a.url))).reduce((n, b) => n + b.bytes, 0);
    } catch {
      // not available: left out
    }
    return { pageJs: perf.memory?.usedJSHeapSize ?? null, workerJs };
  });
  return { workerWasmBytes: Number(m['wasmBytes']) || null, workerJsBytes: Number(m['jsHeapBytes']) || workerJs || null, pageJsBytes: pageJs, sessions: Number(m['sessions']) };
}
