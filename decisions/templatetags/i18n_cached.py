"""Django's i18n template tags, with `{% translate "literal" %}` kept per language.

Django's translate tag makes a lazy string, translates it, localizes and escapes it on every
render: 94 000 instructions a tag, and a person's page has some eighty (5 M of its 58 M,
scripts/instructions.py at 100k items). A literal's text depends only on the language (and on
autoescaping, which a literal's safe text does not feel), so it is kept per language once
rendered. Every other tag and filter is Django's own; makemessages finds the tags by name.
"""

from __future__ import annotations

from django import template
from django.templatetags import i18n
from django.utils.translation import get_language

register = template.Library()
register.tags.update(i18n.register.tags)
register.filters.update(i18n.register.filters)


class LiteralTranslateNode(template.Node):
    """`{% translate "literal" %}`: Django's node, rendered once per language."""

    def __init__(self, node: i18n.TranslateNode):
        self.node = node
        self.rendered: dict[tuple[str | None, bool], str] = {}

    def render(self, context) -> str:
        key = (get_language(), context.autoescape)
        try:
            return self.rendered[key]
        except KeyError:
            text = self.rendered[key] = self.node.render(context)
            return text


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token) -> template.Node:
    node = i18n.do_translate(parser, token)
    expression = node.filter_expression
    if node.asvar or node.noop or node.message_context or expression.filters or expression.var.lookups:
        return node  # a variable, a filter, a context or `as`: Django's node as it is
    return LiteralTranslateNode(node)
