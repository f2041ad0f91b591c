/**
 * The Content-Security-Policy of the built app, in one place. `vite preview` sends it as a header
 * (vite.config.ts, preview.headers) and the build writes it into index.html as a <meta http-equiv>
 * (the plugin below), so a static deploy carries it too. The dev server (`npm start`) gets neither:
 * it injects an inline React-refresh preamble that this policy would block.
 *
 * What each source is for, and what is left out:
 * - script-src 'wasm-unsafe-eval': onnxruntime-web compiles its WebAssembly module (in the worker).
 *   It allows WebAssembly compilation only, not eval() or new Function(). No 'unsafe-eval': the one
 *   eval in our code was zod's probe for its JIT parser, turned off in src/spec/noEval.ts. No
 *   'unsafe-inline': the built page has no inline script.
 * - worker-src 'self': the inference worker and onnxruntime-web's pthread workers are same-origin
 *   scripts (no blob: workers).
 * - connect-src 'self': the worker fetches /ort/*.wasm from this origin; nothing else is fetched.
 * - img-src data: blob:: PNG export draws the chart's SVG from a blob: URL; charts embed PNG data: URLs.
 * - style-src 'self', no 'unsafe-inline': React's style props and d3's .style() go through the
 *   CSSOM, which the policy does not restrict; no code writes style="" attributes or <style> into
 *   the page.
 * - frame-ancestors works only as a header; browsers ignore it (with a console warning) in a meta tag.
 *
 * A worker takes its policy from its own script's response headers, not from the page's meta tag:
 * only a host that sends the header (as `vite preview` does) puts the workers under the policy.
 */
import type { Plugin } from 'vite';

export const CSP_DIRECTIVES: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'worker-src': ["'self'"],
  'connect-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'style-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/** Directives a <meta http-equiv> policy may not carry (the browser ignores them there and warns). */
const HEADER_ONLY = new Set(['frame-ancestors', 'report-uri', 'sandbox']);

const serialise = (keep: (name: string) => boolean) =>
  Object.entries(CSP_DIRECTIVES)
    .filter(([name]) => keep(name))
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');

/** The policy as the Content-Security-Policy header sends it. */
export const CONTENT_SECURITY_POLICY = serialise(() => true);

/** The same policy for <meta http-equiv="Content-Security-Policy">, less the header-only directives. */
export const CONTENT_SECURITY_POLICY_META = serialise((name) => !HEADER_ONLY.has(name));

/** Writes the policy into the built index.html, right after <meta charset> (build only). */
export function cspMeta(): Plugin {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY_META.replaceAll('"', '&quot;')}" />`;
  return {
    name: 'csp-meta',
    apply: 'build',
    transformIndexHtml(html) {
      const charset = /<meta charset[^>]*>/i.exec(html);
      if (!charset) throw new Error('csp-meta: index.html has no <meta charset> to put the policy after');
      const at = charset.index + charset[0].length;
      return `${html.slice(0, at)}\n    ${meta}${html.slice(at)}`;
    },
  };
}
