import { compile } from './src/compiler/compile';
import { toOnnxBytes } from './src/graph/onnx';
import { defaultSpec } from './src/spec/defaults';
import { modelStats } from './src/compiler/stats';
const spec = defaultSpec();
console.log(JSON.stringify(spec).slice(0,400));
const T = 40;
for (let r=0;r<15;r++){
  const t0 = performance.now();
  const g = compile(spec, { T, mode: 'inspect' });
  const t1 = performance.now();
  const bytes = toOnnxBytes(g);
  const t2 = performance.now();
  modelStats(spec, T);
  const t3 = performance.now();
  if (r%3==2) console.log('compile', (t1-t0).toFixed(1), 'ser', (t2-t1).toFixed(1), 'stats', (t3-t2).toFixed(1), bytes.length);
}
