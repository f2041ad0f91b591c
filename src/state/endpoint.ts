/**
 * A Web Worker as the host (src/state/host.ts) sees it: its API through comlink, and a promise
 * that says when it is gone. A worker that throws at the top level or cannot load its script
 * fires "error"; a worker that ends any other way (closed, terminated, killed by the browser)
 * releases the Web Lock it holds for its lifetime (workers/serve.ts), which the page then gets.
 */
import * as Comlink from 'comlink';
import type { InferenceApi } from '../../workers/api';
import type { Endpoint, Provider } from './host';

/** Starts a worker with `create(name)` (the name is the worker's lock) and wraps it as an Endpoint. */
export function workerEndpoint(provider: Provider, create: (name: string) => Worker): Endpoint {
  const id = globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random()}`;
  const name = `tp-${provider}-${id}`;
  const worker = create(name);
  let end: (why: string) => void = () => undefined;
  const gone = new Promise<string>((resolve) => (end = resolve));
  worker.addEventListener('error', (e) => {
    e.preventDefault();
    end(e.message ? `it failed: ${e.message}` : 'it could not load or failed');
  });
  worker.addEventListener('messageerror', () => end('a message from it could not be read'));
  const remote = Comlink.wrap<InferenceApi>(worker);
  // init's listener crosses to the worker as a comlink proxy; everything else passes through.
  const api = new Proxy(remote, {
    get: (target, key) => (key === 'init' ? (onEvent?: Parameters<InferenceApi['init']>[0]) => target.init(onEvent ? Comlink.proxy(onEvent) : undefined) : Reflect.get(target, key)),
  }) as unknown as InferenceApi;
  const locks = (globalThis.navigator as Navigator & { locks?: LockManager }).locks;
  return {
    provider,
    api,
    gone,
    watch() {
      void locks?.request(name, async () => end('it ended unexpectedly'));
    },
    terminate() {
      worker.terminate();
      end('it was stopped');
    },
  };
}
