"""PyTorch 的 nn.RNN / nn.LSTM / nn.GRU 的使用 / Using PyTorch's recurrent modules.

Each line of standard input describes one module and one input batch:

    KIND input_size hidden_size num_layers seq_len batch batch_first bidirectional

KIND is RNN, LSTM or GRU; batch_first and bidirectional are 0 or 1. For each line the
program builds the module, the initial state and the input, runs the module and prints the
shapes, the parameter count and a few values.

Only the code between the Begin/End markers is yours; everything else is fixed by the lab.
"""

import sys

import torch
import torch.nn as nn

# Fixed by the lab: double precision, one thread. The weights are overwritten below with
# fixed values, so the printed numbers do not depend on the seed.
SEED = 3
torch.manual_seed(SEED)
torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)


def fill(shape, start, stop):
    """A tensor of the given shape holding evenly spaced values from start to stop."""
    count = 1
    for size in shape:
        count *= size
    return torch.linspace(start, stop, count).reshape(*shape)


# Blank 1 — build: the module of the given kind and sizes.
########## Begin ##########
def build(kind, input_size, hidden_size, num_layers, batch_first, bidirectional):
    """Return nn.RNN, nn.LSTM or nn.GRU (kind is "RNN", "LSTM" or "GRU") with these sizes."""
    module_class = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[kind]
    return module_class(
        input_size,
        hidden_size,
        num_layers,
        batch_first=batch_first,
        bidirectional=bidirectional,
    )


########## End ##########


# Blank 2 — initial_state: h0 (and c0 for an LSTM) of the right shape.
########## Begin ##########
def initial_state(kind, num_layers, bidirectional, batch_first, batch, hidden_size):
    """h0 = fill(shape, -0.5, 0.5) for RNN and GRU; the pair (h0, c0) with
    c0 = fill(shape, 0.3, -0.3) for LSTM. shape = (num_layers * num_directions, batch,
    hidden_size), whether or not the module is batch_first."""
    num_directions = 2 if bidirectional else 1
    shape = (num_layers * num_directions, batch, hidden_size)
    h0 = fill(shape, -0.5, 0.5)
    if kind == "LSTM":
        return h0, fill(shape, 0.3, -0.3)
    return h0


########## End ##########


# Blank 3 — run: call the module; LSTM takes and returns (h, c).
########## Begin ##########
def run(kind, module, x, state):
    """Call `module` on x with the initial state. Returns (output, hn, cn); cn is None for
    RNN and GRU."""
    if kind == "LSTM":
        output, (hn, cn) = module(x, state)
        return output, hn, cn
    output, hn = module(x, state)
    return output, hn, None


########## End ##########


# Blank 4 — count_parameters: how many numbers the module learns.
########## Begin ##########
def count_parameters(module):
    """The total number of elements of all the module's parameters."""
    return sum(p.numel() for p in module.parameters())


########## End ##########


def show(values):
    """Fixed decimals, and never '-0.000000'."""
    return " ".join(f"{v:.6f}" if round(v, 6) != 0 else "0.000000" for v in values)


def set_fixed_weights(module):
    """Overwrite every parameter with evenly spaced values (the same for every seed)."""
    with torch.no_grad():
        for k, (_, p) in enumerate(sorted(module.named_parameters())):
            sign = 1 if k % 2 == 0 else -1
            p.copy_(fill(p.shape, -0.4 * sign, (0.5 - 0.03 * k) * sign))


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        kind, *numbers = line.split()
        input_size, hidden_size, num_layers, seq_len, batch, first, bidi = map(int, numbers)
        batch_first, bidirectional = bool(first), bool(bidi)
        print(
            f"{kind} input_size={input_size} hidden_size={hidden_size} num_layers={num_layers}"
            f" batch_first={batch_first} bidirectional={bidirectional}"
        )
        module = build(kind, input_size, hidden_size, num_layers, batch_first, bidirectional)
        print("parameters", count_parameters(module))
        set_fixed_weights(module)
        shape = (batch, seq_len, input_size) if batch_first else (seq_len, batch, input_size)
        x = fill(shape, -1.0, 1.0)
        state = initial_state(kind, num_layers, bidirectional, batch_first, batch, hidden_size)
        with torch.no_grad():
            output, hn, cn = run(kind, module, x, state)
        print("output shape", tuple(output.shape))
        print("hn shape", tuple(hn.shape))
        if cn is not None:
            print("cn shape", tuple(cn.shape))
        last = output[0, -1] if batch_first else output[-1, 0]
        print("output[last step, sample 0]", show(last.tolist()))
        print("hn[-1, 0]", show(hn[-1, 0].tolist()))
        print("output sum", show([output.sum().item()]))
        print("hn sum", show([hn.sum().item()]))
        if cn is not None:
            print("cn sum", show([cn.sum().item()]))


if __name__ == "__main__":
    main()
