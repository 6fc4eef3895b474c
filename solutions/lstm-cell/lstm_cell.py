"""LSTM 门控 / The gates of an LSTM cell, written by hand in PyTorch.

One step of an LSTM, with the weights laid out as torch.nn.LSTMCell lays them out (rows in
the gate order i, f, g, o):

    i = sigmoid(x W_ii^T + b_ii + h W_hi^T + b_hi)      input gate
    f = sigmoid(x W_if^T + b_if + h W_hf^T + b_hf)      forget gate
    g = tanh(x W_ig^T + b_ig + h W_hg^T + b_hg)         candidate cell values
    o = sigmoid(x W_io^T + b_io + h W_ho^T + b_ho)      output gate
    c' = f * c + i * g
    h' = o * tanh(c')

The program reads the sizes and the value ranges from standard input and prints h_t and c_t
for every step t.

Only the code between the Begin/End markers is yours; everything else is fixed by the lab.
"""

import sys

import torch

# Fixed by the lab: double precision, one thread; nothing here is random, the seed only keeps
# torch's state repeatable.
SEED = 3
torch.manual_seed(SEED)
torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)


def grid(rows, cols, start, stop):
    """A (rows, cols) tensor of evenly spaced values from start to stop, filled row by row."""
    return torch.linspace(start, stop, rows * cols).reshape(rows, cols)


def make_weights(input_size, hidden_size):
    """Fixed weights shaped like nn.LSTMCell's: W_ih (4H, I), W_hh (4H, H), b_ih (4H,),
    b_hh (4H,), the four blocks of H rows being the gates i, f, g, o in that order."""
    scale = 1.0 / hidden_size**0.5
    W_ih = grid(4 * hidden_size, input_size, -0.8, 1.0)
    W_hh = grid(4 * hidden_size, hidden_size, 0.9, -1.1) * scale
    b_ih = torch.linspace(0.3, -0.4, 4 * hidden_size)
    b_hh = torch.linspace(-0.25, 0.45, 4 * hidden_size)
    return W_ih, W_hh, b_ih, b_hh


# Blank 1 — lstm_cell: one LSTM step (gates i, f, g, o; new cell state; new hidden state).
########## Begin ##########
def lstm_cell(x, state, weights):
    """x: (batch, input_size); state = (h, c), each (batch, hidden_size);
    weights = (W_ih, W_hh, b_ih, b_hh) as nn.LSTMCell's. Returns (h_new, c_new)."""
    h, c = state
    W_ih, W_hh, b_ih, b_hh = weights
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh  # (batch, 4 * hidden_size)
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return h_new, c_new


########## End ##########


# Blank 2 — lstm: run lstm_cell over the sequence, carrying both h and c.
########## Begin ##########
def lstm(inputs, state, weights):
    """inputs: (steps, batch, input_size); state = (h_0, c_0). Returns the list
    [(h_1, c_1), …, (h_steps, c_steps)]."""
    states = []
    for x in inputs:
        state = lstm_cell(x, state, weights)
        states.append(state)
    return states


########## End ##########


def show(values):
    """Fixed decimals, and never '-0.000000'."""
    return " ".join(f"{v:.6f}" if round(v, 6) != 0 else "0.000000" for v in values)


def main():
    input_size, hidden_size, batch, steps = map(int, sys.stdin.readline().split())
    x_start, x_stop, h_start, h_stop, c_start, c_stop = map(float, sys.stdin.readline().split())
    inputs = torch.linspace(x_start, x_stop, steps * batch * input_size).reshape(
        steps, batch, input_size
    )
    h0 = grid(batch, hidden_size, h_start, h_stop)
    c0 = grid(batch, hidden_size, c_start, c_stop)
    weights = make_weights(input_size, hidden_size)

    with torch.no_grad():
        states = lstm(inputs, (h0, c0), weights)
    print("steps", len(states))
    print("h shape", tuple(states[0][0].shape))
    print("c shape", tuple(states[0][1].shape))
    for t, (h, c) in enumerate(states, start=1):
        for b in range(batch):
            print(f"h_{t}[{b}]", show(h[b].tolist()))
            print(f"c_{t}[{b}]", show(c[b].tolist()))


if __name__ == "__main__":
    main()
