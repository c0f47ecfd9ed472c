"""`desk run` refuses a worker count it cannot honour before it starts anything."""

from __future__ import annotations

import pytest

from cli.main import main


@pytest.mark.parametrize("flags", [["--workers", "-1", "--runtime", "kafka"],
                                   ["--workers", "2"]])
def test_run_when_workers_are_negative_or_not_on_kafka_then_exit_2_saying_why(
    flags: list[str], capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["run", "--feeds", "feeds.yaml", *flags])

    assert code == 2
    assert "--workers takes 0 or more, and only with --runtime kafka" in capsys.readouterr().err
