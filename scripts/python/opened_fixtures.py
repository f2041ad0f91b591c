# Fixtures for "Open your own ONNX model" (issue 21): transformers this project did not write.
#
# Run from the repository root with Debian's PyTorch and onnx (apt install python3-torch python3-onnx):
#     /usr/bin/python3 scripts/python/opened_fixtures.py
# It writes into test/opened/fixtures/ (committed, so CI needs no PyTorch):
#   torch-encoder.onnx + .ref.json  token Embedding (97 = the playground's character vocabulary,
#                                   src/spec/vocab.ts) + learned positions + torch.nn.TransformerEncoder
#                                   (2 layers, d 32, 4 heads, ff 64, batch_first) + Linear to 97 logits.
#                                   Inputs input_ids, attention_mask [batch, seq] int64; output logits.
#   torch-gpt2.onnx + .ref.json     a GPT-2-shaped decoder written with torch modules (vocabulary 50257,
#                                   tied LM head, 64 positions, 2 pre-LayerNorm blocks, 4 causal heads,
#                                   d 32, tanh-GELU MLP x4, final LayerNorm). Inputs input_ids,
#                                   attention_mask, position_ids [batch, seq] int64; output logits.
#   fused-attention.onnx            one com.microsoft Attention contrib node (x [1, T, 16], 2 heads),
#                                   built with onnx.helper: attention whose probabilities never leave it.
#   torch-encoder-fixed32.onnx      torch-encoder's model exported with static shapes: input_ids and
#                                   attention_mask exactly [1, 32] (no dynamic axes); its reference is
#                                   torch-encoder.ref.json, the text unpadded.
# Each .ref.json holds torch's own attention probabilities for a fixed input (the independent
# reference the page's tapped maps must equal): {"text", "input_ids", "attention_mask",
# "position_ids"?, "T", "heads", "layers", "maps": [layer][head] -> T*T floats (row = query),
# "logits_last": the first 10 logits at the last position}.
# Deterministic: torch.manual_seed(0); the weights, hence the files, are the same on every run
# (the same torch build gives byte-identical files).
import json, math, os
import torch, onnx
from torch import nn
from onnx import helper, TensorProto

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'opened', 'fixtures')
FIXED_T = 32  # the static length of torch-encoder-fixed32.onnx
OPSET = 14  # torch 1.13 exports opset 14 well (Softmax over the last axis, Trilu not needed)

# src/spec/vocab.ts: 0 = unknown, 1 = newline, then printable ASCII 32..126.
CHAR_VOCAB = ['<unk>', '\n'] + [chr(32 + i) for i in range(95)]
VOCAB_SIZE = len(CHAR_VOCAB)  # 97, src/spec/vocab.ts VOCAB_SIZE


def char_ids(text):
    return [CHAR_VOCAB.index(c) if c in CHAR_VOCAB[1:] else 0 for c in text]


# ---------------------------------------------------------------------------------------------
# 1. torch.nn.TransformerEncoder
#
# In eval mode torch 1.13's TransformerEncoderLayer and MultiheadAttention take a fused "fast
# path" (torch._transformer_encoder_layer_fwd / torch._native_multi_head_attention) which hides
# the softmax (and does not export). Their own checks skip it when grad is enabled and a weight
# requires grad, so the export below runs under torch.enable_grad() with the weights left
# requiring grad (the default); enable_nested_tensor=False keeps TransformerEncoder from turning
# a padded batch into a nested tensor. Exported that way, each layer's attention is the plain
# F.multi_head_attention_forward: MatMul(q/sqrt(d), kᵀ) (+ the padding mask, as baddbmm) →
# Softmax over [batch*heads, T, T] → MatMul(·, v). The script checks the graph has exactly one
# Softmax per layer feeding a MatMul, and no fused op.
class TorchEncoder(nn.Module):
    def __init__(self, vocab=VOCAB_SIZE, n_pos=64, d=32, heads=4, ff=64, layers=2):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(n_pos, d)
        layer = nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(d, vocab)

    def embed(self, input_ids):
        positions = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        return self.tok(input_ids) + self.pos(positions)

    def forward(self, input_ids, attention_mask):
        padding = attention_mask == 0  # src_key_padding_mask: True = ignore this key
        x = self.encoder(self.embed(input_ids), src_key_padding_mask=padding)
        return self.head(x)

    @torch.no_grad()
    def attention_maps(self, input_ids, attention_mask):
        """Each layer's per-head probabilities [B, H, T, T], from torch's own MultiheadAttention."""
        padding = attention_mask == 0
        x = self.embed(input_ids)
        maps = []
        for layer in self.encoder.layers:
            # post-norm layer (norm_first False): self-attention sees the layer's input itself
            _, w = layer.self_attn(x, x, x, key_padding_mask=padding, need_weights=True, average_attn_weights=False)
            maps.append(w)
            x = layer(x, src_key_padding_mask=padding)
        return maps


# ---------------------------------------------------------------------------------------------
# 2. A GPT-2-shaped decoder (the layout of the GPT-2 paper / HF's GPT2Model, written here).
class CausalSelfAttention(nn.Module):
    def __init__(self, d, heads, n_pos):
        super().__init__()
        self.heads, self.head_dim = heads, d // heads
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.register_buffer('bias', torch.tril(torch.ones(n_pos, n_pos, dtype=torch.bool)).view(1, 1, n_pos, n_pos))
        self.probs = None  # the last forward's attention probabilities [B, H, T, T]

    def forward(self, x, mask_bias):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.heads, self.head_dim).transpose(1, 2) for t in (q, k, v))
        att = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        causal = self.bias[:, :, :T, :T]
        att = att.masked_fill(~causal, -1e4)  # GPT-2's masked_bias on future keys
        att = att + mask_bias  # padding: (1 - attention_mask) * -1e4 on the keys
        att = torch.softmax(att, dim=-1)
        self.probs = att.detach()
        y = torch.matmul(att, v).transpose(1, 2).reshape(B, T, C)
        return self.c_proj(y)


class Block(nn.Module):
    def __init__(self, d, heads, n_pos):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = CausalSelfAttention(d, heads, n_pos)
        self.ln_2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate='tanh'), nn.Linear(4 * d, d))

    def forward(self, x, mask_bias):
        x = x + self.attn(self.ln_1(x), mask_bias)
        return x + self.mlp(self.ln_2(x))


class TorchGPT2(nn.Module):
    def __init__(self, vocab=50257, n_pos=64, d=32, heads=4, layers=2):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(n_pos, d)
        self.h = nn.ModuleList([Block(d, heads, n_pos) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)
        nn.init.normal_(self.wte.weight, std=0.02)
        nn.init.normal_(self.wpe.weight, std=0.01)

    def forward(self, input_ids, attention_mask, position_ids):
        mask_bias = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -1e4
        x = self.wte(input_ids) + self.wpe(position_ids)
        for block in self.h:
            x = block(x, mask_bias)
        return torch.matmul(self.ln_f(x), self.wte.weight.t())  # tied LM head

    def attention_maps(self):
        return [block.attn.probs for block in self.h]


# ---------------------------------------------------------------------------------------------
def softmaxes_feeding_matmul(model):
    """Softmax nodes whose output a MatMul consumes (the attention probabilities)."""
    consumers = {}
    for n in model.graph.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n.op_type)
    return [n for n in model.graph.node if n.op_type == 'Softmax' and 'MatMul' in consumers.get(n.output[0], [])]


def export(module, args, names, path, dynamic):
    with torch.enable_grad():  # see TorchEncoder: keeps the fused fast path off
        torch.onnx.export(module, args, path, input_names=names, output_names=['logits'],
                          dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=False)
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    ops = {n.op_type for n in m.graph.node}
    assert not any('transformer' in o.lower() or 'multi_head' in o.lower() for o in ops), ops
    return m


def write_ref(path, text, ids, maps, logits, **extra):
    H, T = maps[0].shape[1], maps[0].shape[2]
    ref = {'text': text, 'input_ids': ids, **extra, 'T': T, 'heads': H, 'layers': len(maps),
           'maps': [[[round(float(p), 7) for p in m[0, h].reshape(-1)] for h in range(H)] for m in maps],
           'logits_last': [round(float(v), 6) for v in logits[0, -1, :10]]}
    with open(path, 'w') as f:
        json.dump(ref, f)
        f.write('\n')


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)

    # 1. the encoder, on the playground's character ids of a short text
    enc = TorchEncoder().eval()
    text = 'the cat sat on the mat'
    ids = torch.tensor([char_ids(text)], dtype=torch.int64)
    mask = torch.ones_like(ids)
    dyn = {0: 'batch', 1: 'seq'}
    m = export(enc, (ids, mask), ['input_ids', 'attention_mask'], os.path.join(OUT, 'torch-encoder.onnx'),
               {'input_ids': dyn, 'attention_mask': dyn, 'logits': dyn})
    assert len(softmaxes_feeding_matmul(m)) == 2, 'expected one Softmax → MatMul per encoder layer'
    with torch.no_grad():
        logits = enc(ids, mask)
    write_ref(os.path.join(OUT, 'torch-encoder.ref.json'), text, ids[0].tolist(), enc.attention_maps(ids, mask), logits,
              attention_mask=mask[0].tolist())

    # 2. the GPT-2-shaped decoder, on GPT-2 BPE ids of "Hello world, the cat sat"
    # (checked against the gpt-tokenizer package in test/opened/tokenizers.test.ts)
    gpt = TorchGPT2().eval()
    text = 'Hello world, the cat sat'
    ids = torch.tensor([[15496, 995, 11, 262, 3797, 3332]], dtype=torch.int64)
    mask = torch.ones_like(ids)
    pos = torch.arange(ids.shape[1]).unsqueeze(0)
    path = os.path.join(OUT, 'torch-gpt2.onnx')
    m = export(gpt, (ids, mask, pos), ['input_ids', 'attention_mask', 'position_ids'], path,
               {'input_ids': dyn, 'attention_mask': dyn, 'position_ids': dyn, 'logits': dyn})
    assert len(softmaxes_feeding_matmul(m)) == 2, 'expected one Softmax → MatMul per block'
    assert os.path.getsize(path) < 8_000_000, 'keep the fixture small (tied head: no folded transposed copy)'
    with torch.no_grad():
        logits = gpt(ids, mask, pos)
    write_ref(os.path.join(OUT, 'torch-gpt2.ref.json'), text, ids[0].tolist(), gpt.attention_maps(), logits,
              attention_mask=mask[0].tolist(), position_ids=pos[0].tolist())

    # 3. onnxruntime's fused Attention contrib op (com.microsoft, opset 1): input [B, S, hidden],
    # weights [hidden, 3*hidden] (q | k | v), bias [3*hidden]; its probabilities stay inside.
    hidden, heads = 16, 2
    w = torch.randn(hidden, 3 * hidden) * 0.2
    b = torch.randn(3 * hidden) * 0.1
    graph = helper.make_graph(
        [helper.make_node('Attention', ['x', 'qkv_weight', 'qkv_bias'], ['y'], name='fused_attention',
                          domain='com.microsoft', num_heads=heads)],
        'fused_attention',
        [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 'T', hidden])],
        [helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, 'T', hidden])],
        [helper.make_tensor('qkv_weight', TensorProto.FLOAT, [hidden, 3 * hidden], w.reshape(-1).tolist()),
         helper.make_tensor('qkv_bias', TensorProto.FLOAT, [3 * hidden], b.tolist())])
    fused = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET), helper.make_opsetid('com.microsoft', 1)],
                              producer_name='opened_fixtures.py')
    fused.ir_version = 8
    onnx.checker.check_model(fused, full_check=True)
    onnx.save(fused, os.path.join(OUT, 'fused-attention.onnx'))

    # 4. the same encoder (same weights) exported with static shapes, as exporters of BERT-like models
    # often leave it: exactly [1, 32] ids and mask. The page pads a shorter text with a hidden mask;
    # its maps of the text must equal torch's unpadded ones in torch-encoder.ref.json.
    fixed_ids = torch.zeros((1, FIXED_T), dtype=torch.int64)
    m = export(enc, (fixed_ids, torch.ones_like(fixed_ids)), ['input_ids', 'attention_mask'],
               os.path.join(OUT, 'torch-encoder-fixed32.onnx'), None)
    assert [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim] == [1, FIXED_T], 'expected static [1, 32] ids'
    assert len(softmaxes_feeding_matmul(m)) == 2, 'expected one Softmax → MatMul per encoder layer'

    for name in ('torch-encoder.onnx', 'torch-gpt2.onnx', 'fused-attention.onnx', 'torch-encoder-fixed32.onnx'):
        p = os.path.join(OUT, name)
        mm = onnx.load(p)
        print(f'{name}: {os.path.getsize(p)} bytes, opset {mm.opset_import[0].version}, '
              f'{sum(n.op_type == "Softmax" for n in mm.graph.node)} Softmax, {len(mm.graph.node)} nodes')


if __name__ == '__main__':
    main()
