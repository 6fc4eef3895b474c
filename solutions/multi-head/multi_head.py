"""自注意力 / 交叉注意力 / 多头注意力 · self-, cross- and multi-head attention (NumPy).

Self-attention takes Q, K and V from one sequence X (Q = X W_Q, K = X W_K, V = X W_V);
cross-attention takes Q from the decoder states D and K, V from the encoder states E;
multi-head attention splits d_model into h heads, attends in every head and concatenates
the heads (no output projection W^O in this lab).

The program reads the mode, the sizes and the value ranges from standard input; the
projection matrices are fixed by the template.

Only the code between the Begin/End markers is yours; everything else is fixed by the lab.
"""

import sys

import numpy as np

# Fixed by the lab. Nothing here is random, but the seed line stays for seed sweeps.
SEED = 2024
np.random.seed(SEED)


# Blank 1 — attention(Q, K, V): scaled dot-product attention with a stable softmax.
########## Begin ##########
def attention(Q, K, V):
    """Q (n_q, d_k), K (n_kv, d_k), V (n_kv, d_v). Returns output (n_q, d_v) and weights
    (n_q, n_kv) = softmax(Q Kᵀ / √d_k) over the keys."""
    scores = Q @ K.T / np.sqrt(Q.shape[1])
    exps = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights = exps / exps.sum(axis=1, keepdims=True)
    return weights @ V, weights


########## End ##########


# Blank 2 — self_attention(X, W_Q, W_K, W_V): Q, K and V all from X.
########## Begin ##########
def self_attention(X, W_Q, W_K, W_V):
    """X (n, d_in); W_Q, W_K, W_V (d_in, d_model). Returns output (n, d_model), weights (n, n)."""
    return attention(X @ W_Q, X @ W_K, X @ W_V)


########## End ##########


# Blank 3 — cross_attention(D, E, W_Q, W_K, W_V): Q from the decoder, K and V from the encoder.
########## Begin ##########
def cross_attention(D, E, W_Q, W_K, W_V):
    """D (n_dec, d_in) decoder states, E (n_enc, d_in) encoder states; W_* (d_in, d_model).
    Returns output (n_dec, d_model) and weights (n_dec, n_enc)."""
    return attention(D @ W_Q, E @ W_K, E @ W_V)


########## End ##########


# Blank 4 — multi_head(X_q, X_kv, W_Q, W_K, W_V, h): h heads, each on d_model / h columns.
########## Begin ##########
def multi_head(X_q, X_kv, W_Q, W_K, W_V, h):
    """Queries from X_q (n_q, d_in), keys and values from X_kv (n_kv, d_in); W_* (d_in,
    d_model) with d_model divisible by h. Head i uses columns i*d_head:(i+1)*d_head of Q, K
    and V (d_head = d_model // h). Returns the heads' outputs side by side (n_q, d_model)
    and the weights of every head (h, n_q, n_kv)."""
    Q, K, V = X_q @ W_Q, X_kv @ W_K, X_kv @ W_V
    d_head = Q.shape[1] // h
    outputs, weights = [], []
    for i in range(h):
        columns = slice(i * d_head, (i + 1) * d_head)
        output, weight = attention(Q[:, columns], K[:, columns], V[:, columns])
        outputs.append(output)
        weights.append(weight)
    return np.concatenate(outputs, axis=1), np.stack(weights)


########## End ##########


def fixed_matrix(rows, cols, phase):
    """A deterministic, irregular matrix with entries in [-1, 1] (fixed by the lab)."""
    return np.cos(1.3 * np.arange(rows * cols) + phase).reshape(rows, cols)


def number(x):
    """Six decimals, never '-0.000000'."""
    text = f"{x:.6f}"
    return "0.000000" if text == "-0.000000" else text


def show(name, array):
    print(f"{name} shape {' '.join(str(n) for n in array.shape)}")
    for row in array.reshape(-1, array.shape[-1]):
        print(" ".join(number(x) for x in row))


def read_input():
    """Line 1: the mode and its sizes:
        self n d_in d_model                  cross n_dec n_enc d_in d_model
        multi n d_in d_model h               multi-cross n_dec n_enc d_in d_model h
    Line 2: first and last value of X (self, multi), or of D then E (cross, multi-cross)."""
    lines = [line.split() for line in sys.stdin.read().splitlines() if line.strip()]
    mode, sizes = lines[0][0].lower(), [int(x) for x in lines[0][1:]]
    ranges = [float(x) for x in lines[1]]
    if mode in ("self", "multi"):
        n, d_in, d_model = sizes[:3]
        n_q, n_kv = n, n
    else:
        n_q, n_kv, d_in, d_model = sizes[:4]
    heads = sizes[-1] if mode.startswith("multi") else 1
    X_q = np.linspace(ranges[0], ranges[1], n_q * d_in).reshape(n_q, d_in)
    X_kv = X_q if len(ranges) == 2 else np.linspace(ranges[2], ranges[3], n_kv * d_in)
    return mode, X_q, X_kv.reshape(n_kv, d_in), d_model, heads


def main():
    mode, X_q, X_kv, d_model, heads = read_input()
    d_in = X_q.shape[1]
    W_Q = fixed_matrix(d_in, d_model, 0.2)
    W_K = fixed_matrix(d_in, d_model, 1.1)
    W_V = fixed_matrix(d_in, d_model, 2.3)
    if mode == "self":
        output, weights = self_attention(X_q, W_Q, W_K, W_V)
    elif mode == "cross":
        output, weights = cross_attention(X_q, X_kv, W_Q, W_K, W_V)
    elif mode in ("multi", "multi-cross"):
        output, weights = multi_head(X_q, X_kv, W_Q, W_K, W_V, heads)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    show("weights", weights)
    show("output", output)


if __name__ == "__main__":
    main()
