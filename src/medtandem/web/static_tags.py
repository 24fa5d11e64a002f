"""Django's ``static`` template library, with constant ``{% static '...' %}`` tags kept
(:mod:`medtandem.web.template_memo`)."""

from medtandem.web.template_memo import static as register

__all__ = ["register"]
