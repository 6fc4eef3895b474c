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
def make_batch(pairs):
    """Encoder inputs (B, MAX_LEN, N_CLASS), decoder inputs (B, MAX_LEN + 1, N_CLASS) and
    targets (B, MAX_LEN + 1) of symbol indices, for a list of (source, target) pairs."""
    encoder_inputs, decoder_inputs, targets = [], [], []
    for source, target in pairs:
        encoder_inputs.append(one_hot(source.ljust(MAX_LEN, "P")))
        decoder_inputs.append(one_hot(("S" + target).ljust(MAX_LEN + 1, "P")))
        expected = (target + "E").ljust(MAX_LEN + 1, "P")
        targets.append(torch.tensor([SYMBOL_INDEX[symbol] for symbol in expected]))
    return torch.stack(encoder_inputs), torch.stack(decoder_inputs), torch.stack(targets)


########## End ##########


# Blank 2 — class Seq2Seq: a GRU encoder, a GRU decoder and a linear layer over SYMBOLS.
########## Begin ##########
class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.GRU(N_CLASS, N_HIDDEN, batch_first=True)
        self.decoder = nn.GRU(N_CLASS, N_HIDDEN, batch_first=True)
        self.classifier = nn.Linear(N_HIDDEN, N_CLASS)

    def encode(self, encoder_input):
        """The context: the encoder's last hidden state, shape (1, B, N_HIDDEN)."""
        _, hidden = self.encoder(encoder_input)
        return hidden

    def decode(self, decoder_input, hidden):
        """Scores (B, T, N_CLASS) for every decoder step, and the decoder's last hidden state."""
        outputs, hidden = self.decoder(decoder_input, hidden)
        return self.classifier(outputs), hidden

    def forward(self, encoder_input, decoder_input):
        scores, _ = self.decode(decoder_input, self.encode(encoder_input))
        return scores


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
for epoch in range(EPOCHS):
    optimizer.zero_grad()
    scores = model(encoder_inputs, decoder_inputs)
    loss = criterion(scores.reshape(-1, N_CLASS), targets.reshape(-1))
    loss.backward()
    optimizer.step()
########## End ##########
loss_hook.remove()
print("seqlab losses:", *(f"{v:.4g}" for v in loss_log[:500]), file=sys.stderr, flush=True)


# Blank 4 — translate(word): greedy decoding, feeding back the previous letter until E.
########## Begin ##########
def translate(word):
    """The model's translation of `word` (lowercase a-z, at most MAX_LEN letters)."""
    with torch.no_grad():
        hidden = model.encode(one_hot(word.ljust(MAX_LEN, "P")).unsqueeze(0))
        symbol, letters = "S", []
        for _ in range(MAX_LEN + 1):
            scores, hidden = model.decode(one_hot(symbol).unsqueeze(0), hidden)
            symbol = SYMBOLS[scores[0, -1].argmax().item()]
            if symbol in "SEP":
                break
            letters.append(symbol)
    return "".join(letters)


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
