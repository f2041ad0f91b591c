/**
 * One part of the page as classroom mode and lessons see it. Hidden when a classroom link hides
 * it; when the current lesson step points at it, its panel is outlined, described by the step's
 * text (aria-describedby) and scrolled into view. The wrapper has `display: contents`, so the
 * layout around it is unchanged; the marks go on the panel itself, its first element.
 */
import { useEffect, useRef, type ReactNode } from 'react';
import type { FocusKey, HideKey } from '../../presets/lessons';
import { ErrorBoundary } from '../ErrorBoundary';
import { useAppStore } from '../useApp';
import { STEP_BODY_ID, useFocusToken, useHidden } from './classroom';
import './lessons.css';

/** Scrolling that respects a wish for reduced motion. */
const scrolling = (): ScrollIntoViewOptions => ({ block: 'nearest', behavior: window.matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });

/** Marks `el` as the step's panel; returns how to take the marks off again. */
function mark(el: HTMLElement): () => void {
  el.dataset['lessonFocus'] = 'true';
  const before = el.getAttribute('aria-describedby');
  const ids = new Set((before ?? '').split(/\s+/).filter(Boolean));
  ids.add(STEP_BODY_ID);
  el.setAttribute('aria-describedby', [...ids].join(' '));
  return () => {
    delete el.dataset['lessonFocus'];
    if (before === null) el.removeAttribute('aria-describedby');
    else el.setAttribute('aria-describedby', before);
  };
}

/** Scrolls the panel of `name` into view and moves keyboard focus to it (the lesson's "Show me"). */
export function revealPart(name: string): boolean {
  const el = document.querySelector<HTMLElement>(`[data-part="${name}"] > *`);
  if (!el) return false;
  if (!el.hasAttribute('tabindex')) el.tabIndex = -1;
  el.focus({ preventScroll: true });
  el.scrollIntoView(scrolling());
  return true;
}

export function Part({ name, children }: { name: FocusKey | HideKey; children: ReactNode }) {
  const hidden = useHidden(name);
  const token = useFocusToken(name);
  const store = useAppStore();
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const wrap = ref.current;
    if (!token || !wrap) return;
    let unmark: (() => void) | null = null;
    let marked: Element | null = null;
    // The panel may be replaced by its component (a result arrives, an error is caught): follow it.
    const follow = () => {
      const el = wrap.firstElementChild;
      if (el === marked) return;
      unmark?.();
      marked = el;
      unmark = el instanceof HTMLElement ? mark(el) : null;
    };
    follow();
    // Scroll once the views hold a result: before that the panels above have no height yet (a link opened at a step).
    let frame = 0;
    const scroll = () => (frame = requestAnimationFrame(() => (marked as HTMLElement | null)?.scrollIntoView(scrolling())));
    let waiting: (() => void) | null = null;
    if (store.getState().result) scroll();
    else
      waiting = store.subscribe((s) => {
        if (!s.result) return;
        waiting?.();
        waiting = null;
        scroll();
      });
    const observer = new MutationObserver(follow);
    observer.observe(wrap, { childList: true });
    return () => {
      observer.disconnect();
      waiting?.();
      cancelAnimationFrame(frame);
      unmark?.();
    };
  }, [token, store]);

  if (hidden) return null;
  return (
    <div ref={ref} className="part" data-part={name} data-focused={token ? 'true' : undefined}>
      {children}
    </div>
  );
}

/** A view of the page as a part: hidden or pointed at as above, and kept by an error boundary from blanking the rest when it fails. */
export function ViewPart({ name, what, children }: { name: FocusKey; what: string; children: ReactNode }) {
  return (
    <Part name={name}>
      <ErrorBoundary what={what}>{children}</ErrorBoundary>
    </Part>
  );
}
