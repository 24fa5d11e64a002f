"""The ``interval`` template filter, available to every template, writes an interval per language."""

from __future__ import annotations

from types import SimpleNamespace

from django.template import engines
from django.utils import translation


def _render(text: str, **context: object) -> str:
    return engines["django"].from_string(text).render(context)


def test_every_template_writes_an_interval_in_its_language() -> None:
    e = SimpleNamespace(value=0.2, ci_lower=-0.0625, ci_upper=0.4)
    with translation.override("fr"):
        assert _render("{{ e|interval:2 }}", e=e) == "[\u22120,06 ; 0,40]"
    with translation.override("en"):
        assert _render("{{ e|interval:2 }}", e=e) == "[\u22120.06, 0.40]"
        # a mapping (the analysis JSON), a pair (a Wilson interval), and unknown bounds
        assert (
            _render("{{ d|interval:3 }}", d={"ci_lower": 0.1, "ci_upper": 0.2}) == "[0.100, 0.200]"
        )
        assert _render("{{ p|interval:1 }}", p=(0.25, 0.75)) == "[0.2, 0.8]"
        assert _render("{{ e|interval }}", e=SimpleNamespace(ci_lower=None, ci_upper=0.4)) == ""
        assert _render("{{ e|interval }}", e=None) == ""


def test_every_template_separates_list_items_in_its_language() -> None:
    text = "{% for x in xs %}{{ x }}{% if not forloop.last %}{% listsep %}{% endif %}{% endfor %}"
    with translation.override("fr"):
        assert _render(text, xs=["0,12", "0,40"]) == "0,12 ; 0,40"
    with translation.override("en"):
        assert _render(text, xs=["0.12", "0.40"]) == "0.12; 0.40"
