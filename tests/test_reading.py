"""Reading user input: bounded reads, byte-order marks, encoding hints, and code points nothing can encode."""

import codecs
import gzip
import io
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import xling
from xling.errors import InputError
from xling.eval import testsets
from xling.text import reading
from xling.text.reading import MAX_INPUT_CHARS, check_text, decode_bytes, read_text

ROOT = Path(__file__).resolve().parent.parent


class CountingStream(io.RawIOBase):
    """``size`` bytes of ``fill`` (endless when None), counting what was read."""

    def __init__(self, fill: bytes, size: int | None = None):
        self.fill, self.left, self.read_bytes = fill, size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = len(buffer) if self.left is None else min(len(buffer), self.left)
        buffer[:n] = self.fill * n
        self.read_bytes += n
        if self.left is not None:
            self.left -= n
        return n


def stdin_of(stream: CountingStream) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BufferedReader(stream), encoding="utf-8")


# -- bounded reads -----------------------------------------------------------------------------------------
def test_large_stdin_is_refused_after_reading_only_what_the_limit_needs(monkeypatch) -> None:
    stream = CountingStream(b"a", 10 * 4 * MAX_INPUT_CHARS)  # 40 MB: ten times what the limit can need
    monkeypatch.setattr(sys, "stdin", stdin_of(stream))
    with pytest.raises(InputError, match="standard input is over the limit of 1,000,000 characters"):
        read_text("-")
    assert stream.read_bytes <= 4 * (MAX_INPUT_CHARS + 1) + io.DEFAULT_BUFFER_SIZE


def test_endless_zeros_stop_after_the_first_chunk() -> None:
    stream = CountingStream(b"\x00")
    with pytest.raises(InputError, match="binary"):
        reading.read_stream(io.BufferedReader(stream), "zeros")
    assert stream.read_bytes <= reading.CHUNK_BYTES + io.DEFAULT_BUFFER_SIZE


def test_limit_is_in_characters_and_exact() -> None:
    arabic = "ب" * 1000  # two bytes a character
    assert reading.read_stream(io.BytesIO(arabic.encode()), max_chars=1000) == arabic
    with pytest.raises(InputError, match="has 1,001 characters, over the limit of 1,000"):
        reading.read_stream(io.BytesIO((arabic + "ب").encode()), max_chars=1000)
    with pytest.raises(InputError, match="is over the limit of 1,000 characters"):
        reading.read_stream(io.BytesIO(b"a" * 4004), max_chars=1000)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_dev_zero_is_refused_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(InputError, match="/dev/zero looks like a binary file"):
        read_text("/dev/zero")
    with pytest.raises(InputError, match="binary"):
        testsets.load_test_set("/dev/zero")  # xling eval --test-set /dev/zero
    assert time.monotonic() - started < 1


def test_gzip_test_set_is_read_bounded(tmp_path: Path, monkeypatch) -> None:
    bomb = tmp_path / "bomb.tsv.gz"
    with gzip.open(bomb, "wb") as fh:
        fh.write(b"a\tb\n" * 250_000)  # 1 MB unpacked
    monkeypatch.setattr(testsets, "MAX_TEST_SET_CHARS", 10_000)
    with pytest.raises(InputError, match="over the limit of 10,000 characters"):
        testsets.load_test_set(str(bomb))
    not_gzip = tmp_path / "plain.tsv.gz"
    not_gzip.write_bytes(b"a\tb\n")
    with pytest.raises(InputError, match="cannot be read as gzip"):
        testsets.load_test_set(str(not_gzip))


@pytest.mark.skipif(not (os.path.exists("/dev/zero") and shutil.which("head") and os.path.exists("/usr/bin/time")),
                    reason="needs /dev/zero, head and GNU time")
@pytest.mark.parametrize("source", ["/dev/zero", "2G zeros", "2G letters"])
def test_cli_refuses_endless_input_fast_in_little_memory(source: str, tmp_path: Path) -> None:
    usage = tmp_path / "usage"
    xling_cmd = f"/usr/bin/time -f '%e %M' -o {usage} {sys.executable} -m xling translate"
    command = {
        "/dev/zero": f"{xling_cmd} /dev/zero",
        "2G zeros": f"head -c 2G /dev/zero | {xling_cmd} -",
        "2G letters": f"head -c 2G /dev/zero | tr '\\0' a | {xling_cmd} -",
    }[source]
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, cwd=ROOT, timeout=60,
                            env=dict(os.environ, HF_HUB_OFFLINE="1"))
    err = result.stderr.decode()
    assert result.returncode != 0 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    seconds, kbytes = usage.read_text().split()[-2:]
    assert float(seconds) < 2 and int(kbytes) < 300_000, (seconds, kbytes)


# -- encodings -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding, bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
                                           ("utf-32-le", codecs.BOM_UTF32_LE), ("utf-32-be", codecs.BOM_UTF32_BE)])
def test_text_with_a_byte_order_mark_is_decoded(encoding: str, bom: bytes, tmp_path: Path) -> None:
    text = "قال المتحدث: the talks begin.\r\n"
    path = tmp_path / "bom.txt"
    path.write_bytes(bom + text.encode(encoding))
    assert read_text(path) == text  # the mark is dropped, everything else verbatim


def test_broken_utf16_names_its_encoding() -> None:
    with pytest.raises(InputError, match="UTF-16 LE byte-order mark but is not valid UTF-16 LE"):
        decode_bytes(codecs.BOM_UTF16_LE + "مرحبا".encode("utf-16-le") + b"\x00")
    with pytest.raises(InputError, match=r"UTF-16LE text without a byte-order mark.*iconv -f UTF-16LE"):
        decode_bytes("مرحبا بكم في العاصمة".encode("utf-16-le"))


def hint(data: bytes) -> str:
    with pytest.raises(InputError, match="not valid UTF-8") as err:
        decode_bytes(data)
    message = str(err.value)
    assert "\n" not in message
    return message


def test_arabic_windows_1256_gets_the_cp1256_hint() -> None:
    assert "iconv -f cp1256" in hint("قال المتحدث باسم الوزارة إن الوفد وصل".encode("cp1256"))
    assert "iconv -f cp1256" in hint("مرحبا\n".encode("cp1256"))


@pytest.mark.parametrize("data", [
    "Le président a déclaré qu’il était très satisfait de l’accord.".encode("cp1252"),
    "Größe und Übermaß, schön".encode("latin-1"),
], ids=["cp1252", "latin-1"])
def test_western_text_gets_a_latin_hint(data: bytes) -> None:
    message = hint(data)
    assert "cp1256" not in message and "iconv -f cp1252" in message


@pytest.mark.parametrize("data", [
    "Президент заявил журналистам, что он доволен соглашением".encode("cp1251"),
    "Ο πρόεδρος δήλωσε ότι είναι ικανοποιημένος".encode("cp1253"),
    "日本語のテキストです".encode("shift_jis"),
    random.Random(7).randbytes(3000).replace(b"\x00", b"\x01"),
], ids=["cp1251", "cp1253", "shift_jis", "random"])
def test_other_bytes_get_no_arabic_hint(data: bytes) -> None:
    message = hint(data)
    assert "cp1256" not in message and "cp1252" not in message and "iconv -f ENCODING" in message


# -- code points -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, point, at", [("\ud800 مرحبا", "D800", 0), ("مرحبا \udfff", "DFFF", 6)])
def test_lone_surrogates_are_refused_with_their_position(text: str, point: str, at: int) -> None:
    with pytest.raises(InputError, match=f"invalid code point U\\+{point} at character {at}"):
        check_text(text)


def test_translate_and_compare_refuse_surrogates_before_the_model() -> None:
    with pytest.raises(InputError, match="U\\+D800 at character 0"):
        xling.translate("\ud800 مرحبا", model="/no/such/model")
    with pytest.raises(InputError, match="target text contains an invalid code point U\\+DC80"):
        xling.compare("مرحبا", "hello \udc80", model="/no/such/model")
