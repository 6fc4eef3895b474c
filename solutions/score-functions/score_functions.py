"""打分函数与上下文向量 / score functions and the context vector (Bahdanau attention, NumPy).

A decoder state s is scored against every encoder hidden state h_j with one of three score
functions (dot, general, additive); a softmax turns the scores e into attention weights
alpha, and the context vector is c = sum_j alpha_j h_j.

The program reads the score function, the sizes, the range of H and the vector s from
standard input; the weight matrices are fixed by the template.

Only the code between the Begin/End markers is yours; everything else is fixed by the lab.
"""

import sys

import numpy as np

# Fixed by the lab. Nothing here is random, but the seed line stays for seed sweeps.
SEED = 2024
np.random.seed(SEED)


# Blank 1 — score_dot(s, H): e_j = s·h_j.
########## Begin ##########
def score_dot(s, H):
    """s (d,), H (n, d) with one encoder state per row. Returns e (n,), e_j = sᵀ h_j."""
    return H @ s


########## End ##########


# Blank 2 — score_general(s, H, W): e_j = sᵀ W h_j.
########## Begin ##########
def score_general(s, H, W):
    """s (d_s,), H (n, d_h), W (d_s, d_h). Returns e (n,), e_j = sᵀ W h_j."""
    return H @ (W.T @ s)


########## End ##########


# Blank 3 — score_additive(s, H, W1, W2, v): e_j = vᵀ tanh(W1 s + W2 h_j).
########## Begin ##########
def score_additive(s, H, W1, W2, v):
    """s (d_s,), H (n, d_h), W1 (d_a, d_s), W2 (d_a, d_h), v (d_a,).
    Returns e (n,), e_j = vᵀ tanh(W1 s + W2 h_j)."""
    hidden = np.tanh(W1 @ s + H @ W2.T)  # (n, d_a): row j is W1 s + W2 h_j
    return hidden @ v


########## End ##########


# Blank 4 — attend(e, H): alpha = softmax(e) (stable), context c = sum_j alpha_j h_j.
########## Begin ##########
def attend(e, H):
    """e (n,) scores, H (n, d_h). Returns alpha (n,), a stable softmax of e, and the
    context vector c (d_h,) = sum_j alpha_j h_j."""
    exps = np.exp(e - e.max())
    alpha = exps / exps.sum()
    return alpha, alpha @ H


########## End ##########


def fixed_matrix(rows, cols, phase):
    """A deterministic, irregular matrix with entries in [-0.8, 0.8] (fixed by the lab)."""
    return 0.8 * np.cos(1.3 * np.arange(rows * cols) + phase).reshape(rows, cols)


def number(x):
    """Six decimals, never '-0.000000'."""
    text = f"{x:.6f}"
    return "0.000000" if text == "-0.000000" else text


def show(name, vector):
    vector = np.asarray(vector)
    print(f"{name} shape {' '.join(str(n) for n in vector.shape)}")
    print(" ".join(number(x) for x in vector.ravel()))


def read_input():
    """Line 1: dot | general | additive. Line 2: n d_h d_s d_a. Line 3: first and last value
    of H (np.linspace, n x d_h). Line 4: the d_s numbers of s."""
    lines = [line.split() for line in sys.stdin.read().splitlines() if line.strip()]
    mode = lines[0][0].lower()
    n, d_h, d_s, d_a = (int(x) for x in lines[1])
    h_first, h_last = (float(x) for x in lines[2])
    s = np.array([float(x) for x in lines[3]])
    if s.shape != (d_s,):
        raise SystemExit(f"s needs {d_s} numbers")
    H = np.linspace(h_first, h_last, n * d_h).reshape(n, d_h)
    return mode, H, s, d_a


def main():
    mode, H, s, d_a = read_input()
    d_h, d_s = H.shape[1], s.shape[0]
    if mode == "dot":
        e = score_dot(s, H)
    elif mode == "general":
        e = score_general(s, H, fixed_matrix(d_s, d_h, 0.3))
    elif mode == "additive":
        W1 = fixed_matrix(d_a, d_s, 0.7)
        W2 = fixed_matrix(d_a, d_h, 1.9)
        v = fixed_matrix(1, d_a, 2.6)[0]
        e = score_additive(s, H, W1, W2, v)
    else:
        raise SystemExit(f"unknown score function {mode!r}")
    alpha, context = attend(e, H)
    show("scores", e)
    show("alpha", alpha)
    show("context", context)


if __name__ == "__main__":
    main()
