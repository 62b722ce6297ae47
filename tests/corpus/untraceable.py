"""Models that torch.fx.symbolic_trace cannot trace, as found in the wild.

* `gated_cnn`: data-dependent branch `if x.sum() > 0:` (on the all-zero reference input the
  branch is NOT taken, so `refine`'s parameters are unused there).
* `t5_encoder_tiny`: HuggingFace transformers 3.x T5 encoder stack on `inputs_embeds` of shape
  (N, C): `T5LayerNorm` (RMS norm, `hidden_states.to(torch.float32).pow(2).mean(-1, keepdim=True)`,
  `torch.rsqrt`, `if self.weight.dtype in [torch.float16, torch.bfloat16]`), attention without
  scaling (`torch.matmul(q, k.transpose(3, 2))`), bucketed relative position bias from an
  `nn.Embedding` (first layer only, reused after), `F.softmax(scores.float(), dim=-1).type_as
  (scores)`, the fp16 guard `if torch.isinf(hidden_states).any(): torch.clamp(...)`; every
  Linear acts on a (B, N, C) tensor.
* `mingpt_tiny`: karpathy/minGPT mingpt/model.py on int64 token ids (N,): `assert t <=
  self.block_size` on a traced size, `NewGELU` = `0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 /
  math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))`, `self.c_attn(x).split(self.n_embd, dim=2)`,
  causal mask `att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))` from a registered
  buffer, `y.transpose(1, 2).contiguous().view(B, T, C)`, MLP through a stored lambda
  (`self.mlpf`), returns `(logits, loss)` with `loss = None`.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn


# ---------------------------------------------------------------------------- gated CNN

class GatedCNN(nn.Module):
    """Skips the refinement branch for empty (all-zero / negative) frames."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(16), nn.ReLU(inplace=True))
        self.refine = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1, bias=False),
                                    nn.BatchNorm2d(16), nn.ReLU(inplace=True))
        self.down = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x):
        y = self.stem(x)
        if x.sum() > 0:
            y = y + self.refine(y)
        y = torch.relu(self.down(y))
        y = F.adaptive_avg_pool2d(y, 1).flatten(1)
        return self.fc(y)


def gated_cnn():
    return GatedCNN()


# ------------------------------------------------------------------------ T5 (HF 3.x style)

class T5LayerNorm(nn.Module):
    def __init__(self, hidden_size, eps=1e-6):
        """
        Construct a layernorm module in the T5 style No bias and no subtraction of mean.
        """
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        # layer norm should always be calculated in float32
        variance = hidden_states.to(torch.float32).pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)

        # convert into half-precision if necessary
        if self.weight.dtype in [torch.float16, torch.bfloat16]:
            hidden_states = hidden_states.to(self.weight.dtype)

        return self.weight * hidden_states


class T5DenseReluDense(nn.Module):
    def __init__(self, d_model, d_ff, dropout_rate):
        super().__init__()
        self.wi = nn.Linear(d_model, d_ff, bias=False)
        self.wo = nn.Linear(d_ff, d_model, bias=False)
        self.dropout = nn.Dropout(dropout_rate)

    def forward(self, hidden_states):
        h = self.wi(hidden_states)
        h = F.relu(h)
        h = self.dropout(h)
        h = self.wo(h)
        return h


class T5LayerFF(nn.Module):
    def __init__(self, d_model, d_ff, dropout_rate, eps):
        super().__init__()
        self.DenseReluDense = T5DenseReluDense(d_model, d_ff, dropout_rate)
        self.layer_norm = T5LayerNorm(d_model, eps=eps)
        self.dropout = nn.Dropout(dropout_rate)

    def forward(self, hidden_states):
        norm_x = self.layer_norm(hidden_states)
        y = self.DenseReluDense(norm_x)
        layer_output = hidden_states + self.dropout(y)
        return layer_output


class T5Attention(nn.Module):
    def __init__(self, d_model, d_kv, n_heads, dropout_rate, has_relative_attention_bias=False,
                 relative_attention_num_buckets=32, is_decoder=False):
        super().__init__()
        self.is_decoder = is_decoder
        self.has_relative_attention_bias = has_relative_attention_bias

        self.relative_attention_num_buckets = relative_attention_num_buckets
        self.d_model = d_model
        self.d_kv = d_kv
        self.n_heads = n_heads
        self.dropout = dropout_rate
        self.inner_dim = self.n_heads * self.d_kv

        # Mesh TensorFlow initialization to avoid scaling before softmax
        self.q = nn.Linear(self.d_model, self.inner_dim, bias=False)
        self.k = nn.Linear(self.d_model, self.inner_dim, bias=False)
        self.v = nn.Linear(self.d_model, self.inner_dim, bias=False)
        self.o = nn.Linear(self.inner_dim, self.d_model, bias=False)

        if self.has_relative_attention_bias:
            self.relative_attention_bias = nn.Embedding(self.relative_attention_num_buckets,
                                                        self.n_heads)

    @staticmethod
    def _relative_position_bucket(relative_position, bidirectional=True, num_buckets=32,
                                  max_distance=128):
        ret = 0
        n = -relative_position
        if bidirectional:
            num_buckets //= 2
            ret += (n < 0).to(torch.long) * num_buckets  # mtf.to_int32(mtf.less(n, 0)) * num_buckets
            n = torch.abs(n)
        else:
            n = torch.max(n, torch.zeros_like(n))
        # now n is in the range [0, inf)

        # half of the buckets are for exact increments in positions
        max_exact = num_buckets // 2
        is_small = n < max_exact

        # The other half of the buckets are for logarithmically bigger bins in positions up to
        # max_distance
        val_if_large = max_exact + (
            torch.log(n.float() / max_exact) / math.log(max_distance / max_exact)
            * (num_buckets - max_exact)
        ).to(torch.long)
        val_if_large = torch.min(val_if_large, torch.full_like(val_if_large, num_buckets - 1))

        ret += torch.where(is_small, n, val_if_large)
        return ret

    def compute_bias(self, qlen, klen):
        """ Compute binned relative position bias """
        context_position = torch.arange(qlen, dtype=torch.long)[:, None]
        memory_position = torch.arange(klen, dtype=torch.long)[None, :]
        relative_position = memory_position - context_position  # shape (qlen, klen)
        rp_bucket = self._relative_position_bucket(
            relative_position,  # shape (qlen, klen)
            bidirectional=not self.is_decoder,
            num_buckets=self.relative_attention_num_buckets,
        )
        rp_bucket = rp_bucket.to(self.relative_attention_bias.weight.device)
        values = self.relative_attention_bias(rp_bucket)  # shape (qlen, klen, num_heads)
        values = values.permute([2, 0, 1]).unsqueeze(0)  # shape (1, num_heads, qlen, klen)
        return values

    def forward(self, input, position_bias=None):
        bs, qlen, dim = input.size()
        klen = qlen

        def shape(x):
            """  projection """
            return x.view(bs, -1, self.n_heads, self.d_kv).transpose(1, 2)

        def unshape(x):
            """  compute context """
            return x.transpose(1, 2).contiguous().view(bs, -1, self.inner_dim)

        q = shape(self.q(input))  # (bs, n_heads, qlen, dim_per_head)
        k = shape(self.k(input))  # (bs, n_heads, klen, dim_per_head)
        v = shape(self.v(input))  # (bs, n_heads, klen, dim_per_head)

        scores = torch.matmul(q, k.transpose(3, 2))  # (bs, n_heads, qlen, klen)

        if position_bias is None:
            if not self.has_relative_attention_bias:
                raise ValueError("No position_bias provided and no weights to compute "
                                 "position_bias")
            position_bias = self.compute_bias(qlen, klen)

        scores += position_bias
        weights = F.softmax(scores.float(), dim=-1).type_as(scores)  # (bs, n_heads, qlen, klen)
        weights = F.dropout(weights, p=self.dropout, training=self.training)

        context = torch.matmul(weights, v)  # (bs, n_heads, qlen, dim_per_head)
        context = unshape(context)  # (bs, qlen, dim)

        context = self.o(context)

        return context, position_bias


class T5LayerSelfAttention(nn.Module):
    def __init__(self, d_model, d_kv, n_heads, dropout_rate, eps,
                 has_relative_attention_bias=False):
        super().__init__()
        self.SelfAttention = T5Attention(d_model, d_kv, n_heads, dropout_rate,
                                         has_relative_attention_bias=has_relative_attention_bias)
        self.layer_norm = T5LayerNorm(d_model, eps=eps)
        self.dropout = nn.Dropout(dropout_rate)

    def forward(self, hidden_states, position_bias=None):
        norm_x = self.layer_norm(hidden_states)
        attention_output = self.SelfAttention(norm_x, position_bias=position_bias)
        y = attention_output[0]
        layer_output = hidden_states + self.dropout(y)
        outputs = (layer_output,) + attention_output[1:]  # add attentions if we output them
        return outputs


class T5Block(nn.Module):
    def __init__(self, d_model, d_kv, n_heads, d_ff, dropout_rate, eps,
                 has_relative_attention_bias=False):
        super().__init__()
        self.layer = nn.ModuleList()
        self.layer.append(T5LayerSelfAttention(d_model, d_kv, n_heads, dropout_rate, eps,
                                               has_relative_attention_bias))
        self.layer.append(T5LayerFF(d_model, d_ff, dropout_rate, eps))

    def forward(self, hidden_states, position_bias=None):
        self_attention_outputs = self.layer[0](hidden_states, position_bias=position_bias)
        hidden_states = self_attention_outputs[0]
        outputs = self_attention_outputs[1:]

        # clamp inf values to enable fp16 training
        if torch.isinf(hidden_states).any():
            clamp_value = torch.finfo(hidden_states.dtype).max - 1000
            hidden_states = torch.clamp(hidden_states, min=-clamp_value, max=clamp_value)

        hidden_states = self.layer[-1](hidden_states)
        outputs = (hidden_states,) + outputs
        return outputs  # hidden-states, (self-attention position bias)


class T5EncoderStack(nn.Module):
    def __init__(self, num_layers=2, d_model=32, d_kv=8, n_heads=4, d_ff=64,
                 dropout_rate=0.1, eps=1e-6):
        super().__init__()
        self.block = nn.ModuleList(
            [T5Block(d_model, d_kv, n_heads, d_ff, dropout_rate, eps,
                     has_relative_attention_bias=bool(i == 0)) for i in range(num_layers)]
        )
        self.final_layer_norm = T5LayerNorm(d_model, eps=eps)
        self.dropout = nn.Dropout(dropout_rate)

    def forward(self, inputs_embeds):
        position_bias = None
        hidden_states = self.dropout(inputs_embeds)
        for i, layer_module in enumerate(self.block):
            layer_outputs = layer_module(hidden_states, position_bias=position_bias)
            # layer_outputs is a tuple with:
            # hidden-states, (self-attention position bias)
            hidden_states = layer_outputs[0]
            # We share the position biases between the layers - the first layer store them
            position_bias = layer_outputs[1]
        hidden_states = self.final_layer_norm(hidden_states)
        hidden_states = self.dropout(hidden_states)
        return hidden_states


def t5_encoder_tiny():
    """T5 encoder: 2 layers, d_model 32, 4 heads of 8, d_ff 64, on (16 tokens, 32)."""
    return T5EncoderStack(num_layers=2, d_model=32, d_kv=8, n_heads=4, d_ff=64)


# ------------------------------------------------------------------------------- minGPT

class NewGELU(nn.Module):
    """
    Implementation of the GELU activation function currently in Google BERT repo (identical to
    OpenAI GPT). Reference: Gaussian Error Linear Units (GELU) paper:
    https://arxiv.org/abs/1606.08415
    """

    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi)
                                           * (x + 0.044715 * torch.pow(x, 3.0))))


class CfgNode:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


class CausalSelfAttention(nn.Module):
    """
    A vanilla multi-head masked self-attention layer with a projection at the end.
    """

    def __init__(self, config):
        super().__init__()
        assert config.n_embd % config.n_head == 0
        # key, query, value projections for all heads, but in a batch
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)
        # output projection
        self.c_proj = nn.Linear(config.n_embd, config.n_embd)
        # regularization
        self.attn_dropout = nn.Dropout(config.attn_pdrop)
        self.resid_dropout = nn.Dropout(config.resid_pdrop)
        # causal mask to ensure that attention is only applied to the left in the input sequence
        self.register_buffer("bias", torch.tril(torch.ones(config.block_size, config.block_size))
                             .view(1, 1, config.block_size, config.block_size))
        self.n_head = config.n_head
        self.n_embd = config.n_embd

    def forward(self, x):
        B, T, C = x.size()  # batch size, sequence length, embedding dimensionality (n_embd)

        # calculate query, key, values for all heads in batch and move head forward to be the batch dim
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)

        # causal self-attention; Self-attend: (B, nh, T, hs) x (B, nh, hs, T) -> (B, nh, T, T)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))
        att = F.softmax(att, dim=-1)
        att = self.attn_dropout(att)
        y = att @ v  # (B, nh, T, T) x (B, nh, T, hs) -> (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # re-assemble all head outputs side by side

        # output projection
        y = self.resid_dropout(self.c_proj(y))
        return y


class GPTBlock(nn.Module):
    """ an unassuming Transformer block """

    def __init__(self, config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = nn.ModuleDict(dict(
            c_fc=nn.Linear(config.n_embd, 4 * config.n_embd),
            c_proj=nn.Linear(4 * config.n_embd, config.n_embd),
            act=NewGELU(),
            dropout=nn.Dropout(config.resid_pdrop),
        ))
        m = self.mlp
        self.mlpf = lambda x: m.dropout(m.c_proj(m.act(m.c_fc(x))))  # MLP forward

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlpf(self.ln_2(x))
        return x


class GPT(nn.Module):
    """ GPT Language Model """

    def __init__(self, config):
        super().__init__()
        assert config.vocab_size is not None
        assert config.block_size is not None
        self.block_size = config.block_size

        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),
            wpe=nn.Embedding(config.block_size, config.n_embd),
            drop=nn.Dropout(config.embd_pdrop),
            h=nn.ModuleList([GPTBlock(config) for _ in range(config.n_layer)]),
            ln_f=nn.LayerNorm(config.n_embd),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)

    def forward(self, idx, targets=None):
        device = idx.device
        b, t = idx.size()
        assert t <= self.block_size, \
            f"Cannot forward sequence of length {t}, block size is only {self.block_size}"
        pos = torch.arange(0, t, dtype=torch.long, device=device).unsqueeze(0)  # shape (1, t)

        # forward the GPT model itself
        tok_emb = self.transformer.wte(idx)  # token embeddings of shape (b, t, n_embd)
        pos_emb = self.transformer.wpe(pos)  # position embeddings of shape (1, t, n_embd)
        x = self.transformer.drop(tok_emb + pos_emb)
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)
        logits = self.lm_head(x)

        # if we are given some desired targets also calculate the loss
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1),
                                   ignore_index=-1)

        return logits, loss


def mingpt_tiny():
    """minGPT 'gpt-nano'-like: 2 layers, 4 heads, n_embd 32, vocab 64, block size 32, on 16
    token ids."""
    config = CfgNode(vocab_size=64, block_size=32, n_layer=2, n_head=4, n_embd=32,
                     embd_pdrop=0.1, resid_pdrop=0.1, attn_pdrop=0.1)
    return GPT(config)
