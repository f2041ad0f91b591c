// ESLint: TypeScript rules, React hooks, and the import boundaries of docs/architecture.md.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Folders of ours, as import patterns. */
const F = {
  spec: ['**/spec/*', '**/spec'],
  blocks: ['**/blocks/*', '**/blocks'],
  graph: ['**/graph/*', '**/graph'],
  compiler: ['**/compiler/*', '**/compiler'],
  decode: ['**/decode/*', '**/decode'],
  analysis: ['**/analysis/*', '**/analysis'],
  presets: ['**/presets/*', '**/presets'],
  runtime: ['**/runtime/*', '**/runtime'],
  workers: ['**/workers/*'],
  state: ['**/state/*', '**/state'],
  ui: ['**/ui/*', '**/ui/**'],
  train: ['**/train/**', '**/train'],
  opened: ['**/opened/*', '**/opened'],
};
const REACT = ['react', 'react-dom', 'react-dom/*', 'react/*', 'zustand', 'zundo', 'd3-*', '@dnd-kit/*'];

/** A rule that lets files in `folder` import only `allowed` of our folders (and no UI libraries when `core`). */
function boundary(folder, allowed, { core = true, ort = false } = {}) {
  const forbidden = Object.entries(F).filter(([name]) => name !== folder && !allowed.includes(name));
  const patterns = forbidden.map(([name, group]) => ({
    group,
    message: `${folder}/ may not import ${name}/ (see the folder table in docs/architecture.md).`,
  }));
  if (core) patterns.push({ group: REACT, message: `${folder}/ is model core: no React, state or DOM libraries.` });
  if (!ort) patterns.push({ group: ['onnxruntime-web', 'onnxruntime-web/*'], message: 'Only src/runtime/ imports onnxruntime-web.' });
  return {
    files: [`src/${folder}/**/*.{ts,tsx}`],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  };
}

export default tseslint.config(
  { ignores: ['dist', 'dist-*', 'node_modules', 'test-results', 'playwright-report'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  boundary('spec', ['blocks']),
  boundary('blocks', ['graph']),
  boundary('graph', []),
  boundary('compiler', ['spec', 'blocks', 'graph', 'decode']),
  boundary('decode', ['spec', 'blocks', 'graph', 'runtime']),
  boundary('analysis', []),
  boundary('presets', ['spec', 'analysis']),
  boundary('runtime', ['graph', 'analysis'], { ort: true }),
  boundary('train', ['spec', 'blocks', 'graph', 'compiler', 'analysis', 'presets']),
  boundary('opened', ['analysis', 'spec']),
  boundary('state', ['spec', 'presets', 'workers', 'analysis', 'train', 'opened'], { core: false }),
  boundary('ui', ['state', 'spec', 'presets', 'analysis', 'train', 'opened'], { core: false }),
  {
    // The model core runs in workers and Node: no DOM globals.
    files: ['src/{spec,blocks,graph,compiler,decode,analysis,presets,runtime,opened}/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', ...['window', 'document', 'localStorage', 'HTMLElement'].map((name) => ({ name, message: 'The model core has no DOM.' }))],
    },
  },
  {
    files: ['workers/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: [...F.state, ...F.ui, ...F.presets], message: 'workers/ exposes compiler and runtime (and the pure helpers of analysis/) only; it never sees the store or the UI.' },
        { group: REACT, message: 'workers/ has no React.' },
      ] }],
    },
  },
);
