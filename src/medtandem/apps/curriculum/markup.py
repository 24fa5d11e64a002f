"""Safe Markdown for content pages: raw HTML is escaped, links only to http(s), mailto or relative.

Every ``href``/``src`` is first normalised the way browsers read it (WHATWG URL standard): tabs and
newlines removed, leading/trailing spaces and control characters stripped, backslashes turned into
slashes (so ``/\\evil.example`` and ``\\\\evil.example`` are the protocol-relative ``//evil.example``
they are to a browser). Then:
- a scheme other than http, https or mailto (``javascript:``, ``data:``…) or a bare relative path
  becomes ``#``;
- an off-site link (``http:``/``https:`` or protocol-relative ``//host``) gets
  ``rel="noopener noreferrer"``, ``class="external"`` (shown with an arrow) and opens normally;
- a site-relative link (``/learn/``) or a fragment (``#top``) stays as written.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import markdown
from django.utils.safestring import SafeString, mark_safe

_SAFE_SCHEMES = ("http:", "https:", "mailto:", "/", "#")
_OFF_SITE = ("http:", "https:", "//")
_INVISIBLE = re.compile(r"[\t\n\r]")


def normalise_url(value: str) -> str:
    """A link target as a browser reads it: no tab/newline, no surrounding spaces or control
    characters, backslashes as slashes."""
    value = _INVISIBLE.sub("", value).strip("".join(chr(c) for c in range(0x21)))
    return value.replace("\\", "/")


def is_off_site(url: str) -> bool:
    """True for an absolute http(s) address or a protocol-relative ``//host`` (after normalising)."""
    return normalise_url(url).lower().startswith(_OFF_SITE)


class _DropUnsafeLinks(markdown.treeprocessors.Treeprocessor):
    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is None:
                    continue
                url = normalise_url(value)
                element.set(attribute, url if url.lower().startswith(_SAFE_SCHEMES) else "#")
            if element.tag == "a" and is_off_site(element.get("href") or ""):
                element.set("rel", "noopener noreferrer")
                classes = (element.get("class") or "").split()
                element.set(
                    "class",
                    " ".join([*classes, "external"])
                    if "external" not in classes
                    else " ".join(classes),
                )


class _SafeExtension(markdown.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.inlinePatterns.deregister("entity")
        md.treeprocessors.register(_DropUnsafeLinks(md), "drop_unsafe_links", 0)


def render_markdown(text: str) -> SafeString:
    """Markdown to HTML with every raw HTML tag shown as text, never interpreted."""
    html = markdown.markdown(
        text or "", extensions=[_SafeExtension(), "tables", "sane_lists"], output_format="html"
    )
    return mark_safe(html)  # noqa: S308 — raw HTML is disabled above; ElementTree escapes text
