#!/usr/bin/env python3
"""
The default model's training step in PyTorch, for `npm run bench:train` (scripts/bench/train.ts).

Written from the model's spec, not from our graph: 2 Pre-LN layers, d_model 64, 4 heads, learned
absolute positions, causal softmax attention with biases, a GELU MLP 4x wide (exact erf GELU), a
final LayerNorm and an unembedding tied to the token embedding (scores divided by √d), vocabulary 97; next-token
cross-entropy averaged over the loss mask; global-norm gradient clipping; torch.optim.AdamW with
decay on matrices only (src/train/optimizer.ts). It starts from the weights and trains on the
batch that train.ts wrote to FIXTURE_DIR (fixture.json + weights.bin), so the first step's loss
must equal ours: that checks "the same architecture".

usage: train_torch.py FIXTURE_DIR THREADS
Then one command per line on stdin, one JSON line back on stdout for each:
  (at start)  {"ready": true, "losses": [step 1, step 2], "gradNorm": step 1, "config": ...}
  run K       {"ms": [K step times in milliseconds]}
  quit        exits
"""
import json
import math
import os
import re
import sys
import time

FIXTURE, THREADS = sys.argv[1], int(sys.argv[2])
# Both of torch's pools and the BLAS one use THREADS threads (set before torch loads the BLAS).
for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[var] = str(THREADS)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(THREADS)
torch.set_num_interop_threads(1)

with open(os.path.join(FIXTURE, 'fixture.json')) as f:
    fx = json.load(f)
flat = np.fromfile(os.path.join(FIXTURE, 'weights.bin'), dtype='<f4')
B, T, V, D, H, L = fx['B'], fx['T'], fx['V'], fx['dModel'], fx['nHeads'], fx['layers']
HD = D // H
EPS = fx['normEpsilon']
opt = fx['optimizer']

p = {}
for w in fx['weights']:
    n = int(np.prod(w['shape'])) if w['shape'] else 1
    p[w['name']] = torch.nn.Parameter(torch.from_numpy(flat[w['offset']:w['offset'] + n].copy()).reshape(w['shape']))
tokens = torch.tensor(fx['tokens'], dtype=torch.int64).reshape(B, T)
targets = torch.tensor(fx['targets'], dtype=torch.int64).reshape(B, T)
loss_mask = torch.tensor(fx['lossMask'], dtype=torch.float32).reshape(B, T)
# Key j is visible from query i when j <= i; the others get -1e9 before the softmax (as ours).
causal = torch.full((T, T), -1e9).triu(1)


def dense(x, w, b):
    """x W + b, with our [in, out] weight layout."""
    return F.linear(x, p[w].t(), p[b])


def norm(x, prefix):
    return F.layer_norm(x, (D,), p[prefix + '.gamma'], p[prefix + '.beta'], EPS)


def forward(tok):
    x = p['embed.tokens'][tok] + p['position.table'][:T]
    for i in range(L):
        a = f'layers.{i}.mixer.'
        h = norm(x, f'layers.{i}.norm_mixer')
        q, k, v = (dense(h, a + 'w' + c, a + 'b' + c).view(B, T, H, HD).transpose(1, 2) for c in 'qkv')
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(HD) + causal, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, D)
        x = x + dense(y, a + 'wo', a + 'bo')
        f = f'layers.{i}.ffn.'
        h = norm(x, f'layers.{i}.norm_ffn')
        x = x + dense(F.gelu(dense(h, f + 'w1', f + 'b1')), f + 'w2', f + 'b2')  # exact (erf) GELU
    return norm(x, 'final_norm') @ p['embed.tokens'].t() / math.sqrt(D)  # tied unembedding, scaled by 1/√d as ours


params = list(p.values())
optimizer = torch.optim.AdamW(
    [
        {'params': [t for t in params if t.dim() >= 2], 'weight_decay': opt['weightDecay']},
        {'params': [t for t in params if t.dim() < 2], 'weight_decay': 0.0},
    ],
    lr=fx['lr'], betas=(opt['beta1'], opt['beta2']), eps=opt['eps'],
)


def step():
    """One training step: forward, backward, clipping, AdamW. Returns (loss, gradient norm)."""
    optimizer.zero_grad(set_to_none=True)
    logits = forward(tokens)
    nll = F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T), reduction='none').reshape(B, T)
    loss = (nll * loss_mask).sum() / loss_mask.sum().clamp(min=1)
    loss.backward()
    norm_ = torch.nn.utils.clip_grad_norm_(params, opt['clipNorm'])
    optimizer.step()
    return loss.item(), norm_.item()


def blas():
    """Which BLAS torch's matrix products call: the shared library torch has loaded."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    try:
        with open('/proc/self/maps') as f:
            libs = {os.path.basename(line.split()[-1]) for line in f if 'blas' in line.lower() and '/' in line}
    except OSError:
        libs = set()
    built = re.search(r'BLAS_INFO=([^,\s]+)', torch.__config__.show())
    return {'libraries': sorted(libs), 'openblas': any('openblas' in x for x in libs), 'buildBlas': built.group(1) if built else ''}


def say(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


l1, g1 = step()
l2, _ = step()
say({'ready': True, 'losses': [l1, l2], 'gradNorm': g1,
     'config': {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas': blas()}})
for line in sys.stdin:
    cmd = line.split()
    if not cmd or cmd[0] == 'quit':
        break
    times = []
    for _ in range(int(cmd[1])):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    say({'ms': times})
