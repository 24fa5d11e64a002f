"""The ``url`` template tag, with constant ``{% url 'name' %}`` tags kept (:mod:`medtandem.web.template_memo`).

Loaded as a builtin after Django's own, so it replaces Django's ``url`` in every template."""

from medtandem.web.template_memo import urls as register

__all__ = ["register"]
