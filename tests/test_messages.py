"""The message catalogue: every text in both languages with the same parameters, and the
Chinese texts in Chinese (Latin letters only for names, commands and tokens typed as they are)."""

import re
import string

import pytest

from graders.messages import CATALOGUE, LANGS


def parameters(text: str) -> set[str]:
    """The names str.format fills in `text` ("{a.b}" and "{a[0]}" both need `a`)."""
    return {
        re.split(r"[.\[]", name, maxsplit=1)[0]
        for _, name, _, _ in string.Formatter().parse(text)
        if name is not None
    }


def test_every_key_has_a_chinese_and_an_english_text():
    assert LANGS == ("zh", "en")
    for key, texts in CATALOGUE.items():
        assert isinstance(texts, tuple) and len(texts) == 2, key
        assert all(isinstance(text, str) and text.strip() for text in texts), key


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_both_languages_fill_in_the_same_parameters(key):
    zh, en = CATALOGUE[key]
    assert parameters(zh) == parameters(en)


# Latin-letter words a Chinese text may hold besides what the scan below recognises by its
# form (placeholders, `code`, URLs, --options, paths, file names, dotted or snake_case names).
ALLOWED = {
    # names of programs and formats, and the blank markers, written as their users see them
    *("seqlab", "Python", "IPython", "Jupyter", "nbgrader", "SQLite", "Begin", "End"),
    *("CSV", "JSON", "TOML", "UTF-8", "SHA-256", "HTTPS", "NUL", "zip"),
    # the systems and terms `seqlab doctor` names, as their manuals do
    *("Linux", "Ubuntu", "ABI", "CPU", "root", "uid"),
    # a zip member's compression methods, named as the zip format names them ({method} too)
    *("Deflate", "Stored"),
    # keys, units, the loopback host name
    *("Ctrl-C", "Ctrl-S", "KB", "MB", "localhost"),
    *("Ctrl-Enter", "Cmd-Enter", "Ctrl-Z", "Esc"),  # the lab page's keys
    # a spec's tolerance options (as numpy.isclose names them), printed with their values
    *("atol", "rtol"),
    # option letters: the two students of a similar pair, and examples of quiz answers
    *("A", "B", "C", "AB", "ABC", "abc"),
}
# Words allowed in one message only: the roster CSV's column names and role values, typed
# as they are; the language switch names the other language in that language.
ROSTER = {"username", "name", "password", "role", "student", "instructor"}
ALLOWED_IN = {
    "web.roster_help": ROSTER,
    "web.roster_header": ROSTER,
    "web.roster_role": ROSTER,
    "web.switch_lang": {"English"},
    "web.download_canvas": {"Canvas"},  # the LMS's name (issue 15: its import format)
    "web.download_moodle": {"Moodle"},
}

_SPARED = re.compile(
    r"`[^`]*`"  # code, commands, file names the text marks as such
    r"|[a-z][a-z0-9+.-]*://\S*"  # URLs
    r"|(?<![\w-])--[A-Za-z][\w-]*"  # command-line options
)
_WORD = re.compile(r"[A-Za-z0-9_./+-]*[A-Za-z][A-Za-z0-9_./+-]*")


def _words(zh: str) -> list[str]:
    # A placeholder becomes a digit: it is no word, yet keeps "{lab}.toml" a file name.
    parts = string.Formatter().parse(zh)
    text = "".join(literal + ("0" if name is not None else "") for literal, name, _, _ in parts)
    return [word.rstrip(".") for word in _WORD.findall(_SPARED.sub(" ", text))]


def latin_words(key: str, zh: str) -> list[str]:
    """The Latin-letter words of a Chinese text that are neither recognised nor allowed."""
    allowed = ALLOWED | ALLOWED_IN.get(key, set())
    # A "/", "." or "_" inside a word makes it a path, a file name or a name from the code.
    return [w for w in _words(zh) if w not in allowed and not re.search(r"[/._]", w)]


def test_chinese_texts_hold_no_english_words():
    found = {key: words for key, (zh, _) in CATALOGUE.items() if (words := latin_words(key, zh))}
    listed = "".join(f"\n  {key}: {', '.join(words)}" for key, words in found.items())
    assert not found, f"translate, mark as `code` or allow (with a reason):{listed}"


def test_the_scan_flags_english_and_spares_names_and_tokens():
    assert latin_words("k", "请先 run 一次，然后 check 结果。") == ["run", "check"]
    assert latin_words("k", "运行 `seqlab build --lab {lab}` 或加上 --record。") == []
    assert (
        latin_words("k", "地址 http://{host}:{port}/ 或 postgresql://user@host/db，文件 {lab}.toml")
        == []
    )
    assert latin_words("k", "在 tests/corpus/ 里设置 seed_variable 与 c.SeqlabGrade.course") == []
    assert latin_words("k", "username 列") == ["username"]
    assert latin_words("web.roster_help", "username 列") == []


def test_every_allowed_word_is_still_used():
    # The lists stay short: a word no Chinese text uses any more leaves them.
    used = {word for zh, _ in CATALOGUE.values() for word in _words(zh)}
    assert ALLOWED - used == set()
    for key, words in ALLOWED_IN.items():
        assert words & set(_words(CATALOGUE[key][0])), key


def test_a_message_inside_a_stored_error_is_said_in_the_readers_language():
    import json

    from graders.messages import Text, read_params, say, stored_params

    params = {"path": "a.py", "hint": Text("markers.suspect_hint", lines="3, 7")}
    stored = json.loads(json.dumps(stored_params(params)))  # as a JSON column keeps it
    for lang in ("zh", "en"):
        assert read_params(stored)["hint"].render(lang) == say(
            "markers.suspect_hint", lang, lines="3, 7"
        )
