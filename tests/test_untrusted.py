"""translate.util.untrusted: the one rule for untrusted strings and user-named files."""

from __future__ import annotations

import os

import pytest

from translate.util import untrusted
from translate.translation.models.store import metadata_text


def test_clean_removes_controls_bidi_and_surrogates_but_keeps_joiners():
    text = "a\u202eb\u2066c\x1b[2Jd\x00e\ud800f\u200cg\u200dh\u200fi\tj\nk"
    assert untrusted.clean(text) == "abc[2Jdef\u200cg\u200dh\u200fi\tj\nk"
    assert untrusted.unsafe_in(text) == ["U+202E", "U+2066", "U+001B", "U+0000", "U+D800"]


def test_display_is_what_model_metadata_always_was():
    value = "Rus\u202esian \x1b]0;x\x07 \u200bname\u2028" + "x" * 300
    assert untrusted.display(value) == metadata_text(value)
    shown = untrusted.display(value, 20)
    assert len(shown) == 20 and shown.endswith("…") and shown.startswith("Russian ]0;x name")


def test_display_path_shows_undecodable_bytes_and_controls_escaped():
    path = os.fsdecode(b"/tmp/bad\xff\x1b.md")
    assert untrusted.display_path(path) == "/tmp/bad\\xff\\x1b.md"
    assert untrusted.undecodable_name(path) and not untrusted.undecodable_name("/tmp/Новая статья.md")


def test_read_regular_file_refuses_what_would_block_or_never_end(tmp_path):
    fifo = tmp_path / "x.md"
    os.mkfifo(fifo)
    with pytest.raises(untrusted.NotRegularFile, match="named pipe"):
        untrusted.read_regular_file(fifo, 100)
    zero = tmp_path / "zero.md"
    zero.symlink_to("/dev/zero")
    with pytest.raises(untrusted.NotRegularFile, match="device"):
        untrusted.read_regular_file(zero, 100)
    big = tmp_path / "big.md"
    big.write_bytes(b"x" * 101)
    with pytest.raises(untrusted.TooLarge):
        untrusted.read_regular_file(big, 100)
    with pytest.raises(IsADirectoryError):
        untrusted.read_regular_file(tmp_path, 100)
    ok = tmp_path / "ok.md"
    ok.write_bytes(b"x" * 100)
    assert untrusted.read_regular_file(ok, 100) == b"x" * 100


@pytest.mark.parametrize("text,alignment,source,hit", [
    ("привет", "[[0, 5, 0, 6]]", "hello", True),
    ("привет", "{oops", "hello", False),
    ("привет", '[["a", 1], 7]', "hello", False),
    ("привет", "[[0, 5, 0, 99]]", "hello", False),      # past the end of the text
    ("привет", "[[0, 99, 0, 6]]", "hello", False),      # past the end of the source
    ("привет", "[[-1, 5, 0, 6]]", "hello", False),
    ("привет", "[[0, 5, 0, true]]", "hello", False),
    (b"\x00\xff", "[]", "hello", False),
])
def test_a_memory_row_is_a_hit_only_when_well_formed(text, alignment, source, hit):
    from translate.translation.memory import _translation, fits

    translation = _translation(text, alignment)
    assert (translation is not None and fits(translation, source)) is hit
