"""Template filters that put the analysis' internal condition names into the reader's language."""

from __future__ import annotations

from django import template

from medtandem.apps.studies.texts import comparison_label, condition_label, profession_label

register = template.Library()
register.filter("condition", condition_label)
register.filter("comparison", comparison_label)
register.filter("profession", profession_label)
