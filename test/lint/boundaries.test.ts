// The import boundaries of docs/architecture.md are a lint rule: these cases must stay errors.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function messages(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals').map((m) => m.message);
}

describe('architecture boundaries', () => {
  it.each([
    ['src/graph/x.ts', "import { compile } from '../compiler/compile';\nexport const a = compile;", /graph\/ may not import compiler\//],
    ['src/blocks/x.ts', "import { defaultSpec } from '../spec/defaults';\nexport const a = defaultSpec;", /blocks\/ may not import spec\//],
    ['src/compiler/x.ts', "import * as ort from 'onnxruntime-web';\nexport const a = ort;", /Only src\/runtime\/ imports onnxruntime-web/],
    ['src/spec/x.ts', "import { useState } from 'react';\nexport const a = useState;", /model core: no React/],
    ['src/analysis/x.ts', "import { VOCAB_SIZE } from '../spec/vocab';\nexport const a = VOCAB_SIZE;", /analysis\/ may not import spec\//],
    ['src/ui/x.tsx', "import { findBlock } from '../blocks/registry';\nexport const a = findBlock;", /ui\/ may not import blocks\//],
    ['src/ui/x.tsx', "import { Runtime } from '../runtime/ort';\nexport const a = Runtime;", /ui\/ may not import runtime\//],
    ['src/state/x.ts', "import { App } from '../ui/App';\nexport const a = App;", /state\/ may not import ui\//],
    ['workers/x.ts', "import { createAppStore } from '../src/state/store';\nexport const a = createAppStore;", /never sees the store/],
    ['src/compiler/x.ts', 'export const a = document.title;', /no DOM/],
    ['src/decode/x.ts', "import { compile } from '../compiler/compile';\nexport const a = compile;", /decode\/ may not import compiler\//],
    ['src/opened/x.ts', "import * as ort from 'onnxruntime-web';\nexport const a = ort;", /Only src\/runtime\/ imports onnxruntime-web/],
    ['src/opened/x.ts', "import { compile } from '../compiler/compile';\nexport const a = compile;", /opened\/ may not import compiler\//],
    ['src/opened/x.ts', "import { useState } from 'react';\nexport const a = useState;", /model core: no React/],
  ])('%s: a forbidden import is an error', async (file, code, expected) => {
    const found = await messages(file, code);
    expect(found.some((m) => expected.test(m)), found.join('\n') || 'no error reported').toBe(true);
  });

  it.each([
    ['src/compiler/x.ts', "import { findBlock } from '../blocks/registry';\nimport { GraphBuilder } from '../graph/builder';\nexport const a = [findBlock, GraphBuilder];"],
    ['src/runtime/x.ts', "import * as ort from 'onnxruntime-web';\nexport const a = ort;"],
    ['src/decode/x.ts', "import { findBlock } from '../blocks/registry';\nimport type { LoadedModel } from '../runtime/ort';\nexport const a = findBlock; export type B = LoadedModel;"],
    ['src/runtime/x.ts', "import { median } from '../analysis/spread';\nexport const a = median;"],
    ['src/ui/x.tsx', "import { createAppStore } from '../state/store';\nimport { useState } from 'react';\nexport const a = [createAppStore, useState];"],
    ['src/opened/x.ts', "import { VOCAB_SIZE } from '../spec/vocab';\nexport const a = VOCAB_SIZE;"],
    ['src/state/x.ts', "import type { OpenedInfo } from '../opened/types';\nexport type A = OpenedInfo;"],
  ])('%s: an allowed import passes', async (file, code) => {
    expect(await messages(file, code)).toEqual([]);
  });
});
