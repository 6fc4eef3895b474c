"""普通 RNN 的前向传播（NumPy）/ The forward pass of a vanilla RNN in NumPy.

A vanilla RNN reads a sequence of column vectors x_1 … x_T and keeps one hidden state:

    h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h),    h_0 = 0
    y_t = W_hy h_t + b_y

`RNN.forward(inputs)` runs the whole sequence and returns the last output and hidden state.
The program reads the sizes and the inputs' range from standard input and prints h_t and y_t
for every step t.

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


class RNN:
    """A vanilla recurrent network with the weights W_xh, W_hh, W_hy and biases b_h, b_y."""

    def __init__(self, input_size, output_size, hidden_size=64):
        # Fixed by the lab: evenly spaced weights, so every run prints the same numbers
        # (randn / 1000 would make every printed value 0.000000).
        scale = 1.0 / np.sqrt(hidden_size)
        self.Wxh = grid(hidden_size, input_size, -0.9, 1.1)  # (hidden, input)
        self.Whh = grid(hidden_size, hidden_size, 1.2, -0.8) * scale  # (hidden, hidden)
        self.Why = grid(output_size, hidden_size, -0.7, 0.5)  # (output, hidden)
        self.bh = grid(hidden_size, 1, 0.3, -0.2)  # (hidden, 1)
        self.by = grid(output_size, 1, -0.1, 0.25)  # (output, 1)

    def forward(self, inputs):
        """Run the RNN over `inputs` (a list of (input_size, 1) column vectors), starting
        from h_0 = 0. Returns (y, h): the output (output_size, 1) and the hidden state
        (hidden_size, 1) of the last step."""
        ########## Begin ##########
        raise NotImplementedError("请在 Begin/End 之间填写代码（第 1 空） / fill in the code between Begin and End (blank 1)")
        ########## End ##########


def show(values):
    """Fixed decimals, and never '-0.000000'."""
    return " ".join(f"{v:.6f}" if round(v, 6) != 0 else "0.000000" for v in values)


def main():
    input_size, hidden_size, output_size = map(int, sys.stdin.readline().split())
    steps_text, start, stop = sys.stdin.readline().split()
    steps = int(steps_text)
    xs = np.linspace(float(start), float(stop), steps * input_size).reshape(steps, input_size)
    inputs = [x.reshape(input_size, 1) for x in xs]

    rnn = RNN(input_size, output_size, hidden_size)
    for t in range(1, steps + 1):
        # The first t inputs: the last step of this run is step t of the whole sequence.
        y, h = rnn.forward(inputs[:t])
        if t == 1:
            print("h shape", tuple(np.shape(h)))
            print("y shape", tuple(np.shape(y)))
        print(f"h_{t}", show(np.ravel(h)))
        print(f"y_{t}", show(np.ravel(y)))


if __name__ == "__main__":
    main()
