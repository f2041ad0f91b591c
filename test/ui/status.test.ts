import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../src/state/store';
import { statusLine } from '../../src/ui/StatusBar';

const ready = { phase: 'ready', info: {} } as unknown as Parameters<typeof statusLine>[0]['runtime'];

describe('the status line', () => {
  it('says a part of the page failed to draw instead of "ready", and "ready" again once it draws', () => {
    const store = createAppStore();
    store.setState({ runtime: ready, run: { phase: 'done', id: 1 } });
    expect(statusLine(store.getState())).toEqual({ text: 'ready', tone: 'ok' });

    store.getState().setViewFailure('attention map', 'Maximum update depth exceeded');
    expect(statusLine(store.getState())).toEqual({ text: 'the attention map could not be drawn: Maximum update depth exceeded', tone: 'error' });
    store.getState().setViewFailure('entropy view', 'boom');
    expect(statusLine(store.getState()).text).toBe('the attention map could not be drawn: Maximum update depth exceeded (and 1 more part)');

    store.getState().setViewFailure('attention map', null);
    expect(statusLine(store.getState())).toEqual({ text: 'the entropy view could not be drawn: boom', tone: 'error' });
    store.getState().setViewFailure('entropy view', null);
    expect(statusLine(store.getState())).toEqual({ text: 'ready', tone: 'ok' });
  });

  it('a run in progress or a failed run still comes first', () => {
    const store = createAppStore();
    store.setState({ runtime: ready, run: { phase: 'running', id: 2, stage: 'compiling' } });
    store.getState().setViewFailure('attention map', 'x');
    expect(statusLine(store.getState())).toEqual({ text: 'compiling…', tone: 'busy' });
    store.setState({ run: { phase: 'failed', id: 2, message: 'out of memory' } });
    expect(statusLine(store.getState())).toEqual({ text: 'the model could not run: out of memory', tone: 'error' });
  });

  it('clearing a part that never failed changes nothing', () => {
    const store = createAppStore();
    const before = store.getState().viewFailures;
    store.getState().setViewFailure('editor', null);
    expect(store.getState().viewFailures).toBe(before);
  });
});
