"""Signed webhook bodies: the key's sources, the replay window, and one use per signature."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.signing import (
    KEY_ENV,
    KEY_FILE_ENV,
    SignatureCheck,
    SignatureRefused,
    SigningConfigError,
    load_key,
    sign,
)

KEY = b"k" * 32
NOW = 1_790_000_000


def test_load_key_when_the_file_is_readable_by_others_then_refused_without_the_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ingest.key"
    path.write_text("secret-ingest-key-" + "x" * 20)
    path.chmod(0o644)

    with pytest.raises(SigningConfigError, match="readable by others") as refused:
        load_key({KEY_FILE_ENV: str(path)})
    assert "secret-ingest-key" not in str(refused.value)

    path.chmod(0o600)
    assert load_key({KEY_FILE_ENV: str(path)}) == ("secret-ingest-key-" + "x" * 20).encode()


def test_load_key_when_short_or_unset_then_refused_or_none() -> None:
    with pytest.raises(SigningConfigError, match="shorter than 32"):
        load_key({KEY_ENV: "short"})
    assert load_key({}) is None


@pytest.mark.parametrize(("sent_at", "ok"), [(NOW - 300, True), (NOW - 301, False),
                                             (NOW + 300, True), (NOW + 301, False)])
def test_verify_when_the_timestamp_is_at_the_window_edges_then_only_inside_passes(
    sent_at: int, ok: bool,
) -> None:
    check = SignatureCheck(KEY, window_s=300, now=lambda: float(NOW))
    body = b'{"items": []}'

    if ok:
        check.verify(str(sent_at), sign(KEY, sent_at, body), body)
    else:
        with pytest.raises(SignatureRefused, match="window"):
            check.verify(str(sent_at), sign(KEY, sent_at, body), body)


def test_verify_when_the_same_signature_comes_twice_then_the_second_is_a_replay() -> None:
    check = SignatureCheck(KEY, now=lambda: float(NOW))
    body = b"{}"
    signature = sign(KEY, NOW, body)

    check.verify(str(NOW), signature, body)

    with pytest.raises(SignatureRefused, match="replay"):
        check.verify(str(NOW), signature, body)
