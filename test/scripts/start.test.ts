// `npm start -- --port N --host H` serves the app there, cross-origin isolated, with the runtime files.
import { spawn, type ChildProcess } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const PORT = 5391;
const HOST = '127.0.0.1';
let child: ChildProcess | null = null;

/** Resolves once the server says it listens (Vite prints its "Local:" address): a state, not a clock. */
function listening(proc: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/Local:\s+http/.test(stripVTControlCharacters(out))) resolve(); // with CI set, Vite colours its output
    });
    proc.on('exit', (code) => reject(new Error(`npm start exited (${code}) before serving:\n${out}`)));
  });
}

describe('npm start', () => {
  afterAll(() => {
    if (child?.pid) process.kill(-child.pid, 'SIGTERM');
  });

  // No clock of our own: the wait ends when the server says it listens (or the runner's generous limit).
  it('honours --port and --host and sends the isolation headers', { timeout: 300_000 }, async () => {
    child = spawn('npm', ['start', '--', '--port', String(PORT), '--host', HOST], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    await listening(child);
    const page = await fetch(`http://${HOST}:${PORT}/`);
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
