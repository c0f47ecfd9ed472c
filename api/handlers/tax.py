"""An account's capital gains for a financial year, from the tax book the API keeps
caught up with the log (lots need every trade on record, not only the year's)."""

from __future__ import annotations

from api.context import Call
from api.errors import ApiError
from api.inputs import TaxQuery
from api.tax_report import TaxReportResource, tax_report_resource
from domain.session import ist
from domain.tax import TaxReport, financial_year
from domain.tax.rules import fy_of
from projections.tax import TaxBook, apply_tax
from streams.ports import EventLog


def _catch_up(book: TaxBook, store: EventLog) -> TaxBook:
    for rec in store.read_all(after=book.position):
        apply_tax(book, rec.event, rec.position)
    return book


async def get_tax_report(call: Call) -> TaxReportResource:
    """Realised gains by class, each sale's lots, the exemption used and speculative income."""
    q = call.query
    assert isinstance(q, TaxQuery)
    account_id = call.path["account_id"]
    state = call.state
    try:
        fy = financial_year(q.fy) if q.fy else fy_of(ist(state.desk_time()).date())
    except ValueError as e:
        raise ApiError(400, "invalid_query", str(e), field="fy") from None

    def report() -> TaxReport:
        """Fold what the log added since the last request, then compute the year."""
        return _catch_up(state.tax, state.desk.store).report(account_id, fy, q.method)

    try:
        # One request at a time folds into the shared book.
        async with state.gate.reading():
            return tax_report_resource(await state.gate.read_store(report))
    except ValueError as e:  # a sale before the rule table starts
        raise ApiError(422, "unprocessable", str(e), field="fy") from None
