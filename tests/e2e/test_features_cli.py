"""`desk features` on the sample day's bars, as an operator runs it."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from adapters.files.sample import SAMPLE_DIR
from tests.e2e.conftest import DeskCli

SAMPLE_BARS = SAMPLE_DIR / "bars.csv"
ATR_WARM_UP = 14  # TA-Lib's ATR(14) starts on a symbol's 15th bar


def features_module(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m cli features ...`: the same code as `desk features`."""
    return subprocess.run(
        [sys.executable, "-m", "cli", "features", *args],
        capture_output=True, text=True, timeout=300,
    )


def input_keys(path: Path) -> list[tuple[str, str]]:
    with path.open(newline="") as f:
        return [(row["symbol"], row["ts"]) for row in csv.DictReader(f)]


def assert_features_sane(out: Path, expected_keys: list[tuple[str, str]]) -> None:
    features = pl.read_csv(out, infer_schema_length=None)
    assert sorted(features.select("symbol", "ts").rows()) == sorted(expected_keys)
    rsi = features["rsi_14"].drop_nulls().to_numpy()
    assert rsi.size > 0 and rsi.min() >= 0 and rsi.max() <= 100
    after_warm_up = features.filter(pl.int_range(pl.len()).over("symbol") >= ATR_WARM_UP)
    atr = after_warm_up["atr_14"]
    assert atr.null_count() == 0 and (atr > 0).all()


def corrupt_line(source: Path, target: Path, line: int, column: str, value: str) -> None:
    lines = source.read_text().splitlines(keepends=True)
    header = lines[0].strip().split(",")
    fields = lines[line - 1].rstrip("\n").split(",")
    fields[header.index(column)] = value
    lines[line - 1] = ",".join(fields) + "\n"
    target.write_text("".join(lines))


def test_features_when_sample_bars_then_every_row_comes_out_with_sane_indicators(
    tmp_path: Path,
) -> None:
    out = tmp_path / "features.csv"

    proc = features_module("--bars", str(SAMPLE_BARS), "--out", str(out))

    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert_features_sane(out, input_keys(SAMPLE_BARS))


def test_features_when_a_row_is_malformed_then_it_is_reported_by_line_and_skipped(
    tmp_path: Path,
) -> None:
    bars, out = tmp_path / "bars.csv", tmp_path / "features.csv"
    corrupt_line(SAMPLE_BARS, bars, 101, "close", "12x4.5")
    bad_key = input_keys(SAMPLE_BARS)[101 - 2]

    proc = features_module("--bars", str(bars), "--out", str(out))

    assert proc.returncode == 0, proc.stderr
    assert f"{bars}:101: skipped: close is not a number: '12x4.5'" in proc.stderr
    good_keys = [key for key in input_keys(SAMPLE_BARS) if key != bad_key]
    assert_features_sane(out, good_keys)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("volume", "-10", "volume is negative"),
        ("high", "1", "low"),  # low above high
        ("open", "inf", "open is not finite"),
    ],
)
def test_features_when_a_row_is_invalid_then_the_reason_names_the_problem(
    tmp_path: Path, column: str, value: str, reason: str
) -> None:
    bars, out = tmp_path / "bars.csv", tmp_path / "features.csv"
    corrupt_line(SAMPLE_BARS, bars, 2, column, value)

    proc = features_module("--bars", str(bars), "--out", str(out))

    assert proc.returncode == 0, proc.stderr
    assert f"{bars}:2: skipped: {reason}" in proc.stderr
    assert pl.read_csv(out).height == len(input_keys(SAMPLE_BARS)) - 1


def test_features_when_bars_file_missing_then_exit_2_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"

    proc = features_module("--bars", str(missing), "--out", str(tmp_path / "out.csv"))

    assert proc.returncode == 2
    assert f"bars file not found: {missing}" in proc.stderr
    assert not (tmp_path / "out.csv").exists()


def test_desk_features_when_sample_bars_then_every_row_comes_out_with_sane_indicators(
    desk: DeskCli, tmp_path: Path
) -> None:
    out = tmp_path / "features.csv"

    proc = desk.run("features", "--bars", str(SAMPLE_BARS), "--out", str(out))

    keys = input_keys(SAMPLE_BARS)
    assert f"wrote {len(keys)} bars of {len(set(s for s, _ in keys))} symbols" in proc.stdout
    assert_features_sane(out, keys)


def test_features_when_sample_minute_bars_with_defaults_then_trends_show_and_numbers_are_short(
    tmp_path: Path,
) -> None:
    out = tmp_path / "features.csv"

    proc = features_module("--bars", str(SAMPLE_BARS), "--out", str(out))

    assert "trend distance 0.004" in proc.stdout
    assert "gap is empty on every row" in proc.stdout and "one session only" in proc.stdout
    features = pl.read_csv(out, infer_schema_length=None)
    assert features.filter(pl.col("regime") == "trend").height > 0
    # No binary float noise such as 246.96300000000002 or 0.30000000000000004.
    assert re.search(r"\.\d*(0{6,}|9{6,})\d", out.read_text()) is None
