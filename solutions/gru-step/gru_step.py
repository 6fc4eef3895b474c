"""GRU 单步与多步（教材公式）/ GRU steps with the textbook (d2l) equations, in NumPy.

Row-vector form, one row per sample of the batch:

    R_t = sigmoid(X_t W_xr + H_{t-1} W_hr + b_r)              reset gate
    Z_t = sigmoid(X_t W_xz + H_{t-1} W_hz + b_z)              update gate
    H~_t = tanh(X_t W_xh + (R_t * H_{t-1}) W_hh + b_h)        candidate state
    H_t = Z_t * H_{t-1} + (1 - Z_t) * H~_t                    new hidden state

`*` is the element-wise product. This is NOT the formula of torch.nn.GRU, which applies the
reset gate after the product: tanh(W_in x + b_in + r * (W_hn h + b_hn)).

Only the code between the Begin/End markers is yours; everything else is fixed by the lab.
"""

import sys

import numpy as np

# Fixed by the lab: nothing here is random, the seed only keeps NumPy's state repeatable.
SEED = 1
np.random.seed(SEED)


def grid(rows, cols, start, stop):
    """A (rows, cols) matrix of evenly spaced values from start to stop, filled row by row."""
    return np.linspace(start, stop, rows * cols).reshape(rows, cols)


def make_params(num_inputs, num_hiddens):
    """Fixed, evenly spaced GRU parameters: W_x? (num_inputs, num_hiddens),
    W_h? (num_hiddens, num_hiddens), b_? (num_hiddens,)."""
    scale = 1.0 / np.sqrt(num_hiddens)
    return {
        "W_xr": grid(num_inputs, num_hiddens, -0.6, 0.9),
        "W_hr": grid(num_hiddens, num_hiddens, 1.0, -0.7) * scale,
        "b_r": np.linspace(0.4, -0.3, num_hiddens),
        "W_xz": grid(num_inputs, num_hiddens, 0.8, -0.5),
        "W_hz": grid(num_hiddens, num_hiddens, -0.9, 0.6) * scale,
        "b_z": np.linspace(-0.2, 0.35, num_hiddens),
        "W_xh": grid(num_inputs, num_hiddens, -1.1, 0.7),
        "W_hh": grid(num_hiddens, num_hiddens, 1.3, -1.2) * scale,
        "b_h": np.linspace(0.25, -0.15, num_hiddens),
    }


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# Blank 1 — gru_step: one step of the GRU, with the equations above.
########## Begin ##########
def gru_step(X, H, params):
    """X: (batch, num_inputs), H: the previous state (batch, num_hiddens).
    Returns the new state H_t, shape (batch, num_hiddens)."""
    p = params
    R = sigmoid(X @ p["W_xr"] + H @ p["W_hr"] + p["b_r"])
    Z = sigmoid(X @ p["W_xz"] + H @ p["W_hz"] + p["b_z"])
    H_tilde = np.tanh(X @ p["W_xh"] + (R * H) @ p["W_hh"] + p["b_h"])
    return Z * H + (1 - Z) * H_tilde


########## End ##########


# Blank 2 — gru: run gru_step over the whole sequence, carrying the state.
########## Begin ##########
def gru(inputs, H, params):
    """inputs: (steps, batch, num_inputs); H: the initial state (batch, num_hiddens).
    Returns the list of the states H_1 … H_steps, each (batch, num_hiddens)."""
    states = []
    for X in inputs:
        H = gru_step(X, H, params)
        states.append(H)
    return states


########## End ##########


def show(values):
    """Fixed decimals, and never '-0.000000'."""
    return " ".join(f"{v:.6f}" if round(v, 6) != 0 else "0.000000" for v in values)


def main():
    num_inputs, num_hiddens, batch, steps = map(int, sys.stdin.readline().split())
    x_start, x_stop, h_start, h_stop = map(float, sys.stdin.readline().split())
    inputs = np.linspace(x_start, x_stop, steps * batch * num_inputs).reshape(
        steps, batch, num_inputs
    )
    H0 = grid(batch, num_hiddens, h_start, h_stop)
    params = make_params(num_inputs, num_hiddens)

    states = gru(inputs, H0, params)
    print("steps", len(states))
    print("H shape", tuple(np.shape(states[0])))
    for t, H in enumerate(states, start=1):
        for b, row in enumerate(np.asarray(H)):
            print(f"H_{t}[{b}]", show(row))


if __name__ == "__main__":
    main()
