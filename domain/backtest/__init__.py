"""Backtests: a strategy's rules replayed over historical bars, and the metrics of the run."""
