"""缩放点积注意力 / scaled dot-product attention (NumPy).

attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V, with a softmax that subtracts each row's
maximum before exponentiating, so large scores never overflow. An optional boolean mask
(True = may attend) gives masked positions a weight of exactly 0.

The program reads sizes, value ranges and an optional mask from standard input, builds
Q, K and V with np.linspace, and prints the weights and the output, shapes first.

Only the code between the Begin/End markers is yours; everything else is fixed by the lab.
"""

import sys

import numpy as np

# Fixed by the lab. Nothing here is random, but the seed line stays for seed sweeps.
SEED = 2024
np.random.seed(SEED)


# Blank 1 — softmax(scores): a numerically stable softmax over the last axis.
########## Begin ##########
raise NotImplementedError("请在 Begin/End 之间填写代码（第 1 空） / fill in the code between Begin and End (blank 1)")
########## End ##########


# Blank 2 — attention(Q, K, V, mask): scaled dot-product attention.
########## Begin ##########
raise NotImplementedError("请在 Begin/End 之间填写代码（第 2 空） / fill in the code between Begin and End (blank 2)")
########## End ##########


def number(x):
    """Six decimals, never '-0.000000'."""
    text = f"{x:.6f}"
    return "0.000000" if text == "-0.000000" else text


def show(name, matrix):
    matrix = np.asarray(matrix)
    print(f"{name} shape {' '.join(str(n) for n in matrix.shape)}")
    for row in np.atleast_2d(matrix):
        print(" ".join(number(x) for x in row))


def read_input():
    """Line 1: n_q n_k d_k d_v. Line 2: first and last value of Q, of K and of V.
    Then, optionally, n_q lines of n_k numbers 0/1: the mask (1 = may attend)."""
    lines = [line.split() for line in sys.stdin.read().splitlines() if line.strip()]
    n_q, n_k, d_k, d_v = (int(x) for x in lines[0])
    q0, q1, k0, k1, v0, v1 = (float(x) for x in lines[1])
    Q = np.linspace(q0, q1, n_q * d_k).reshape(n_q, d_k)
    K = np.linspace(k0, k1, n_k * d_k).reshape(n_k, d_k)
    V = np.linspace(v0, v1, n_k * d_v).reshape(n_k, d_v)
    mask = None
    if len(lines) > 2:
        mask = np.array([[int(x) for x in row] for row in lines[2 : 2 + n_q]]) == 1
    return Q, K, V, mask


def main():
    Q, K, V, mask = read_input()
    if mask is None:
        output, weights = attention(Q, K, V)
    else:
        output, weights = attention(Q, K, V, mask)
    show("weights", weights)
    show("output", output)
    print("row sums " + " ".join(number(s) for s in np.asarray(weights).sum(axis=-1)))


if __name__ == "__main__":
    main()
