"""Django's ``i18n`` template library, with constant ``{% translate "..." %}`` tags kept per language
(:mod:`medtandem.web.template_memo`)."""

from medtandem.web.template_memo import i18n as register

__all__ = ["register"]
