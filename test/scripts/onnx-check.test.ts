// Every mode `npm run export` writes (inspect, fast, grad, train) passes the onnx package's own
// checks: check_model(full_check=True) and strict, type-checked shape inference, whose inferred
// shapes must equal the shapes our IR declared for every tensor; and no initialiser goes unread (onnxruntime
// warns about each on every session). One Python process checks all files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPreset } from '../../src/presets';
import { modelFile } from '../../scripts/cli/model-file';
import { EXPORT_MODES } from '../../scripts/cli/source';

/** The first interpreter that imports onnx: $PYTHON, python3 on PATH (maybe a pyenv one without it), Debian's. */
function pythonWithOnnx(): string | null {
  const candidates = [process.env['PYTHON'], 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  return candidates.find((c) => spawnSync(c, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0) ?? null;
}

const PRESETS = ['default', 'sigma-reparam', 'mamba', 'switch-moe', 'looped', 'retnet'];
const T = 8;
const B = 2;

describe('exported files pass onnx.checker and strict shape inference', () => {
  it('every mode of the default and five structurally different presets', () => {
    const python = pythonWithOnnx();
    expect(python, 'no Python with the onnx package: install Debian\'s python3-onnx (apt-get install python3-onnx), or set PYTHON to an interpreter that has onnx').not.toBeNull();
    const dir = mkdtempSync(join(tmpdir(), 'tp-onnx-check-'));
    const files = PRESETS.flatMap((id) =>
      EXPORT_MODES.map((mode) => {
        const { bytes, graph } = modelFile(findPreset(id)!.spec(), { mode, T, batch: B });
        const file = join(dir, `${id}.${mode}.onnx`);
        writeFileSync(file, bytes);
        // σReparam's state: every sigma_u.X input comes back as next.sigma_u.X (docs/graph-outputs.md).
        const state = graph.inputs.filter((t) => t.name.startsWith('sigma_u.')).map((t) => `next.${t.name}`);
        expect(graph.outputs.map((t) => t.name), `${id} ${mode}`).toEqual(expect.arrayContaining(state));
        expect(state.length > 0, `${id} ${mode}`).toBe(id === 'sigma-reparam' && (mode === 'grad' || mode === 'train'));
        // A decode graph's state: every state.X input comes back as next.state.X.
        const decodeState = graph.inputs.filter((t) => t.name.startsWith('state.')).map((t) => `next.${t.name}`);
        expect(graph.outputs.map((t) => t.name), `${id} ${mode}`).toEqual(expect.arrayContaining(decodeState));
        expect(decodeState.length > 0, `${id} ${mode}`).toBe(mode === 'decode');
        const shapes = Object.fromEntries(graph.nodes.flatMap((n) => n.outputs.filter((t) => t.name !== '').map((t) => [t.name, [t.dtype, [...t.shape]]])));
        return { file, shapes };
      }),
    );
    const list = join(dir, 'files.json');
    writeFileSync(list, JSON.stringify(files));
    const r = spawnSync(python!, ['test/scripts/onnx_check.py', list], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const { results } = JSON.parse(r.stdout) as { onnx: string; results: { file: string; errors: string[] }[] };
    expect(results).toHaveLength(PRESETS.length * EXPORT_MODES.length);
    const failures = results.filter((x) => x.errors.length).map((x) => `${x.file}:\n  ${x.errors.slice(0, 5).join('\n  ')}`);
    expect(failures, failures.join('\n')).toEqual([]);
  });
});
