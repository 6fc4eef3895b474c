"""拼接式注意力 Attn / concat attention with bmm (PyTorch).

The attention of seed 003: weights = softmax(Linear(cat(Q[0], K[0]))), the weights times V
(bmm), concatenated with Q[0], a second Linear, and a batch dimension added back.

The program reads the five sizes and the value ranges of Q, K and V from standard input,
fills both Linear layers with fixed np.linspace-style values, and prints the shapes of the
output and the weights, then their values.

Only the code between the Begin/End markers is yours; everything else is fixed by the lab.
"""

import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

# Fixed by the lab: the same seed and a single thread make every run repeatable.
SEED = 2024
torch.manual_seed(SEED)
torch.set_num_threads(1)


# Blank 1 — class Attn: concat attention, layers named attn and attn_combine.
########## Begin ##########
class Attn(nn.Module):
    def __init__(self, query_size, key_size, value_size1, value_size2, output_size):
        """Q is (1, 1, query_size), K (1, 1, key_size), V (1, value_size1, value_size2)."""
        super().__init__()
        self.query_size = query_size
        self.key_size = key_size
        self.value_size1 = value_size1
        self.value_size2 = value_size2
        self.output_size = output_size
        # Step 1: one score per row of V, from the concatenation of Q and K.
        self.attn = nn.Linear(query_size + key_size, value_size1)
        # Step 3: from the concatenation of Q and the attended value to the output.
        self.attn_combine = nn.Linear(query_size + value_size2, output_size)

    def forward(self, Q, K, V):
        """Returns output (1, 1, output_size) and attention weights (1, value_size1)."""
        attn_weights = F.softmax(self.attn(torch.cat((Q[0], K[0]), 1)), dim=1)
        attn_applied = torch.bmm(attn_weights.unsqueeze(0), V)  # (1, 1, value_size2)
        output = torch.cat((Q[0], attn_applied[0]), 1)  # (1, query_size + value_size2)
        output = self.attn_combine(output).unsqueeze(0)  # (1, 1, output_size)
        return output, attn_weights


########## End ##########


def fill_linear(layer, scale, phase):
    """Give a Linear layer fixed weights: the sine of a linspace ramp (step 1.7 rad), and a
    linspace ramp for the bias. Not a constant (every row of V would get the same score) and
    not a plain ramp (the scores would then depend on sum(Q) + sum(K) only)."""
    n = layer.weight.numel()
    ramp = torch.linspace(phase, phase + 1.7 * (n - 1), n, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_((scale * torch.sin(ramp)).float().reshape_as(layer.weight))
        layer.bias.copy_(torch.linspace(-scale, scale, layer.bias.numel()))


def number(x):
    """Six decimals, never '-0.000000'."""
    text = f"{x:.6f}"
    return "0.000000" if text == "-0.000000" else text


def show_values(name, tensor, per_line=8):
    values = [number(x) for x in tensor.detach().reshape(-1).tolist()]
    print(f"{name} values")
    for start in range(0, len(values), per_line):
        print(" ".join(values[start : start + per_line]))


def main():
    # Line 1: query_size key_size value_size1 value_size2 output_size.
    # Line 2: first and last value of Q, of K and of V (linspace, in that order).
    lines = [line.split() for line in sys.stdin.read().splitlines() if line.strip()]
    query_size, key_size, value_size1, value_size2, output_size = (int(x) for x in lines[0])
    q0, q1, k0, k1, v0, v1 = (float(x) for x in lines[1])
    Q = torch.linspace(q0, q1, query_size).reshape(1, 1, query_size)
    K = torch.linspace(k0, k1, key_size).reshape(1, 1, key_size)
    V = torch.linspace(v0, v1, value_size1 * value_size2).reshape(1, value_size1, value_size2)

    model = Attn(query_size, key_size, value_size1, value_size2, output_size)
    fill_linear(model.attn, 0.3, 0.2)
    fill_linear(model.attn_combine, 0.25, 1.1)
    with torch.no_grad():
        output, weights = model(Q, K, V)

    print(f"output shape {' '.join(str(n) for n in output.shape)}")
    print(f"weights shape {' '.join(str(n) for n in weights.shape)}")
    print(f"weights sum {number(weights.sum().item())}")
    show_values("weights", weights)
    show_values("output", output)


if __name__ == "__main__":
    main()
