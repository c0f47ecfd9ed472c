"""Names of the rows the Kafka runtime's workers write to the store's `desk_views` table.

Readers (the API's `WorkerViews`, the demo's stack) import them from here, without faust.
"""

from __future__ import annotations

VIEW_PREFIX = "kafka:view:"  # + partition key (an account or kill-switch scope): its view
BAR_PREFIX = "kafka:bar:"  # + symbol: its last bar
OFFSET_PREFIX = "kafka:offset:"  # + "topic:partition": the last offset folded and written
PM_PROGRESS = "kafka:pm"  # the last log position the process managers have handled
# The process managers' research state (live features, results calendar, sectors, hit
# rates): they fold the whole log, so theirs is the one complete copy.
RESEARCH = "kafka:research"
