// `npm start -- --port N --host H` serves the app there, cross-origin isolated, with the runtime files.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';

const PORT = 5391;
const HOST = '127.0.0.1';
let child: ChildProcess | null = null;

async function waitFor(url: string, ms: number): Promise<Response> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await fetch(url);
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('npm start', () => {
  afterAll(() => {
    if (child?.pid) process.kill(-child.pid, 'SIGTERM');
  });

  it('honours --port and --host and sends the isolation headers', async () => {
    child = spawn('npm', ['start', '--', '--port', String(PORT), '--host', HOST], { detached: true, stdio: 'ignore' });
    const page = await waitFor(`http://${HOST}:${PORT}/`, 30_000);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const wasm = await fetch(`http://${HOST}:${PORT}/ort/ort-wasm-simd-threaded.jsep.wasm`);
    expect(wasm.status).toBe(200);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(wasm.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const bytes = new Uint8Array(await wasm.arrayBuffer());
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0x61, 0x73, 0x6d]); // "\0asm"
  });
});
