"""Seq2Seq 加注意力 / Seq2Seq with attention.

A GRU encoder reads a word letter by letter and keeps every hidden state h_1 ... h_T. At each
decoding step i the decoder scores its previous state s_{i-1} against every h_j (dot product),
turns the scores into weights α_ij with a softmax over j, and feeds the context
c_i = Σ_j α_ij h_j together with the previous letter into a GRU cell. The program trains on six
word pairs, then reads words from standard input and prints, for each, its translation and the
attention weights of a probe model whose parameters are fixed by a formula.

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
N_HIDDEN = 64
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


# Blank 1 — attend(state, encoder_outputs): dot scores, softmax over the encoder steps, context.
########## Begin ##########
raise NotImplementedError("请在 Begin/End 之间填写代码（第 1 空） / fill in the code between Begin and End (blank 1)")
########## End ##########


# Blank 2 — class AttnSeq2Seq: GRU encoder, GRU cell decoder fed [letter; context], linear output.
########## Begin ##########
raise NotImplementedError("请在 Begin/End 之间填写代码（第 2 空） / fill in the code between Begin and End (blank 2)")
########## End ##########


model = AttnSeq2Seq()
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
for epoch in range(EPOCHS):
    optimizer.zero_grad()
    scores = model(encoder_inputs, decoder_inputs)
    loss = criterion(scores.reshape(-1, N_CLASS), targets.reshape(-1))
    loss.backward()
    optimizer.step()
loss_hook.remove()
print("seqlab losses:", *(f"{v:.4g}" for v in loss_log[:500]), file=sys.stderr, flush=True)


# Blank 3 — translate(word): greedy decoding with model.step, feeding back the previous letter.
########## Begin ##########
raise NotImplementedError("请在 Begin/End 之间填写代码（第 3 空） / fill in the code between Begin and End (blank 3)")
########## End ##########


class ScriptedModel(AttnSeq2Seq):
    """A stand-in for the trained model with a known rule (no training, no randomness): it
    writes the input word backwards, each letter shifted along the alphabet by the index of the
    symbol it is fed, then E. translate() run with it in place of `model` shows that translate
    decodes with the model's encode and step, from S, feeding back each symbol it chose."""

    def encode(self, encoder_input):
        if encoder_input.dim() == 2:  # one word without a batch axis
            encoder_input = encoder_input.unsqueeze(0)
        batch, steps = encoder_input.shape[:2]
        state = torch.zeros(batch, N_HIDDEN)
        state[:, 1 : steps + 1] = encoder_input.argmax(dim=2).float()
        return torch.zeros(batch, steps, N_HIDDEN), state  # state[b, 0] counts the steps

    def step(self, symbol, state, encoder_outputs):
        symbol = symbol.reshape(-1, N_CLASS)
        state = state.clone()
        scores = torch.zeros(state.shape[0], N_CLASS)
        for b in range(state.shape[0]):
            word = [int(i) for i in state[b, 1 : MAX_LEN + 1] if i >= 3]
            step, fed = int(state[b, 0]), int(symbol[b].argmax())
            letter = word[-1 - step] - 3 + fed if step < len(word) else None
            scores[b, SYMBOL_INDEX["E"] if letter is None else 3 + letter % 26] = 1.0
            state[b, 0] = step + 1
        weights = torch.full(encoder_outputs.shape[:2], 1.0 / encoder_outputs.shape[1])
        return scores, state, weights


def fixed_probe():
    """An AttnSeq2Seq whose parameters come from a formula of their shape (no randomness), so
    its attention weights and its loss on the training batch are the same for every seed and
    every correct solution."""
    probe = AttnSeq2Seq()
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


def trusted_scores(trained, encoder_input, decoder_input):
    """What the trained model's parameters compute under teacher forcing, one decoding step
    after another through attend(): [scores (B, T, N_CLASS)], or [] unless the layers that hold
    its parameters are exactly the encoder GRU, the decoder GRU (nn.GRUCell, or an nn.GRU
    stepped one symbol at a time) and the Linear. No method of the model runs here, so a model
    whose own methods fake their scores cannot pass the checks of the trained model."""
    layers = parameter_layers(trained)
    encoders = [w for w in (gru_weights(layer, N_CLASS) for layer in layers) if w]
    decoders = [w for w in (gru_weights(layer, N_CLASS + N_HIDDEN) for layer in layers) if w]
    linear_shapes = {"weight": (N_CLASS, N_HIDDEN), "bias": (N_CLASS,)}
    linears = [w for w in (exact_parameters(m, (nn.Linear,), linear_shapes) for m in layers) if w]
    if len(layers) != 3:
        return []
    if len(encoders) != 1 or len(decoders) != 1 or len(linears) != 1:
        return []
    state = torch.zeros(encoder_input.shape[0], N_HIDDEN)
    encoder_outputs = []
    for t in range(encoder_input.shape[1]):
        state = _GRU_CELL(encoder_input[:, t], state, *encoders[0])
        encoder_outputs.append(state)
    encoder_outputs, scores = torch.stack(encoder_outputs, dim=1), []
    for t in range(decoder_input.shape[1]):
        context = attend(state.clone(), encoder_outputs.clone())[0]  # its own copies to change
        # A tensor subclass could run its own code; attend could patch torch and mend it later.
        if type(context) is not torch.Tensor or not untouched():
            return []
        state = _GRU_CELL(torch.cat([decoder_input[:, t], context], dim=1), state, *decoders[0])
        scores.append(_LINEAR(state, *linears[0]))
    return [torch.stack(scores, dim=1)]


def fmt(value):
    text = f"{float(value):.6f}"
    return "0.000000" if text == "-0.000000" else text


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
    trained, scripted, probe = model, ScriptedModel(), fixed_probe()
    probe_loss, readings = math.nan, []
    with torch.no_grad():
        # The probe checks the student's forward (known parameters); the trained model is
        # checked on the correct batch through its parameters alone (trusted_scores), never
        # its own methods.
        if CHECKED_BATCH is not None:
            probe_loss = batch_loss(probe(*checked_batch()[:2]))
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
        with torch.no_grad():
            outputs, state = probe.encode(one_hot(word.ljust(MAX_LEN, "P")).unsqueeze(0))
            for i, symbol in enumerate("S" + word[:2], start=1):
                scores, state, weights = probe.step(one_hot(symbol), state, outputs)
                print(f"  probe step {i} weights:", " ".join(fmt(w) for w in weights[0]))
                print(f"  probe step {i} scores S E P a:", " ".join(fmt(s) for s in scores[0, :4]))
    print("probe loss:", fmt(probe_loss))
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
