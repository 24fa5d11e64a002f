"""Constant template tags rendered once per language instead of on every page.

A reading page holds about fifty ``{% translate "..." %}``, five ``{% static '...' %}`` and five
``{% url 'name' %}`` tags whose arguments are literals. Django resolves each on every render (a
catalogue lookup, a manifest lookup, a reverse, and an escape): measured on the 2-core machine,
rendering a reading page took 6.0 ms of CPU with Django's tags and 5.3 ms with these
(docs/operations.md, fifth pass). Their output depends only on the active language, the
context's autoescaping, the process's settings and, for a URL, the script prefix, URLconf and
current application, so :class:`ConstantNode` keeps it per such key the first time a template
node renders, and serves it after that.

What is *not* kept: a tag with a variable (``{% translate label %}``, ``{% url 'x' pk %}``), a
filter, ``as var``, a message context, or ``{% static path_var %}``: those render as Django renders
them. The kept outputs are dropped whenever a setting that could change them changes
(``setting_changed``: tests' ``override_settings``), so a test that swaps catalogues, storages or
URLconfs sees fresh output.

The ``i18n`` and ``static`` libraries replace Django's under the same labels (``TEMPLATES``
``OPTIONS`` ``libraries``) and ``url`` is a builtin loaded after Django's own: every other tag and
filter is Django's. :class:`DjangoTemplates` is Django's backend whose duplicate-label check
(``templates.W003``) knows of these two replacements, and of no other.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from django.core.checks import CheckMessage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context, Library, Node, defaulttags
from django.template.backends import django as django_backend
from django.template.base import FilterExpression, Variable
from django.templatetags import i18n as django_i18n
from django.templatetags import static as django_static
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation

#: Settings whose change can change a kept output (catalogues, languages, static URLs).
_WATCHED = {
    "LANGUAGE_CODE",
    "LANGUAGES",
    "LOCALE_PATHS",
    "STATIC_URL",
    "STORAGES",
    "INSTALLED_APPS",
    "ROOT_URLCONF",
    "FORCE_SCRIPT_NAME",
}
_generation = [0]


@receiver(setting_changed)
def _forget(*, setting: str, **_: Any) -> None:
    if setting in _WATCHED:
        _generation[0] += 1


def _is_literal(expression: FilterExpression) -> bool:
    """A quoted string without filters: Django keeps it as the string itself, or (``translate``)
    as a :class:`Variable` whose ``literal`` is set."""
    if expression.filters:
        return False
    var = expression.var
    return isinstance(var, str) or (isinstance(var, Variable) and var.literal is not None)


class ConstantNode(Node):
    """Renders ``inner`` once per (language, autoescape, ``scope(context)``) and returns the kept
    string after."""

    child_nodelists = ()

    def __init__(self, inner: Node, scope: Callable[[Context], Hashable] | None = None) -> None:
        self.inner = inner
        self.scope = scope
        self._kept: dict[tuple[Hashable, ...], str] = {}
        self._generation = _generation[0]

    def render(self, context: Context) -> str:
        if self._generation != _generation[0]:  # a setting changed: what was kept is stale
            self._kept.clear()
            self._generation = _generation[0]
        key = (
            translation.get_language(),
            context.autoescape,
            self.scope(context) if self.scope else None,
        )
        try:
            return self._kept[key]
        except KeyError:
            # Racing threads compute the same string: the last write wins, harmlessly.
            output = self._kept[key] = self.inner.render(context)
            return output


def _library_like(library: Library) -> Library:
    """A new library with every tag and filter of ``library`` (Django's), to replace some of."""
    copy = Library()
    copy.tags.update(library.tags)
    copy.filters.update(library.filters)
    return copy


def _url_scope(context: Context) -> Hashable:
    # What reverse() reads besides the name (URLNode.render's current_app, verbatim).
    try:
        current_app = context.request.current_app  # type: ignore[attr-defined]
    except AttributeError:
        try:
            current_app = context.request.resolver_match.namespace  # type: ignore[attr-defined]
        except AttributeError:
            current_app = None
    return (get_script_prefix(), get_urlconf(), current_app)


def _kept(node: Node) -> Node:
    """``node`` wrapped in a :class:`ConstantNode` when its output is constant, else ``node``."""
    if isinstance(node, django_i18n.TranslateNode):
        constant = node.asvar is None and node.message_context is None
        return ConstantNode(node) if constant and _is_literal(node.filter_expression) else node
    if isinstance(node, django_static.StaticNode):
        return ConstantNode(node) if node.varname is None and _is_literal(node.path) else node
    if isinstance(node, defaulttags.URLNode):
        constant = node.asvar is None and not node.args and not node.kwargs
        return ConstantNode(node, _url_scope) if constant and _is_literal(node.view_name) else node
    return node


i18n = _library_like(django_i18n.register)
i18n.tag("translate", lambda parser, token: _kept(django_i18n.do_translate(parser, token)))
i18n.tag("trans", i18n.tags["translate"])

static = _library_like(django_static.register)
static.tag("static", lambda parser, token: _kept(django_static.do_static(parser, token)))

#: The builtin library with the ``url`` tag (``TEMPLATES`` ``OPTIONS`` ``builtins``).
urls = Library()
urls.tag("url", lambda parser, token: _kept(defaulttags.url(parser, token)))


#: The labels replaced on purpose, with the two modules that then share each.
REPLACED_LIBRARIES = {
    "i18n": ("django.templatetags.i18n", "medtandem.web.i18n_tags"),
    "static": ("django.templatetags.static", "medtandem.web.static_tags"),
}


class DjangoTemplates(django_backend.DjangoTemplates):
    """Django's template backend. Its check warns when two modules share a library label; the two
    replacements above share one by design, so exactly those two warnings (Django's own message)
    are left out and any other duplicate is still reported."""

    def _check_for_template_tags_with_the_same_name(self) -> list[CheckMessage]:
        expected = {
            f"{name!r} is used for multiple template tag modules: "
            + ", ".join(repr(m) for m in sorted(modules))
            for name, modules in REPLACED_LIBRARIES.items()
        }
        # Django's own check (a private method that django-stubs do not declare).
        found = super()._check_for_template_tags_with_the_same_name()  # type: ignore[misc]
        return [
            message
            for message in found
            if not (message.id == "templates.W003" and message.msg in expected)
        ]
