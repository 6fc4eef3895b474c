"""Seq2Seq 字符级翻译 / character-level Seq2Seq translation.

A GRU encoder reads a word letter by letter; a GRU decoder, started from the encoder's last
hidden state, writes the paired word letter by letter. The program trains on six word pairs,
then reads words from standard input (one per line) and prints one translation per line.

Only the code between the Begin/End markers is yours; everything else is fixed by the lab.
"""

import hashlib
import math
import sys
import types

import torch
import torch.nn as nn

# Fixed by the lab: the same seed and a single thread make every run repeatable.
SEED = 2024
torch.manual_seed(SEED)
torch.set_num_threads(1)

# Taken before the blanks run: the checks of the trained model compute with torch's own
# functions, so nothing the blanks define later reaches them.
_GRU_CELL = torch.gru_cell
_LINEAR = nn.functional.linear
_CROSS_ENTROPY = nn.functional.cross_entropy
_TO_LIST = torch.Tensor.tolist
# And what torch's objects hold before the blanks run (each name → object, read-only): a blank
# that patched one the checks compute with (Tensor.max, torch.stack, …) would fool any check,
# so the checks count only while every one is still the same (untouched()).
# (Of the torch module itself only the functions the checks call: torch rebinds some of its
# own names as it goes, manual_seed for one.)
_TORCH_OWNERS = (nn.functional, torch._C._nn, *torch.Tensor.__mro__[:-1], nn.GRUCell)
_TORCH_OWNERS += (*nn.GRU.__mro__[:-1], nn.RNNCellBase, nn.Linear, nn.Parameter)
_TORCH_AS_GIVEN = tuple(types.MappingProxyType(dict(vars(owner))) for owner in _TORCH_OWNERS)
_TORCH_CALLED = ("arange", "cat", "full", "no_grad", "sin", "stack", "tensor", "zeros")
_TORCH_CALLED_AS_GIVEN = tuple(vars(torch)[name] for name in _TORCH_CALLED)
# The other modules the checks read (math, hashlib, types, torch.nn): each name they hold now
# must still be the same object then (a blank could set `math.inf`, say, through a method).
_MODULES = (math, hashlib, types, nn)
_MODULES_AS_GIVEN = tuple(types.MappingProxyType(dict(vars(module))) for module in _MODULES)

SYMBOLS = "SEP" + "abcdefghijklmnopqrstuvwxyz"  # S = start, E = end, P = padding
# The checks read SYMBOL_INDEX and PAIRS, so both are read-only (a mapping proxy over a dict
# nothing else holds, a tuple): no code in the blanks can change what the checks see.
SYMBOL_INDEX = types.MappingProxyType({symbol: index for index, symbol in enumerate(SYMBOLS)})
N_CLASS = len(SYMBOLS)
MAX_LEN = 8  # the longest word, in letters
N_HIDDEN = 128
EPOCHS = 150
LEARNING_RATE = 0.01
PAIRS = (
    ("man", "women"),
    ("black", "white"),
    ("king", "queen"),
    ("girl", "boy"),
    ("up", "down"),
    ("high", "low"),
)
# sha256 of the correct training batch as frozen() gives it: the checks of the trained model
# run only on the correct batch, and the digest does not show how to build it.
BATCH_DIGEST = "d88936992bcf6a0b571a9c73750d8222848313ffe5e7285b15bc1d3fb63fae59"


def one_hot(text):
    """A (len(text), N_CLASS) float tensor: row t is the one-hot code of text[t]."""
    indices = torch.tensor([SYMBOL_INDEX[symbol] for symbol in text])
    return nn.functional.one_hot(indices, N_CLASS).float()


def frozen(*tensors):
    """The tensors as nested tuples of Python numbers, which nothing can change, if each is a
    plain torch.Tensor (a subclass could run its own code in torch's calls); otherwise None."""
    if not all(type(t) is torch.Tensor for t in tensors):
        return None

    def freeze(value):
        return tuple(map(freeze, value)) if type(value) is list else value

    return tuple(freeze(_TO_LIST(t)) for t in tensors)


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
# Frozen before any later code of the blanks runs: the checks read this copy, never the
# tensors above, which code run later (forward, attend) could change in place.
CHECKED_BATCH = frozen(encoder_inputs, decoder_inputs, targets)
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


class ScriptedModel(Seq2Seq):
    """A stand-in for the trained model with a known rule (no training, no randomness): it
    writes the input word backwards, each letter shifted along the alphabet by the index of the
    symbol it is fed, then E. translate() run with it in place of `model` shows that translate
    decodes with the model's encode and decode, from S, feeding back each symbol it chose."""

    def encode(self, encoder_input):
        if encoder_input.dim() == 2:  # one word without a batch axis, as nn.GRU accepts
            return self.encode(encoder_input.unsqueeze(0))[:, 0]
        hidden = torch.zeros(1, encoder_input.shape[0], N_HIDDEN)
        hidden[0, :, 1 : encoder_input.shape[1] + 1] = encoder_input.argmax(dim=2).float()
        return hidden  # hidden[0, b, 0] counts the steps decoded, then the word's symbols

    def decode(self, decoder_input, hidden):
        if decoder_input.dim() == 2:
            scores, hidden = self.decode(decoder_input.unsqueeze(0), hidden.unsqueeze(1))
            return scores[0], hidden[:, 0]
        hidden = hidden.clone()
        scores = torch.zeros(decoder_input.shape[0], decoder_input.shape[1], N_CLASS)
        for b in range(decoder_input.shape[0]):
            word = [int(i) for i in hidden[0, b, 1 : MAX_LEN + 1] if i >= 3]
            for t in range(decoder_input.shape[1]):
                step = int(hidden[0, b, 0])
                fed = int(decoder_input[b, t].argmax())
                letter = word[-1 - step] - 3 + fed if step < len(word) else None
                scores[b, t, SYMBOL_INDEX["E"] if letter is None else 3 + letter % 26] = 1.0
                hidden[0, b, 0] = step + 1
        return scores, hidden


def fixed_probe():
    """A Seq2Seq whose parameters come from a formula of their shape (no randomness), so its
    loss on the training batch is the same for every seed and every correct solution."""
    probe = Seq2Seq()
    with torch.no_grad():
        for parameter in probe.parameters():
            n = parameter.numel()
            ramp = torch.arange(n, dtype=torch.float32)
            values = 1.5 * torch.sin(0.731 * ramp + 0.37 * n) / math.sqrt(parameter.shape[-1])
            parameter.copy_(values.reshape(parameter.shape))
    return probe


def checked_batch():
    """Fresh tensors rebuilt from CHECKED_BATCH: encoder inputs, decoder inputs, targets."""
    return [torch.tensor(part) for part in CHECKED_BATCH]


def correct_batch():
    """Whether make_batch gave plain tensors holding the correct batch (BATCH_DIGEST)."""
    frozen_text = repr(CHECKED_BATCH).encode()
    return CHECKED_BATCH is not None and hashlib.sha256(frozen_text).hexdigest() == BATCH_DIGEST


def batch_loss(scores):
    """The cross-entropy of teacher-forced scores (B, MAX_LEN + 1, N_CLASS) on the targets."""
    if type(scores) is not torch.Tensor:  # a subclass could run its own code in torch's calls
        return math.nan
    return float(_CROSS_ENTROPY(scores.reshape(-1, N_CLASS), checked_batch()[2].reshape(-1)))


def exact_parameters(layer, kinds, shapes):
    """The parameters of `layer` in the order of `shapes` ({name: shape}) if it is exactly one
    of torch's `kinds` holding exactly those parameters and no other module; otherwise None."""
    if type(layer) not in kinds or layer._modules:
        return None
    found = {name: p for name, p in layer._parameters.items() if type(p) is nn.Parameter}
    if len(found) != len(layer._parameters):
        return None
    same = {name: tuple(p.shape) for name, p in found.items()} == shapes
    return [found[name] for name in shapes] if same else None


def parameter_layers(trained):
    """The modules of `trained` that hold parameters themselves, each once, in the order they
    were registered: read from each module's own dictionaries, never through a method the model
    could override (nn.Module.modules calls the model's named_modules). Modules without
    parameters (LogSoftmax, Dropout, containers, the student's own Encoder) are passed over, and
    every parameter of the model is in one of the modules returned."""
    layers, seen, waiting = [], set(), [trained]
    while waiting:
        module = waiting.pop()
        if id(module) in seen:
            continue
        seen.add(id(module))
        if any(p is not None for p in vars(module)["_parameters"].values()):
            layers.append(module)
        waiting += reversed([m for m in vars(module)["_modules"].values() if m is not None])
    return layers


def gru_weights(layer, n_input):
    """The weights of `layer` if it is one torch GRU layer, nn.GRU or nn.GRUCell, from n_input
    features to N_HIDDEN; otherwise None."""
    suffix = "_l0" if type(layer) is nn.GRU else ""
    gates, hidden = 3 * N_HIDDEN, N_HIDDEN
    shapes = {"weight_ih": (gates, n_input), "weight_hh": (gates, hidden)}
    shapes |= {"bias_ih": (gates,), "bias_hh": (gates,)}
    return exact_parameters(layer, (nn.GRU, nn.GRUCell), {k + suffix: s for k, s in shapes.items()})


def run_gru(weights, inputs, state):
    """The states (B, T, N_HIDDEN) a GRU with these weights goes through over inputs
    (B, T, features), starting from `state` (B, N_HIDDEN)."""
    states = []
    for t in range(inputs.shape[1]):
        state = _GRU_CELL(inputs[:, t], state, *weights)
        states.append(state)
    return torch.stack(states, dim=1)


def trusted_scores(trained, encoder_input, decoder_input):
    """What the trained model's parameters compute under teacher forcing: scores (B, T, N_CLASS)
    for each way of reading its two GRUs as encoder and decoder (either may be registered
    first), or none unless the layers that hold its parameters are exactly two one-layer GRUs
    (N_CLASS to N_HIDDEN) and a Linear(N_HIDDEN, N_CLASS). No method of the model runs here, so
    a model whose own methods fake their scores cannot pass the checks of the trained model."""
    layers = parameter_layers(trained)
    grus = [w for w in (gru_weights(layer, N_CLASS) for layer in layers) if w]
    linear_shapes = {"weight": (N_CLASS, N_HIDDEN), "bias": (N_CLASS,)}
    linears = [w for w in (exact_parameters(m, (nn.Linear,), linear_shapes) for m in layers) if w]
    if len(layers) != 3 or len(grus) != 2 or len(linears) != 1:
        return []
    readings, start = [], torch.zeros(encoder_input.shape[0], N_HIDDEN)
    for encoder, decoder in (grus, grus[::-1]):
        context = run_gru(encoder, encoder_input, start)[:, -1]
        readings.append(_LINEAR(run_gru(decoder, decoder_input, context), *linears[0]))
    return readings


def untouched():
    """Whether every object of torch's the checks compute with is still the one it was before
    the blanks ran: no name of those classes and modules rebound, removed or added (an added
    Tensor.max would hide TensorBase's)."""
    missing = object()
    for owner, given in zip(_TORCH_OWNERS, _TORCH_AS_GIVEN, strict=True):
        now = vars(owner)
        if len(now) != len(given):
            return False
        if any(now.get(name, missing) is not value for name, value in given.items()):
            return False
    for module, given in zip(_MODULES, _MODULES_AS_GIVEN, strict=True):
        now = vars(module)
        if any(now.get(name, missing) is not value for name, value in given.items()):
            return False
    called = zip(_TORCH_CALLED, _TORCH_CALLED_AS_GIVEN, strict=True)
    return all(vars(torch).get(name, missing) is value for name, value in called)


def main():
    global model
    trained, scripted = model, ScriptedModel()
    probe_loss, readings = math.nan, []
    with torch.no_grad():
        # The probe checks make_batch and the student's forward (known parameters); the trained
        # model is checked on the correct batch through its parameters alone (trusted_scores),
        # never its own methods.
        if CHECKED_BATCH is not None:
            probe_loss = batch_loss(fixed_probe()(*checked_batch()[:2]))
        if correct_batch():
            readings = trusted_scores(trained, *checked_batch()[:2])
        # float("inf"), not math.inf: math is a module a blank could have changed.
        no_loss = float("inf")
        trained_loss = min((batch_loss(scores) for scores in readings), default=no_loss)
        trained_loss = trained_loss if untouched() else no_loss
    for line in sys.stdin:
        word = line.strip().lower()
        if not word:
            continue
        if len(word) > MAX_LEN or not all("a" <= letter <= "z" for letter in word):
            print("?")  # the model only knows words of up to MAX_LEN letters a-z
            continue
        print(translate(word))
        model = scripted
        print("  scripted model:", translate(word))
        model = trained
    print(f"probe loss: {probe_loss:.6f}")
    print("trained loss below 0.01:", "yes" if trained_loss < 0.01 else "no")
    # Words unlike any training word: what the trained model makes of them cannot be looked
    # up, only decoded. Every correct translate() writes its greedy decoding, whatever the seed.
    # Local to main(), so code in the blanks has no global name to rebind.
    other_words = ("emubcr", "ls", "q", "bcnn", "hc", "bsdhuus", "s", "bhbrejn", "rds", "rvfds")
    other_words += ("ldrw", "sb")

    def decodes_greedily(word, translation, tolerance=1e-4):
        """Whether `translation` is the greedy decoding of `word` by the trained model's
        parameters (trusted_scores): fed S and the translation's letters (teacher forcing),
        they score each of its letters highest and then S, E or P, unless the translation
        reached the length cap. The tolerance absorbs the rounding between the student's
        layers and trusted_scores."""
        if not isinstance(translation, str) or len(translation) > MAX_LEN + 1:
            return False
        if not all("a" <= letter <= "z" for letter in translation) or not untouched():
            return False
        decoder_text = ("S" + translation)[: MAX_LEN + 1].ljust(MAX_LEN + 1, "P")
        with torch.no_grad():
            source = one_hot(word.ljust(MAX_LEN, "P")).unsqueeze(0)
            readings = trusted_scores(trained, source, one_hot(decoder_text).unsqueeze(0))
        end = len(translation)
        for scores in readings:
            scores = scores[0]
            best = scores.max(dim=1).values - tolerance
            if any(scores[t, SYMBOL_INDEX[c]] < best[t] for t, c in enumerate(translation)):
                continue
            if end >= MAX_LEN or bool(scores[end, :3].max() >= best[end]):
                return True
        return False

    greedy = all(decodes_greedily(word, translate(word)) for word in other_words)
    said = f"greedy decoding of the trained model on {len(other_words)} other words:"
    print(said, "yes" if greedy else "no")


if __name__ == "__main__":
    main()
