"""Request counts, latency histograms and live-feed clients, in Prometheus text format."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

log = structlog.get_logger("eventdesk.api")

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class Histogram:
    """Request latencies in Prometheus's cumulative buckets."""

    counts: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    total: int = 0
    sum: float = 0.0

    def observe(self, seconds: float) -> None:
        """Count one request that took `seconds`."""
        self.total += 1
        self.sum += seconds
        for i, bound in enumerate(BUCKETS):
            if seconds <= bound:
                self.counts[i] += 1


@dataclass
class Metrics:
    """Request counters and latency histograms by route template, and live SSE clients."""

    requests: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    latency: dict[tuple[str, str], Histogram] = field(default_factory=dict)
    sse_clients: int = 0

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one request by route, method and status, and time it."""
        self.requests[(route, method, status)] += 1
        self.latency.setdefault((route, method), Histogram()).observe(seconds)

    def render(self, log_head: int | None, view_position: int) -> str:
        """The exposition text; log figures are passed in, read by the caller (`log_head`
        None: the store did not answer)."""
        out = [
            *_gauge("desk_store_up", "1 when the store answered this scrape, else 0.",
                    int(log_head is not None)),
            *_gauge("desk_view_position", "Log position the live read model reflects.",
                    view_position),
        ]
        if log_head is not None:
            out += [
                *_gauge("desk_log_head", "Position of the last event in the log.", log_head),
                *_gauge("desk_view_lag_events", "Events logged but not yet in the read model.",
                        max(log_head - view_position, 0)),
            ]
        out += [
            *_gauge("desk_api_sse_clients", "Connected live event feed clients.",
                    self.sse_clients),
            "# HELP desk_api_requests_total API requests by route, method and status.",
            "# TYPE desk_api_requests_total counter",
        ]
        for (route, method, status), n in sorted(self.requests.items()):
            out.append(f'desk_api_requests_total{{route="{label_value(route)}",method="{method}",'
                       f'status="{status}"}} {n}')
        out += ["# HELP desk_api_request_duration_seconds API request latency by route.",
                "# TYPE desk_api_request_duration_seconds histogram"]
        for (route, method), h in sorted(self.latency.items()):
            labels = f'route="{label_value(route)}",method="{method}"'
            for bound, n in zip(BUCKETS, h.counts, strict=True):
                out.append(f'desk_api_request_duration_seconds_bucket{{{labels},le="{bound}"}}'
                           f" {n}")
            out.append(f'desk_api_request_duration_seconds_bucket{{{labels},le="+Inf"}}'
                       f" {h.total}")
            out.append(f"desk_api_request_duration_seconds_sum{{{labels}}} {h.sum:.6f}")
            out.append(f"desk_api_request_duration_seconds_count{{{labels}}} {h.total}")
        return "\n".join(out) + "\n"


def _gauge(name: str, help_text: str, value: int) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value}"]


def label_value(label: str) -> str:
    """A Prometheus label value, escaped (backslash, quote, newline)."""
    return label.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def metrics_middleware(metrics: Metrics) -> Middleware:
    """Count and time every request by its route template (not its raw path)."""

    @web.middleware
    async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
        """Time the request and count it under its route template."""
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as e:
            status = e.status
            raise
        finally:
            resource = request.match_info.route.resource
            route = resource.canonical if resource is not None else "unmatched"
            elapsed = time.perf_counter() - started
            metrics.observe(route, request.method, status, elapsed)
            log.debug("request", method=request.method, route=route, status=status,
                      ms=round(elapsed * 1000, 2))

    return observe
