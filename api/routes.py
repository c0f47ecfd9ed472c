"""Every route of the API, once: the app registers these and the OpenAPI document is built
from them, so the two cannot drift apart."""

from __future__ import annotations

from api import approval_policy
from api import schemas as s
from api.approval_policy import ApprovalPolicyBody, ApprovalPolicyView
from api.endpoint import Route
from api.exits import ExitResult, LossLimitBody, LossLimitChange
from api.handlers import (
    accounts,
    breaks,
    cards,
    console,
    controls,
    equity,
    events,
    exits,
    intake,
    news,
    portfolio,
    prompts,
    reports,
    service,
    strategies,
    symbols,
    tax,
    treasury,
)
from api.inputs import (
    CardsQuery,
    EventsQuery,
    EventStreamQuery,
    IntakeAnswer,
    IntakeStart,
    OrdersQuery,
    PositionsQuery,
    ReasonBody,
    TaxQuery,
    TransferBody,
)
from api.review_resources import PromptTable, PromptText
from api.strategy_resources import (
    DeployBody,
    PauseBody,
    PublishBody,
    StrategyChange,
    StrategyList,
    StrategyResource,
)
from api.tax_report import TaxReportResource
from api.tokens import Role
from domain.reports import ComplianceReport, EodReport, MonthlyReport
from domain.symbol_chart import SymbolSeries

V1 = "/api/v1"
VIEWER, APPROVER, ADMIN = Role.VIEWER, Role.APPROVER, Role.ADMIN
INGEST = Role.INGEST

ROUTES: tuple[Route, ...] = (
    # Accounts
    Route("GET", f"{V1}/accounts", "listAccounts", accounts.list_accounts,
          "Accounts with their mandate in force and whether they are halted", "accounts",
          VIEWER, response=s.AccountList),
    Route("GET", f"{V1}/accounts/{{account_id}}", "getAccount", accounts.get_account,
          "One account: mandate, mandate history and cash ledger", "accounts", VIEWER,
          response=s.AccountDetail),
    Route("GET", f"{V1}/accounts/{{account_id}}/approval-policy", "getApprovalPolicy",
          approval_policy.get_approval_policy, "The account's approval policy in force",
          "accounts", VIEWER, response=ApprovalPolicyView),
    Route("PUT", f"{V1}/accounts/{{account_id}}/approval-policy", "setApprovalPolicy",
          approval_policy.set_approval_policy, "Put an approval policy in force: a new "
          "mandate version with you as actor and the reason", "accounts", ADMIN,
          body=ApprovalPolicyBody, response=ApprovalPolicyView),
    Route("POST", f"{V1}/intake", "startIntake", intake.start_intake,
          "Start the intake conversation for a new account (sessions live in this API "
          "process's memory until confirmed); answers the first question", "accounts", ADMIN,
          body=IntakeStart, response=s.IntakeStep, errors=(409,)),
    Route("POST", f"{V1}/intake/{{session_id}}/answer", "answerIntake", intake.answer_intake,
          "Answer the waiting question (empty text skips it); a bad answer is 422 with the "
          "question and the reason, and the same question waits", "accounts", ADMIN,
          body=IntakeAnswer, response=s.IntakeStep, errors=(409,)),
    Route("POST", f"{V1}/intake/{{session_id}}/confirm", "confirmIntake",
          intake.confirm_intake,
          "Open the account: AccountOpened, MandateSet v1, the opening deposit and the "
          "funding plan, with you as actor", "accounts", ADMIN, response=s.IntakeOpened,
          errors=(409,)),
    Route("GET", f"{V1}/treasury", "getTreasury", treasury.get_treasury,
          "Desk-wide cash: total, deployable, reserved, deployed, buffer, by account",
          "accounts", VIEWER, response=s.TreasuryReport),
    Route("GET", f"{V1}/transfers", "listTransfers", treasury.list_transfers,
          "Inter-account transfers: proposed, approved (cash moved) or rejected", "accounts",
          VIEWER, response=s.TransferList),
    Route("POST", f"{V1}/transfers", "proposeTransfer", treasury.propose_transfer,
          "Propose moving available cash between accounts; an admin approves", "accounts",
          APPROVER, body=TransferBody, response=s.TransferResource, errors=(409,)),
    Route("POST", f"{V1}/transfers/{{transfer_id}}/approve", "approveTransfer",
          treasury.approve_transfer,
          "Approve a transfer (not your own): the cash moves now, from available cash only",
          "accounts", ADMIN, response=s.TransferResource, errors=(409,)),
    Route("POST", f"{V1}/transfers/{{transfer_id}}/reject", "rejectTransfer",
          treasury.reject_transfer, "Reject a transfer, with a reason", "accounts", ADMIN,
          body=ReasonBody, response=s.TransferResource, errors=(409,)),
    # Cards
    Route("GET", f"{V1}/cards", "listCards", cards.list_cards,
          "The approval queue: waiting cards first (soonest expiry first), then decided ones",
          "cards", VIEWER, query=CardsQuery, response=s.CardList),
    Route("GET", f"{V1}/cards/{{card_id}}", "getCard", cards.get_card,
          "One card: thesis, evidence events, guardrails, sizing, expected cost, lineage",
          "cards", VIEWER, response=s.CardDetail),
    Route("POST", f"{V1}/cards/{{card_id}}/approve", "approveCard", cards.approve_card,
          "Approve a waiting card (guardrails are re-checked); its order is placed",
          "cards", APPROVER, response=s.Decision, errors=(409,)),
    Route("POST", f"{V1}/cards/{{card_id}}/reject", "rejectCard", cards.reject_card,
          "Reject a waiting card, with a reason", "cards", APPROVER, body=ReasonBody,
          response=s.Decision, errors=(409,)),
    # Strategies: what runs, and the operator's lifecycle commands
    Route("GET", f"{V1}/strategies", "listStrategies", strategies.list_strategies,
          "Every strategy: state and the version each account runs", "strategies", VIEWER,
          response=StrategyList),
    Route("GET", f"{V1}/strategies/{{strategy}}", "getStrategy", strategies.get_strategy,
          "One strategy: versions published, deployments, pause", "strategies", VIEWER,
          response=StrategyResource),
    Route("POST", f"{V1}/strategies/publish", "publishStrategies",
          strategies.publish_strategies, "Publish a strategy file's new definitions",
          "strategies", ADMIN, body=PublishBody, response=StrategyChange, errors=(409,)),
    Route("POST", f"{V1}/strategies/{{strategy}}/deploy", "deployStrategy",
          strategies.deploy_strategy, "Run a version for all accounts or some, from a time",
          "strategies", ADMIN, body=DeployBody, response=StrategyChange, errors=(409,)),
    Route("POST", f"{V1}/strategies/{{strategy}}/pause", "pauseStrategy",
          strategies.pause_strategy, "No new signals from the next bar (open positions "
          "keep their exits)", "strategies", APPROVER, body=PauseBody,
          response=StrategyChange, errors=(409,)),
    Route("POST", f"{V1}/strategies/{{strategy}}/resume", "resumeStrategy",
          strategies.resume_strategy, "Signals again from the next bar", "strategies",
          APPROVER, body=PauseBody, response=StrategyChange, errors=(409,)),
    Route("POST", f"{V1}/strategies/{{strategy}}/retire", "retireStrategy",
          strategies.retire_strategy, "Run the strategy for no account any more",
          "strategies", ADMIN, body=PauseBody, response=StrategyChange, errors=(409,)),
    # The judge's prompt registry
    Route("GET", f"{V1}/prompts", "listPrompts", prompts.list_prompts,
          "Every prompt version of the judge with its figures: reviews, failures, latency "
          "p50/p95, tokens, cost, agreement with human decisions, realised outcome by verdict",
          "cards", VIEWER, response=PromptTable),
    Route("GET", f"{V1}/prompts/{{name}}/{{version}}", "getPrompt", prompts.get_prompt,
          "One published prompt version: its exact text, hash and figures", "cards", VIEWER,
          response=PromptText),
    # Books
    Route("GET", f"{V1}/orders", "listOrders", portfolio.list_orders,
          "Orders with their fills, oldest first", "books", VIEWER, query=OrdersQuery,
          response=s.OrderList),
    Route("GET", f"{V1}/positions", "listPositions", portfolio.list_positions,
          "Positions per account and symbol, marked to the last bar", "books", VIEWER,
          query=PositionsQuery, response=s.PositionList),
    Route("GET", f"{V1}/cash", "listCash", portfolio.list_cash,
          "Cash per account: available, reserved, deployed, buffer", "books", VIEWER,
          response=s.CashList),
    Route("GET", f"{V1}/risk", "getRisk", portfolio.get_risk,
          "Risk per account and desk-wide totals, with every kill switch", "books", VIEWER,
          response=s.RiskReport),
    Route("GET", f"{V1}/accounts/{{account_id}}/tax", "getTaxReport", tax.get_tax_report,
          "Capital gains for a financial year: short and long term (FIFO lots, the law for "
          "demat holdings; lifo/specific are analysis views), each sale's lots, the "
          "long-term exemption used, and intraday speculative income", "books", VIEWER,
          query=TaxQuery, response=TaxReportResource, errors=(422,)),
    Route("GET", f"{V1}/reports/eod", "getEodReport", reports.get_eod,
          "End-of-day report for an IST day, per account and desk; ?format=html|pdf for the "
          "page", "reports", VIEWER, query=reports.EodQuery, response=EodReport,
          errors=(422, 503)),
    Route("GET", f"{V1}/reports/monthly", "getMonthlyReport", reports.get_monthly,
          "Monthly report: returns by day, drawdown, attribution, hit rate, charges; "
          "?format=html|pdf for the page", "reports", VIEWER, query=reports.MonthlyQuery,
          response=MonthlyReport, errors=(422, 503)),
    Route("GET", f"{V1}/reports/compliance", "getComplianceReport", reports.get_compliance,
          "Every order placed from `from` to `to` with its card, evidence, guardrails, "
          "review, approval and re-check; ?format=html|pdf for the page", "reports", VIEWER,
          query=reports.ComplianceQuery, response=ComplianceReport, errors=(422, 503)),
    # The symbol page: what the strategies saw, and what the desk did, on one chart
    Route("GET", f"{V1}/symbols/{{symbol}}/series", "getSymbolSeries", symbols.get_series,
          "One symbol's bars over IST days with the strategies' features (SMA/EMA 20, ATR "
          "bands, RSI 14), linked news and announcements, signals, and each card's entry, "
          "stop and target with its fills", "symbols", VIEWER, query=symbols.SymbolQuery,
          response=SymbolSeries, errors=(404,)),
    Route("GET", f"{V1}/symbols/{{symbol}}/chart", "getSymbolChart", symbols.get_chart,
          "The same as a bokeh chart (JSON item for BokehJS `embed_item`, served at "
          "/console/bokeh.min.js)", "symbols", VIEWER, query=symbols.SymbolQuery,
          errors=(404,)),
    # Kill switches
    Route("POST", f"{V1}/kill-switches/{{account}}/trip", "tripKillSwitch",
          controls.trip_kill_switch, "Halt new entries for an account", "kill switches",
          ADMIN, body=ReasonBody, response=s.KillSwitchChange),
    Route("POST", f"{V1}/kill-switches/{{account}}/reset", "resetKillSwitch",
          controls.reset_kill_switch, "Let an account take new entries again",
          "kill switches", ADMIN, body=ReasonBody, response=s.KillSwitchChange),
    Route("POST", f"{V1}/desk/halt", "haltDesk", controls.halt_desk,
          "Halt new entries for every account (the desk kill switch)", "kill switches",
          ADMIN, body=ReasonBody, response=s.KillSwitchChange),
    Route("POST", f"{V1}/desk/resume", "resumeDesk", controls.resume_desk,
          "Reset the desk kill switch", "kill switches", ADMIN, body=ReasonBody,
          response=s.KillSwitchChange),
    # Inputs
    Route("POST", f"{V1}/ingest/news", "ingestNews", news.ingest_news,
          "News and exchange filings from any source: an HMAC-signed body (X-Desk-Timestamp, "
          "X-Desk-Signature) or a token with the ingest role (or above). Each item is linked "
          "to instruments by symbol, ISIN or alias and deduplicated by source id and content; "
          "the answer gives each item's outcome (422 when every item was rejected)",
          "inputs", INGEST, body=news.NewsBatch, response=news.NewsIngested, errors=(422,),
          signed=True, headers=(("X-Desk-Timestamp", "Unix seconds the body was signed at"),
                                ("X-Desk-Signature", "sha256=<hex HMAC-SHA256 of "
                                 "'<timestamp>.<body>'>"))),
    # Operator exits (allowed while a kill switch is tripped) and the desk loss limit
    Route("POST", f"{V1}/orders/{{order_id}}/cancel", "cancelOrder", exits.cancel_order,
          "Cancel a bracket whose entry has not filled", "exits", APPROVER, body=ReasonBody,
          response=ExitResult, errors=(404, 409)),
    Route("POST", f"{V1}/positions/{{account_id}}/{{symbol}}/close", "closePosition",
          exits.close_position, "Close an account's position in a symbol at market",
          "exits", APPROVER, body=ReasonBody, response=ExitResult, errors=(404, 409)),
    Route("POST", f"{V1}/accounts/{{account_id}}/flatten", "flattenAccount",
          exits.flatten_account,
          "Cancel every working entry and close every position of an account", "exits",
          APPROVER, body=ReasonBody, response=ExitResult, errors=(404, 409)),
    Route("POST", f"{V1}/desk/flatten", "flattenDesk", exits.flatten_desk,
          "Cancel every working entry and close every position of every account", "exits",
          ADMIN, body=ReasonBody, response=ExitResult, errors=(409,)),
    Route("POST", f"{V1}/desk/loss-limit", "setDeskLossLimit", exits.set_desk_loss_limit,
          "Set the desk-wide daily loss limit: the desk kill switch trips when every "
          "account's P&L together reaches it", "kill switches", ADMIN, body=LossLimitBody,
          response=LossLimitChange, errors=(409,)),
    # Reconciliation breaks with a venue (an open one halts the account's new entries)
    Route("GET", f"{V1}/accounts/{{account_id}}/breaks", "listBreaks", breaks.list_breaks,
          "An account's open reconciliation breaks, each naming the desk's and the venue's "
          "side, with its kill switch", "exits", VIEWER, response=breaks.BreakList,
          errors=(404,)),
    Route("POST", f"{V1}/accounts/{{account_id}}/breaks/{{break_id}}/resolve",
          "resolveBreak", breaks.resolve_break,
          "Resolve an open break, saying what was done; the last one resolved at a venue "
          "lets its accounts take new entries again", "exits", ADMIN, body=ReasonBody,
          response=breaks.BreakResolution, errors=(404,)),
    # Events
    Route("GET", f"{V1}/events", "listEvents", events.list_events,
          "A page of the log, filtered by type or stream", "events", VIEWER,
          query=EventsQuery, response=s.EventPage),
    Route("GET", f"{V1}/events/stream", "streamEvents", events.stream_events,
          "Live events as server-sent events; each id is the log position, resumable",
          "events", VIEWER, query=EventStreamQuery, media_type="text/event-stream",
          errors=(503,),
          headers=(("Last-Event-ID", "resume after this log position (wins over ?after=)"),)),
    # Service
    Route("GET", "/health", "health", service.health, "Liveness", "service", None,
          response=s.Health),
    Route("GET", "/ready", "ready", service.ready,
          "Readiness: the store answers and the read model has caught up with the log",
          "service", None, response=s.Readiness, errors=(503,)),
    Route("GET", "/metrics", "metrics", service.metrics,
          "Prometheus metrics: log head, view position and lag, requests, latency, "
          "live clients", "service", VIEWER, media_type="text/plain"),
    Route("GET", "/openapi.json", "openapi", service.openapi, "This document", "service",
          None),
    Route("GET", "/docs", "docs", service.docs, "The API reference page", "service", None,
          media_type="text/html"),
    # Operator console and what only it needs ---------------------------------------------
    Route("GET", "/", "console", console.page,
          "The operator console (log in with a bearer token)", "console", None,
          media_type="text/html"),
    Route("GET", "/console/{asset}", "consoleAsset", console.asset,
          "A script or style file of the console", "console", None, media_type="text/*"),
    Route("GET", "/symbols/{symbol}", "symbolPage", symbols.page,
          "The console's symbol page: candles, features, news, signals, cards and fills",
          "console", None, query=symbols.SymbolPageQuery, media_type="text/html"),
    Route("GET", f"{V1}/me", "whoAmI", console.whoami,
          "The operator behind the token, with their role", "console", VIEWER,
          response=s.Me),
    Route("GET", f"{V1}/accounts/{{account_id}}/equity", "getEquityCurve", equity.get_equity,
          "An account's equity and P&L (equity less deposits) per desk minute", "books",
          VIEWER, response=s.EquityCurve),
)
