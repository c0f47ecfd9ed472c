"""The judge's prompt registry: each version's figures, and one version's text."""

from __future__ import annotations

from api import review_resources as r
from api.context import Call
from api.errors import not_found
from domain.review import DEFAULT_PROMPT
from projections.prompt_table import prompt_table
from projections.reviews import PromptVersionRow


async def list_prompts(call: Call) -> r.PromptTable:
    """Every prompt version with its figures (cost from the judge's price table)."""
    async with call.state.gate.reading():
        rows = prompt_table(call.state.desk.runtime.view, call.state.prices)
    return r.PromptTable(prompts=[r.figures(row) for row in rows])


async def get_prompt(call: Call) -> r.PromptText:
    """One published version: its exact text, hash and figures (card-review v1 answers
    with the built-in text until the first model review publishes it)."""
    name, version = call.path["name"], call.path["version"]
    async with call.state.gate.reading():
        view = call.state.desk.runtime.view
        prompt = view.reviews.prompts.get(name)
        published = prompt.versions.get(int(version)) if prompt and version.isdigit() else None
        if published is None and (name, version) == (DEFAULT_PROMPT.name, "1"):
            # Not yet published (the first model review publishes it): the built-in text.
            published = PromptVersionRow(1, "built-in", DEFAULT_PROMPT.sha256,
                                         call.state.desk_time(), DEFAULT_PROMPT.system,
                                         DEFAULT_PROMPT.user_template,
                                         DEFAULT_PROMPT.candidate_share, "built-in default")
        if published is None:
            raise not_found("version", f"no version {version!r} of prompt {name!r}")
        rows = prompt_table(view, call.state.prices)
    row = next((x for x in rows if x.name == name and x.version == published.version), None)
    return r.prompt_text(name, published, row)
