/** Fakes of the browser parts the share and persistence code use: location, history, events, storage. */
import type { PersistEnv } from '../../src/state/persist';
import type { UrlEnv } from '../../src/state/share';

/** A location and history that record every replaceState, and a window that can fire events. */
export function fakeBrowser(hash = '') {
  const replaced: string[] = [];
  const pushed: string[] = [];
  const listeners = new Map<string, Set<() => void>>();
  const location = { hash, pathname: '/playground/', search: '' };
  const setUrl = (url: string) => {
    location.hash = url.includes('#') ? url.slice(url.indexOf('#')) : '';
  };
  const history = {
    state: null,
    replaceState: (_data: unknown, _unused: string, url?: string | null) => {
      replaced.push(url ?? '');
      setUrl(url ?? '');
    },
    pushState: (_data: unknown, _unused: string, url?: string | null) => {
      pushed.push(url ?? '');
      setUrl(url ?? '');
    },
  };
  const events = {
    addEventListener: (type: string, fn: () => void) => void (listeners.get(type) ?? listeners.set(type, new Set()).get(type)!).add(fn),
    removeEventListener: (type: string, fn: () => void) => void listeners.get(type)?.delete(fn),
  };
  const fire = (type: string) => listeners.get(type)?.forEach((fn) => fn());
  const env: UrlEnv = { location, history, events };
  return {
    env,
    events,
    replaced,
    pushed,
    fire,
    /** The person pastes a link into the address bar of the open page. */
    paste: (link: string) => {
      location.hash = link.startsWith('#') ? link : link.includes('#') ? link.slice(link.indexOf('#')) : `#${link}`;
      fire('hashchange');
    },
  };
}

/** An in-memory Storage; `failing` makes reads or writes throw as a blocked or full storage does. */
export function fakeStorage(initial: Record<string, string> = {}, failing: { get?: boolean; set?: boolean } = {}) {
  const data = new Map(Object.entries(initial));
  let writes = 0;
  const storage: NonNullable<PersistEnv['storage']> = {
    getItem: (k) => {
      if (failing.get) throw new Error('SecurityError');
      return data.get(k) ?? null;
    },
    setItem: (k, v) => {
      if (failing.set) throw new Error('QuotaExceededError');
      writes++;
      data.set(k, v);
    },
  };
  return { storage, data, writes: () => writes };
}
