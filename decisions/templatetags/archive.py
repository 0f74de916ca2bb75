"""Template helpers: section text as blocks, labels for choices."""

from __future__ import annotations

from django import template

from decisions.minutes.blocks import BulletList, NumberedList, Paragraph, Table, to_blocks

register = template.Library()

_KINDS = {Paragraph: "paragraph", BulletList: "bullets", NumberedList: "numbered", Table: "table"}


@register.filter
def blocks(text: str) -> list[tuple[str, object]]:
    """Section text as (kind, block) pairs for includes/blocks.html; the template escapes all text."""
    result = []
    for block in to_blocks(text or ""):
        if isinstance(block, NumberedList):
            labels = block.labels or tuple(f"{n}." for n in range(1, len(block.items) + 1))
            result.append(("numbered", list(zip(labels, block.items, strict=False))))
        else:
            result.append((_KINDS[type(block)], block))
    return result


@register.filter
def first_sentence(text: str, limit: int = 220) -> str:
    """The start of a decision, for the meeting page's brief."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters changed (None removes one); page resets."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()
