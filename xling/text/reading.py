"""Reading user files and checking user text: every bad input gets one clear message, nothing is lost."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

from xling.errors import InputError
from xling.text.scripts import LANG_SCRIPTS, script_share

#: Larger inputs are refused with a message rather than taking minutes or exhausting memory.
MAX_INPUT_CHARS = 1_000_000


def decode_bytes(data: bytes, name: str = "input") -> str:
    """UTF-8 text from bytes, or an InputError saying why not (binary, other encoding)."""
    if b"\x00" in data[:65536]:
        raise InputError(f"{name} looks like a binary file (it contains NUL bytes); give plain UTF-8 text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        hint = ""
        try:
            data.decode("cp1256")
            hint = " It decodes as Windows-1256 (Arabic): convert it with `iconv -f cp1256 -t utf-8`."
        except UnicodeDecodeError:
            pass
        raise InputError(
            f"{name} is not valid UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start}).{hint}"
        ) from None


def read_text(path: str | Path, name: str | None = None) -> str:
    """Read a file ('-' for standard input) as UTF-8 text, verbatim (no newline translation)."""
    label = name or ("standard input" if str(path) == "-" else str(path))
    if str(path) == "-":
        data = sys.stdin.buffer.read()
    else:
        p = Path(path)
        if not p.exists():
            raise InputError(f"{label}: no such file")
        if p.is_dir():
            raise InputError(f"{label} is a directory, not a text file")
        data = p.read_bytes()
    return decode_bytes(data, label)


def check_text(text: str, *, name: str = "input", max_chars: int = MAX_INPUT_CHARS) -> str:
    """Refuse text that cannot be translated: not a str, empty, too large, or control-character noise."""
    if not isinstance(text, str):
        raise InputError(f"{name} must be a str, not {type(text).__name__}")
    if not any(ch.isalnum() for ch in text):
        raise InputError(f"{name} is empty: it has no letters or digits to translate")
    if len(text) > max_chars:
        raise InputError(
            f"{name} has {len(text):,} characters, over the limit of {max_chars:,}; split it into smaller parts"
        )
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f\v")
    if controls > max(8, len(text) // 100):
        raise InputError(f"{name} looks like binary data ({controls} control characters); give plain text")
    return text


def check_language(text: str, lang: str, *, name: str = "input", min_share: float = 0.2) -> None:
    """Refuse text that is clearly not in ``lang`` (by script), so a wrong paste fails fast and clearly."""
    script = LANG_SCRIPTS.get(lang)
    if script is None:
        return
    share = script_share(text, script)
    if share < min_share:
        raise InputError(
            f"{name} does not look like '{lang}': only {share:.0%} of its letters are {script.title()} script. "
            f"Check that you pasted the right text, or choose a model for its language."
        )
