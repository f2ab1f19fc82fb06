"""Reading user files and checking user text: every bad input gets one clear message, nothing is lost."""

from __future__ import annotations

import codecs
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import BinaryIO

from xling.errors import InputError
from xling.text.scripts import ARABIC_RANGES, LANG_SCRIPTS, script_share

#: Larger inputs are refused with a message rather than taking minutes or exhausting memory.
MAX_INPUT_CHARS = 1_000_000


#: Bytes read at a time. The first chunk is where a binary file shows (NUL bytes) and a byte-order mark is.
CHUNK_BYTES = 1 << 16
#: UTF-8, UTF-16 and UTF-32 all take at most this many bytes for one character, so ``BYTES_PER_CHAR * (n + 1)``
#: bytes always hold more than ``n`` characters: reading stops there, whatever the input's size.
BYTES_PER_CHAR = 4

#: Byte-order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one): codec, name, iconv name.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32 LE", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32 BE", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 LE", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 BE", "UTF-16"),
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_ARABIC = re.compile(f"[{ARABIC_RANGES}]")


def _too_large(name: str, max_chars: int, chars: int | None = None) -> InputError:
    size = f"has {chars:,} characters," if chars is not None else "is"
    return InputError(f"{name} {size} over the limit of {max_chars:,} characters; split it into smaller parts")


def _utf16_without_bom(data: bytes) -> str | None:
    """'UTF-16LE' or 'UTF-16BE' when NUL-containing bytes look like UTF-16 text of one script, else None."""
    sample = data[:4096]
    sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 8:
        return None
    for label, high, low in (("UTF-16LE", sample[1::2], sample[0::2]), ("UTF-16BE", sample[0::2], sample[1::2])):
        # text in one script: the high byte of every unit takes a few values (0x00 for ASCII, 0x06 Arabic...)
        common = sum(n for _, n in Counter(high).most_common(3))
        if 0 in high and common >= 0.95 * len(high) and low.count(0) <= 0.05 * len(low):
            return label
    return None


def _binary_error(data: bytes, name: str) -> InputError:
    utf16 = _utf16_without_bom(data)
    if utf16:
        return InputError(f"{name} looks like {utf16} text without a byte-order mark; "
                          f"convert it with `iconv -f {utf16} -t utf-8`")
    return InputError(f"{name} looks like a binary file (it contains NUL bytes); give plain UTF-8 text")


def _encoding_hint(data: bytes) -> str:
    """A conversion hint for bytes that are not UTF-8: Arabic Windows-1256, Western Windows-1252, or generic.

    Windows-1256 decodes nearly any byte, so "it decodes" says nothing: the hint needs the decoded text to
    look Arabic (its non-ASCII characters Arabic, most letters Arabic, alef common as in every Arabic-script
    text; Greek, Cyrillic and Latin-1 bytes land on other letters or on cp1256's French letters).
    """
    sample = data[: 1 << 18]
    arabic_text = sample.decode("cp1256", errors="replace")
    non_ascii = [ch for ch in arabic_text if ord(ch) >= 0x80]
    letters = [ch for ch in arabic_text if ch.isalpha()]
    arabic = [ch for ch in letters if _ARABIC.match(ch)]
    if (
        non_ascii
        and sum(1 for ch in non_ascii if _ARABIC.match(ch)) >= 0.8 * len(non_ascii)
        and len(arabic) >= 0.5 * len(letters)
        and arabic.count("\u0627") >= 0.05 * len(arabic)  # alef (0xC7)
    ):
        return " It decodes as Windows-1256 (Arabic): convert it with `iconv -f cp1256 -t utf-8`."
    try:
        latin_text = sample.decode("cp1252")
    except UnicodeDecodeError:
        latin_text = ""
    non_ascii = [ch for ch in latin_text if ord(ch) >= 0x80]
    letters = [ch for ch in latin_text if ch.isalpha()]
    if (
        non_ascii
        and sum(1 for ch in non_ascii if not ch.isalpha() or unicodedata.name(ch, "").startswith("LATIN"))
        >= 0.9 * len(non_ascii)
        and sum(1 for ch in letters if ord(ch) < 0x80) >= 0.7 * len(letters)  # accents on some letters only
    ):
        return (" It looks like Windows-1252/Latin-1 (Western European): "
                "convert it with `iconv -f cp1252 -t utf-8`.")
    return " Convert it to UTF-8 first, e.g. with `iconv -f ENCODING -t utf-8` (`file -i` may name the encoding)."


def decode_bytes(data: bytes | bytearray, name: str = "input", *, max_chars: int | None = None) -> str:
    """Text from bytes, or an InputError saying why not (binary, other encoding, too large).

    UTF-8, or UTF-16/UTF-32 with a byte-order mark (unambiguous; the mark is dropped). A UTF-8 text is
    kept verbatim.
    """
    for bom, codec, label, iconv in _BOMS:
        if data.startswith(bom):
            try:
                text = bytes(data).decode(codec)
            except UnicodeDecodeError as err:
                raise InputError(
                    f"{name} starts with a {label} byte-order mark but is not valid {label} "
                    f"(at byte offset {err.start}); check it with `iconv -f {iconv} -t utf-8`"
                ) from None
            if "\x00" in text[:CHUNK_BYTES]:
                raise InputError(f"{name} looks like a binary file (it contains NUL characters); give plain text")
            break
    else:
        if b"\x00" in data[:CHUNK_BYTES]:
            raise _binary_error(bytes(data[:CHUNK_BYTES]), name)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise InputError(
                f"{name} is not valid UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start}).{_encoding_hint(data)}"
            ) from None
    if max_chars is not None and len(text) > max_chars:
        raise _too_large(name, max_chars, len(text))
    return text


def read_stream(stream: BinaryIO, name: str = "input", *, max_chars: int = MAX_INPUT_CHARS) -> str:
    """Decode a binary stream like :func:`decode_bytes`, reading no more than ``max_chars`` can need.

    At most ``BYTES_PER_CHAR * (max_chars + 1)`` bytes are read, in chunks; a binary first chunk stops the
    read at once. So ``/dev/zero`` or gigabytes on standard input fail in milliseconds, in little memory.
    """
    limit = BYTES_PER_CHAR * (max_chars + 1)
    first = stream.read(min(CHUNK_BYTES, limit)) or b""
    if b"\x00" in first and not any(first.startswith(bom) for bom, *_ in _BOMS):
        raise _binary_error(first, name)
    data = bytearray(first)
    while first and len(data) < limit:
        chunk = stream.read(min(16 * CHUNK_BYTES, limit - len(data)))
        if not chunk:
            break
        data += chunk
    if len(data) >= limit:
        raise _too_large(name, max_chars)
    return decode_bytes(data, name, max_chars=max_chars)


def read_text(path: str | Path, name: str | None = None, *, max_chars: int = MAX_INPUT_CHARS) -> str:
    """Read a file ('-' for standard input) as text, verbatim (no newline translation), bounded by ``max_chars``."""
    label = name or ("standard input" if str(path) == "-" else str(path))
    try:
        if str(path) == "-":
            if sys.stdin is None:
                raise InputError("there is no standard input: give a file")
            buffer = getattr(sys.stdin, "buffer", None)
            if buffer is None:  # a text stream put in place of stdin (embedding, tests): already decoded
                text = sys.stdin.read(max_chars + 1)
                if len(text) > max_chars:
                    raise _too_large(label, max_chars)
                return text
            return read_stream(buffer, label, max_chars=max_chars)
        p = Path(path)
        if not p.exists():
            raise InputError(f"{label}: no such file")
        if p.is_dir():
            raise InputError(f"{label} is a directory, not a text file")
        with open(p, "rb") as fh:
            return read_stream(fh, label, max_chars=max_chars)
    except OSError as err:
        raise InputError(f"{label} cannot be read: {err.strerror or err}") from None


def check_text(text: str, *, name: str = "input", max_chars: int = MAX_INPUT_CHARS) -> str:
    """Refuse text that cannot be translated: not a str, empty, too large, lone surrogates, or control noise."""
    if not isinstance(text, str):
        raise InputError(f"{name} must be a str, not {type(text).__name__}")
    if not any(ch.isalnum() for ch in text):
        raise InputError(f"{name} is empty: it has no letters or digits to translate")
    if len(text) > max_chars:
        raise _too_large(name, max_chars, len(text))
    bad = _SURROGATE.search(text)  # lone surrogates (from surrogateescape or broken UTF-16) cannot be encoded
    if bad:
        raise InputError(
            f"{name} contains an invalid code point U+{ord(bad.group()):04X} at character {bad.start()} "
            "(a lone surrogate, not a character); remove it or decode the text correctly"
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
