"""Reports people read, computed from the event log by pure functions: the end-of-day
report (`eod`), the month (`monthly`) and every order's paper trail (`compliance`).

Each takes the recorded events in log order and returns a frozen, JSON-ready model whose
money is Decimal to the paisa; rendering (HTML, PDF) lives in `adapters.reports`.
"""
