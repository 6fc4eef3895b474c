"""Similar submissions: pairs whose blank bodies are suspiciously alike.

Only the code between the Begin/End markers is compared: the template around the blanks is
the same for everyone, so counting it would make every pair look alike. Bodies still equal
to the starter's placeholder are dropped, and the placeholder's fingerprints are passed to
copydetect as boilerplate, so a student who wrote nothing is similar to no one.

The comparison is copydetect's (a maintained library, the engine behind several course
plagiarism checks): pygments tokenises the code and replaces every identifier by one letter
(so renaming variables changes nothing), drops whitespace and comments, hashes the k-grams of
what remains and keeps a winnowed subset as the fingerprint. A pair's shares are the parts of
each side's code that the other side also has; its score is the larger share, as copydetect
itself flags a pair when either file's share passes its threshold.

Blanks are short (a few lines), and many honest students write the canonical solution the
same way, so every submission whose blanks are the reference's token for token (whitespace
and comments aside) is flagged as such: two of them alike means "both wrote the reference"
(or had it), which an instructor reads differently from two students sharing an unusual
wrong answer. That check keeps the names: with names normalised, `return h, y` would equal
the reference's `return y, h`, and a wrong answer would be called the reference.
"""

from __future__ import annotations

import hashlib
import io
import textwrap
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from graders.errors import SeqlabError
from graders.markers import parse
from graders.spec import LabSpec
from graders.store import csvcells
from graders.submission import read_text

if TYPE_CHECKING:
    import numpy as np
    from copydetect import CodeFingerprint

# copydetect's noise threshold: the shortest run of normalised code (in characters after
# identifiers became one letter and whitespace went; a line like `h = np.tanh(W @ x + b)`
# is about 20) that counts as shared. Its default of 25 suits whole files; blanks are short.
NOISE = 15
# copydetect's guarantee threshold: any shared run this long is always found. Above NOISE
# it lets winnowing keep one fingerprint in every window of GUARANTEE - NOISE + 1 k-grams.
GUARANTEE = 18
DEFAULT_THRESHOLD = 0.8

CSV_HEADER = (
    "student_a",
    "student_b",
    "score",
    "share_a",
    "share_b",
    "a_matches_reference",
    "b_matches_reference",
)


@dataclass(frozen=True)
class SimilarPair:
    a: str  # student ids, a < b
    b: str
    score: float  # in [0, 1]: the larger of the two shares
    share_a: float  # the part of a's blank code that b's blank code also has
    share_b: float
    a_matches_reference: bool  # a's blanks are the reference's, whitespace and comments aside
    b_matches_reference: bool


@dataclass(frozen=True)
class Similarity:
    """Everything the class report shows about similarity, from one comparison."""

    threshold: float
    pairs: tuple[SimilarPair, ...]
    matches_reference: tuple[str, ...]  # students whose blanks are the reference's (see _tokens)
    not_compared: tuple[str, ...]  # no text, or markers that cannot be read


@dataclass
class Memo:
    """What comparing a class costs, kept between reports of the same lab: each blank code's
    fingerprint and each pair's shares, by the code's digest (two students with the same code
    share one entry). A report after a few new submissions then fingerprints those and compares
    them with the rest, not every pair again (19,900 pairs for 200 students: seconds)."""

    prints: dict[str, CodeFingerprint] = field(default_factory=dict)
    shares: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)

    def keep_only(self, digests: set[str]) -> None:
        """Forget codes no longer in the class (a student's newer submission replaced one)."""
        self.prints = {d: p for d, p in self.prints.items() if d in digests}
        self.shares = {k: s for k, s in self.shares.items() if k[0] in digests and k[1] in digests}


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _stable_kgram_hashes(string: str, k: int) -> np.ndarray:
    """copydetect hashes k-grams with Python's hash(), salted anew in every process, so the
    same class got different similarity scores from one run of `seqlab report` to the next.
    This replaces it with a hash that is the same everywhere (BLAKE2b, 64 bits)."""
    import numpy as np  # here: `seqlab check` imports this module's threshold, not NumPy

    return np.array(
        [
            int.from_bytes(
                hashlib.blake2b(string[offset : offset + k].encode(), digest_size=8).digest(),
                "little",
                signed=True,
            )
            for offset in range(len(string) - k + 1)
        ],
        dtype=np.int64,
    )


def _fingerprint(code: str, entry: str, boilerplate: Iterable[int] = ()) -> CodeFingerprint:
    # Imported here: copydetect imports matplotlib (≈ 1.5 s), which only a report needs.
    import copydetect.utils
    from copydetect import CodeFingerprint

    copydetect.utils.hashed_kgrams = _stable_kgram_hashes

    window = GUARANTEE - NOISE + 1
    return CodeFingerprint(
        entry,
        NOISE,
        window,
        boilerplate=list(boilerplate),
        language="python",
        fp=io.StringIO(code),
    )


def _tokens(code: str) -> tuple[str, ...] | None:
    """The code's tokens, names kept, without comments and line breaks (Python's own
    tokenizer: pygments reads `W@x` as a decorator); None if it does not tokenize."""
    skipped = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER}
    blocks = {tokenize.INDENT, tokenize.DEDENT}
    try:
        return tuple(
            # INDENT/DEDENT keep the structure, not the width of the indentation.
            tokenize.tok_name[token.type] if token.type in blocks else token.string
            for token in tokenize.generate_tokens(io.StringIO(code).readline)
            if token.type not in skipped
        )
    except (tokenize.TokenError, SyntaxError):
        return None


def _bodies(text: str, path: str) -> list[str]:
    """The dedented body of every blank in `text` (a SeqlabError if the markers are broken)."""
    return [textwrap.dedent("".join(blank.body)) for blank in parse(text, path).blanks]


def blank_code(text: str, starter_bodies: list[str], path: str) -> str | None:
    """The student's own code: every blank that differs from the starter's, joined; None if
    the blanks cannot be read or do not match the template's count."""
    try:
        bodies = _bodies(text, path)
    except SeqlabError:
        return None
    if len(bodies) != len(starter_bodies):
        return None
    # A blank left as the starter's placeholder is the template's text, not the student's.
    mine = [
        body
        for body, placeholder in zip(bodies, starter_bodies, strict=True)
        if body.strip() != placeholder.strip()
    ]
    return "\n".join(mine)


def compare(
    lab: LabSpec,
    submissions: list[tuple[str, str | None]],
    threshold: float,
    memo: Memo | None = None,
) -> Similarity:
    """Compare every pair of submissions' blank code; keep the pairs scoring ≥ threshold.
    With a memo, what it already holds is reused and what is computed is added to it."""
    memo = Memo() if memo is None else memo
    if not 0 <= threshold <= 1:
        raise ValueError(f"threshold {threshold} is not in [0, 1]")
    students = [student for student, _ in submissions]
    if len(set(students)) != len(students):
        raise ValueError("each student may appear once")
    starter_bodies = _bodies(read_text(lab.starter_path), str(lab.starter_path))
    boilerplate = _fingerprint("\n".join(starter_bodies), lab.entry).hashes
    reference = blank_code(read_text(lab.solution_path), starter_bodies, str(lab.solution_path))
    reference_tokens = _tokens(reference or "")

    digests: dict[str, str] = {}  # student → their blank code's digest
    not_compared: list[str] = []
    matches: set[str] = set()
    for student, text in submissions:
        code = None if text is None else blank_code(text, starter_bodies, student)
        if code is None:
            not_compared.append(student)
            continue
        digests[student] = digest = _digest(code)
        if digest not in memo.prints:
            memo.prints[digest] = _fingerprint(code, lab.entry, boilerplate)
        # An empty answer (every blank left as the placeholder) matches nothing.
        if reference_tokens and _tokens(code) == reference_tokens:
            matches.add(student)
    memo.keep_only(set(digests.values()))
    return Similarity(
        threshold=threshold,
        pairs=tuple(_pairs(digests, memo, matches, threshold)),
        matches_reference=tuple(sorted(matches)),
        not_compared=tuple(sorted(not_compared)),
    )


def _pairs(
    digests: dict[str, str], memo: Memo, matches: set[str], threshold: float
) -> list[SimilarPair]:
    names = sorted(digests)
    pairs: list[SimilarPair] = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            share_a, share_b = _shares(memo, digests[a], digests[b])
            score = max(share_a, share_b)
            if score > 0 and score >= threshold:
                pairs.append(SimilarPair(a, b, score, share_a, share_b, a in matches, b in matches))
    pairs.sort(key=lambda pair: (-pair.score, pair.a, pair.b))
    return pairs


def _shares(memo: Memo, first: str, second: str) -> tuple[float, float]:
    """The parts of each code that the other also has (copydetect), from the memo if there."""
    key, flipped = ((first, second), False) if first <= second else ((second, first), True)
    if key not in memo.shares:
        from copydetect import compare_files

        a, b = memo.prints[key[0]], memo.prints[key[1]]
        if a.hashes & b.hashes:  # no shared fingerprint, no overlap: skip copydetect's slicing
            _overlap, (share_a, share_b), _slices = compare_files(a, b)
            memo.shares[key] = (min(float(share_a), 1.0), min(float(share_b), 1.0))
        else:
            memo.shares[key] = (0.0, 0.0)
    share_first, share_second = memo.shares[key]
    return (share_second, share_first) if flipped else (share_first, share_second)


def similar_pairs(
    lab: LabSpec, submissions: list[tuple[str, str]], threshold: float
) -> list[SimilarPair]:
    """(student id, text) in; the pairs with a score ≥ threshold, most similar first."""
    return list(compare(lab, list(submissions), threshold).pairs)


def write_csv(pairs: Iterable[SimilarPair], stream: TextIO) -> None:
    """One row per pair, with the header CSV_HEADER; scores rounded to 3 decimals."""
    writer = csvcells.writer(stream, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for pair in pairs:
        writer.writerow(
            (
                pair.a,
                pair.b,
                f"{pair.score:.3f}",
                f"{pair.share_a:.3f}",
                f"{pair.share_b:.3f}",
                str(pair.a_matches_reference).lower(),
                str(pair.b_matches_reference).lower(),
            )
        )
