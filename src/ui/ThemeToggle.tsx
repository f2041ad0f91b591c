/**
 * Light or dark theme: a toggle in the top bar that sets data-theme on <html> (app.css holds both
 * sets of colours). The choice is remembered in localStorage ("tp.theme"); until a person chooses,
 * the theme follows the system's prefers-color-scheme, live.
 */
import { useEffect, useLayoutEffect, useState } from 'react';

export type Theme = 'light' | 'dark';

/** Where the chosen theme is remembered. */
export const THEME_KEY = 'tp.theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';

/** The remembered choice, or null when there is none (or storage is unavailable). */
function remembered(): Theme | null {
  try {
    const v = localStorage.getItem(THEME_KEY);
    return v === 'dark' || v === 'light' ? v : null;
  } catch {
    return null;
  }
}

const systemTheme = (): Theme => (globalThis.matchMedia?.(DARK_QUERY).matches ? 'dark' : 'light');

export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(() => remembered() ?? systemTheme());

  useLayoutEffect(() => {
    document.documentElement.dataset['theme'] = theme;
  }, [theme]);

  // Follow the system until the person chooses.
  useEffect(() => {
    const query = globalThis.matchMedia?.(DARK_QUERY);
    if (!query) return;
    const follow = (e: MediaQueryListEvent) => {
      if (!remembered()) setTheme(e.matches ? 'dark' : 'light');
    };
    query.addEventListener('change', follow);
    return () => query.removeEventListener('change', follow);
  }, []);

  const toggle = () => {
    const next: Theme = theme === 'dark' ? 'light' : 'dark';
    try {
      localStorage.setItem(THEME_KEY, next);
    } catch {
      // Storage refused (private mode): the theme still changes for this visit.
    }
    setTheme(next);
  };

  return (
    <button type="button" className="theme-toggle" aria-pressed={theme === 'dark'} onClick={toggle} data-testid="theme-toggle" title="Switch between the light and the dark theme">
      <span aria-hidden="true">{theme === 'dark' ? '☾' : '☀'}</span> Dark theme
    </button>
  );
}
