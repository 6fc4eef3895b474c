"""Seq2Seq 字符级翻译 / character-level Seq2Seq translation.

A GRU encoder reads a word letter by letter; a GRU decoder, started from the encoder's last
hidden state, writes the paired word letter by letter. The program trains on six word pairs,
then reads words from standard input (one per line) and prints one translation per line.

Only the code between the Begin/End markers is yours; everything else is fixed by the lab.
"""

import sys

import torch
import torch.nn as nn

# Fixed by the lab: the same seed and a single thread make every run repeatable.
SEED = 2024
torch.manual_seed(SEED)
torch.set_num_threads(1)

SYMBOLS = "SEP" + "abcdefghijklmnopqrstuvwxyz"  # S = start, E = end, P = padding
SYMBOL_INDEX = {symbol: index for index, symbol in enumerate(SYMBOLS)}
N_CLASS = len(SYMBOLS)
MAX_LEN = 8  # the longest word, in letters
N_HIDDEN = 128
EPOCHS = 150
LEARNING_RATE = 0.01
PAIRS = [
    ("man", "women"),
    ("black", "white"),
    ("king", "queen"),
    ("girl", "boy"),
    ("up", "down"),
    ("high", "low"),
]


def one_hot(text):
    """A (len(text), N_CLASS) float tensor: row t is the one-hot code of text[t]."""
    indices = torch.tensor([SYMBOL_INDEX[symbol] for symbol in text])
    return nn.functional.one_hot(indices, N_CLASS).float()


# Blank 1 — make_batch(pairs): encoder inputs, decoder inputs and targets for word pairs.
########## Begin ##########
raise NotImplementedError("请在 Begin/End 之间填写代码（第 1 空） / fill in the code between Begin and End (blank 1)")
########## End ##########


# Blank 2 — class Seq2Seq: a GRU encoder, a GRU decoder and a linear layer over SYMBOLS.
########## Begin ##########
raise NotImplementedError("请在 Begin/End 之间填写代码（第 2 空） / fill in the code between Begin and End (blank 2)")
########## End ##########


model = Seq2Seq()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
encoder_inputs, decoder_inputs, targets = make_batch(PAIRS)
# Fixed by the lab: the losses training goes through (the first 500), reported after it as
# one marked line on standard error, which the grader draws; the output is unchanged.
loss_log = []
loss_hook = criterion.register_forward_hook(lambda *call, log=loss_log: log.append(call[2].item()))

# Blank 3 — train `model` for EPOCHS steps on the whole batch (teacher forcing).
########## Begin ##########
raise NotImplementedError("请在 Begin/End 之间填写代码（第 3 空） / fill in the code between Begin and End (blank 3)")
########## End ##########
loss_hook.remove()
print("seqlab losses:", *(f"{v:.4g}" for v in loss_log[:500]), file=sys.stderr, flush=True)


# Blank 4 — translate(word): greedy decoding, feeding back the previous letter until E.
########## Begin ##########
raise NotImplementedError("请在 Begin/End 之间填写代码（第 4 空） / fill in the code between Begin and End (blank 4)")
########## End ##########


def main():
    for line in sys.stdin:
        word = line.strip().lower()
        if not word:
            continue
        if len(word) > MAX_LEN or not all("a" <= letter <= "z" for letter in word):
            print("?")  # the model only knows words of up to MAX_LEN letters a-z
            continue
        print(translate(word))


if __name__ == "__main__":
    main()
