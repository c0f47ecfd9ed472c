"""Live market-data feeds (one package per venue): frames in, `domain.ticks.Tick`s out."""
