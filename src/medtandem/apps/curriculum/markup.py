"""Safe Markdown for content pages: raw HTML is escaped, links only to http(s), mailto or relative."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import markdown
from django.utils.safestring import SafeString, mark_safe

_SAFE_SCHEMES = ("http://", "https://", "mailto:", "/", "#")


class _DropUnsafeLinks(markdown.treeprocessors.Treeprocessor):
    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and not value.strip().lower().startswith(_SAFE_SCHEMES):
                    element.set(attribute, "#")
            if element.tag == "a" and (element.get("href") or "").startswith("http"):
                element.set("rel", "noopener noreferrer")


class _SafeExtension(markdown.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.inlinePatterns.deregister("entity")
        md.treeprocessors.register(_DropUnsafeLinks(md), "drop_unsafe_links", 0)


def render_markdown(text: str) -> SafeString:
    """Markdown to HTML with every raw HTML tag shown as text, never interpreted."""
    html = markdown.markdown(text or "", extensions=[_SafeExtension(), "tables", "sane_lists"],
                             output_format="html")
    return mark_safe(html)  # noqa: S308 — raw HTML is disabled above; ElementTree escapes text
