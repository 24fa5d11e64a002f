"""Helpers for the chart tests: parse the SVG and estimate every text's box the way the layout does."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from medtandem.charts.layout import ASCENT, DESCENT, Box, text_box
from medtandem.charts.text import text_width

NS = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class Label:
    text: str
    cls: str
    box: Box


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def viewbox(root: ET.Element) -> Box:
    x, y, w, h = (float(v) for v in root.attrib["viewBox"].split())
    return Box(x, y, x + w, y + h)


def labels(root: ET.Element) -> list[Label]:
    out = []
    for el in root.iter(f"{NS}text"):
        content = (el.text or "") + "".join(c.tail or "" for c in el)
        size = float(el.attrib["font-size"])
        x, y = float(el.attrib["x"]), float(el.attrib["y"])
        anchor = el.attrib.get("text-anchor", "start")
        bold = el.attrib.get("font-weight") == "bold"
        box = text_box(x, y, content, size, anchor, bold)
        m = re.match(r"rotate\(-90 ([\d.]+) ([\d.]+)\)", el.attrib.get("transform", ""))
        if m:
            cx, cy = float(m.group(1)), float(m.group(2))
            w = text_width(content, size, bold=bold)
            box = Box(cx - ASCENT * size, cy - w / 2, cx + DESCENT * size, cy + w / 2)
        out.append(Label(content, el.attrib.get("class", ""), box))
    return out


def overlapping(items: list[Label]) -> list[tuple[str, str]]:
    return [
        (a.text, b.text)
        for i, a in enumerate(items)
        for b in items[i + 1 :]
        if a.box.overlaps(b.box)
    ]


def outside(root: ET.Element) -> list[str]:
    vb = viewbox(root)
    return [lab.text for lab in labels(root) if not lab.box.inside(vb)]
