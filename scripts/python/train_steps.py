# Three AdamW steps of an exported train graph in Python (docs/graph-outputs.md, "Training graphs").
# npm run export -- --mode fast --out model.onnx              (the starting weights, as initialisers)
# npm run export -- --mode train --seq-len 8 --batch 2 --out train.onnx
import sys
import numpy as np, onnx, onnxruntime as ort
from onnx import numpy_helper

model, train = sys.argv[1:3] if len(sys.argv) > 2 else ("model.onnx", "train.onnx")
init = {t.name: numpy_helper.to_array(t) for t in onnx.load(model).graph.initializer}
sess = ort.InferenceSession(train)
state = {}  # every input a step hands back as next.<name>: weights, adam moments, sigma_u vectors
for i in sess.get_inputs():
    if i.name in init: state[i.name] = init[i.name]
    elif i.name.startswith("adam_"): state[i.name] = np.zeros(i.shape, np.float32)
    elif i.name.startswith("sigma_u."): state[i.name] = np.linalg.svd(init[i.name[8:]])[0][:, 0].astype(np.float32)
B, T = sess.get_inputs()[0].shape
tokens = np.random.default_rng(0).integers(1, 97, (B, T))  # character ids (vocabulary of 97)
batch = {"tokens": tokens, "targets": np.roll(tokens, -1, axis=1), "loss_mask": np.ones((B, T), np.float32)}  # next token
names = [o.name for o in sess.get_outputs()]
for step in range(1, 4):
    out = dict(zip(names, sess.run(None, {**state, **batch, "step": np.float32(step), "lr": np.float32(1e-2)})))
    state = {name: out["next." + name] for name in state}
    print(f"step {step}: loss {out['loss']:.4f} accuracy {out['accuracy']:.3f} grad_norm {out['grad_norm']:.3f}")
