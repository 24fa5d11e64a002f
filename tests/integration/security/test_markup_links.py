"""Markdown content links: off-site addresses (including protocol-relative ones spelt with
backslashes) are normalised as browsers read them, marked external and opened without referrer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from medtandem.apps.curriculum.markup import is_off_site, normalise_url, render_markdown


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("[x](//evil.example)", "//evil.example"),
        ("[x](/\\evil.example)", "//evil.example"),
        ("[x](\\\\\\\\evil.example)", "//evil.example"),
        ("[x](https://evil.example/a)", "https://evil.example/a"),
        ("[x](https:evil.example)", "https:evil.example"),
        ("[x](HTTP://EVIL.EXAMPLE)", "HTTP://EVIL.EXAMPLE"),
    ],
)
def test_off_site_links_are_external_without_referrer(source: str, href: str) -> None:
    html = render_markdown(source)
    assert f'href="{href}"' in html
    assert 'rel="noopener noreferrer"' in html and 'class="external"' in html


@pytest.mark.parametrize("source", ["[x](/learn/)", "[x](#top)", "[x](/reading/sessions/3/)"])
def test_site_links_stay_plain(source: str) -> None:
    html = render_markdown(source)
    assert "external" not in html and "noreferrer" not in html


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](data:text/html,<b>x</b>)",
        "[x]( javascript:alert(1))",
        "[x](vbscript:x)",
        "[x](JaVaScRiPt:alert(1))",
    ],
)
def test_dangerous_schemes_become_a_fragment(source: str) -> None:
    assert 'href="#"' in render_markdown(source)


def test_normalisation_is_what_a_browser_reads() -> None:
    assert normalise_url(" \t/\\\nevil.example ") == "//evil.example"
    assert is_off_site("/\\evil.example") and is_off_site("\\\\evil") and not is_off_site("/learn/")


@hsettings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("/\\:.evilhtps \t\nj#ax")), max_size=30))
def test_every_rendered_link_is_relative_a_fragment_or_marked_external(target: str) -> None:
    html = str(render_markdown(f"[x]({target})"))
    import re

    for href in re.findall(r'href="([^"]*)"', html):
        if href.lower().startswith(("http:", "https:", "//")):
            assert 'rel="noopener noreferrer"' in html and "external" in html
        else:
            assert href.startswith(("/", "#", "mailto:")), href
            assert not href.startswith("//")
