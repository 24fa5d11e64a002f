"""Read and write quiz questions in the two text formats Moodle imports natively: GIFT and Moodle XML.

Pure Python (no Django): parsers return :class:`ParsedQuestion` records; writers take any objects
with the same attributes (the ORM questions included). References:
- GIFT: Moodle documentation, "GIFT format" (docs.moodle.org/en/GIFT_format) and
  ``question/format/gift/format.php``: escapes ``\\~ \\= \\# \\{ \\} \\:``, ``::name::``,
  ``=`` right / ``~`` wrong / ``~%50%`` weighted answers, ``#feedback``, ``####general feedback``,
  ``{T}``/``{FALSE#wrong-answer feedback#right-answer feedback}``, ``{#3.14:0.01}``, ``{#1..5}``.
- Moodle XML: docs.moodle.org/en/Moodle_XML_format (``<quiz><question type="multichoice">`` …,
  answer ``fraction`` in percent, ``<tolerance>`` for numerical answers).

Supported kinds: single, multiple, truefalse, numeric, short. Anything else (essay, matching,
cloze…) is refused with an error naming the question, so an import never half-succeeds.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeET

KINDS = ("single", "multiple", "truefalse", "numeric", "short")


class QuizFormatError(ValueError):
    """A file cannot be imported; the message names the question (by name or number)."""

    def __init__(self, message: str, question: str | None = None) -> None:
        self.question = question
        super().__init__(f"{question} : {message}" if question else message)


@dataclass
class ParsedAnswer:
    text: str = ""
    fraction: Decimal = Decimal(0)  # share of the points, -1 to 1
    feedback: str = ""
    value: float | None = None
    tolerance: float = 0.0


@dataclass
class ParsedQuestion:
    kind: str
    name: str
    text: str
    general_feedback: str = ""
    points: Decimal = Decimal(1)
    answers: list[ParsedAnswer] = field(default_factory=list)


def validate(question: ParsedQuestion, label: str) -> None:
    """The rules every imported question must satisfy, whatever its format."""
    if question.kind not in KINDS:
        raise QuizFormatError(f"type de question non pris en charge ({question.kind})", label)
    if not question.text.strip():
        raise QuizFormatError("énoncé vide", label)
    answers = question.answers
    if not answers:
        raise QuizFormatError("aucune réponse", label)
    for a in answers:
        if not Decimal(-1) <= a.fraction <= Decimal(1):
            raise QuizFormatError(
                f"pondération hors de [-100 %, 100 %] ({a.fraction * 100} %)", label
            )
    best = max(a.fraction for a in answers)
    if question.kind == "numeric":
        if any(a.value is None for a in answers):
            raise QuizFormatError("réponse numérique sans valeur", label)
        if any(a.tolerance < 0 for a in answers):
            raise QuizFormatError("tolérance négative", label)
    if question.kind in ("single", "multiple") and len(answers) < 2:
        raise QuizFormatError("un QCM demande au moins deux réponses", label)
    if question.kind == "multiple":
        total = sum((a.fraction for a in answers if a.fraction > 0), Decimal(0))
        if abs(total - 1) > Decimal("0.02"):
            raise QuizFormatError(
                f"les bonnes réponses doivent totaliser 100 % (ici {total * 100:.0f} %)", label
            )
    elif best != 1:
        raise QuizFormatError("aucune réponse ne vaut 100 %", label)


# --- GIFT -----------------------------------------------------------------------------------

_ESCAPES = {
    "\\\\": "\ue000",
    "\\~": "\ue001",
    "\\=": "\ue002",
    "\\#": "\ue003",
    "\\{": "\ue004",
    "\\}": "\ue005",
    "\\:": "\ue006",
}
_UNESCAPE = {v: k[1] for k, v in _ESCAPES.items()}
_FORMAT_PREFIX = re.compile(r"^\[(html|moodle|plain|markdown)\]\s*", re.IGNORECASE)
_PERCENT = re.compile(r"^%(-?\d+(?:[.,]\d+)?)%")


def _protect(text: str) -> str:
    for raw, mark in _ESCAPES.items():
        text = text.replace(raw, mark)
    return text


def _restore(text: str) -> str:
    for mark, char in _UNESCAPE.items():
        text = text.replace(mark, char)
    return text.replace("\\n", "\n").strip()


def _gift_blocks(source: str) -> list[tuple[int, str]]:
    """Questions separated by blank lines; ``//`` comment and ``$CATEGORY`` lines dropped."""
    blocks: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    for lineno, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("//") or stripped.startswith("$CATEGORY"):
            continue
        if not stripped:
            if current:
                blocks.append((start, "\n".join(current)))
                current = []
            continue
        if not current:
            start = lineno
        current.append(line)
    if current:
        blocks.append((start, "\n".join(current)))
    return blocks


def _split_feedback(part: str) -> tuple[str, str]:
    head, _sep, feedback = part.partition("#")
    return head, feedback


def _parse_fraction(text: str, label: str) -> tuple[Decimal | None, str]:
    match = _PERCENT.match(text)
    if not match:
        return None, text
    return Decimal(match.group(1).replace(",", ".")) / 100, text[match.end() :]


def _parse_number(text: str, label: str) -> tuple[float, float]:
    text = text.strip()
    try:
        if ".." in text:
            low, high = (float(x) for x in text.split(".."))
            if low > high:
                raise QuizFormatError(f"intervalle numérique inversé ({text})", label)
            return (low + high) / 2, (high - low) / 2
        value, _sep, tolerance = text.partition(":")
        return float(value), float(tolerance) if tolerance else 0.0
    except ValueError:
        raise QuizFormatError(f"nombre illisible ({_restore(text)!r})", label) from None


def _gift_answers(body: str, label: str) -> tuple[str, list[ParsedAnswer], str]:
    """Parse the inside of ``{...}``: returns (kind, answers, general feedback)."""
    body, _sep, general = body.partition("####")
    body = body.strip()
    if not body:
        raise QuizFormatError("question ouverte (essai) non prise en charge", label)
    if "->" in body:
        raise QuizFormatError("question d'appariement non prise en charge", label)
    head, _s, rest = body.partition("#")
    if head.strip().upper() in {"T", "TRUE", "F", "FALSE"} and not body.startswith("#"):
        truth = head.strip().upper().startswith("T")
        wrong_fb, _s2, right_fb = rest.partition("#")
        answers = [
            ParsedAnswer(
                "true", Decimal(1 if truth else 0), _restore(right_fb if truth else wrong_fb)
            ),
            ParsedAnswer(
                "false", Decimal(0 if truth else 1), _restore(wrong_fb if truth else right_fb)
            ),
        ]
        return "truefalse", answers, _restore(general)
    if body.startswith("#"):
        numeric = body[1:].strip()
        answers = []
        if numeric.startswith("="):
            for part in re.split(r"\s*=\s*", numeric)[1:]:
                fraction, part = _parse_fraction(part.strip(), label)
                number, feedback = _split_feedback(part)
                value, tolerance = _parse_number(number, label)
                answers.append(
                    ParsedAnswer(
                        _restore(number),
                        fraction if fraction is not None else Decimal(1),
                        _restore(feedback),
                        value,
                        tolerance,
                    )
                )
        else:
            number, feedback = _split_feedback(numeric)
            value, tolerance = _parse_number(number, label)
            answers.append(
                ParsedAnswer(_restore(number), Decimal(1), _restore(feedback), value, tolerance)
            )
        return "numeric", answers, _restore(general)
    parts = re.split(r"([=~])", body)
    if parts[0].strip():
        raise QuizFormatError(
            f"réponse sans préfixe = ou ~ ({_restore(parts[0].strip())!r})", label
        )
    answers = []
    has_wrong = False
    has_full = False
    for marker, raw in zip(parts[1::2], parts[2::2], strict=True):
        fraction, raw = _parse_fraction(raw.strip(), label)
        text, feedback = _split_feedback(raw)
        if marker == "=":
            has_full = has_full or fraction is None
            fraction = Decimal(1) if fraction is None else fraction
        else:
            has_wrong = True
            fraction = Decimal(0) if fraction is None else fraction
        if not _restore(text):
            raise QuizFormatError("réponse vide", label)
        answers.append(ParsedAnswer(_restore(text), fraction, _restore(feedback)))
    if not has_wrong:
        kind = "short"
    elif has_full or sum(1 for a in answers if a.fraction > 0) <= 1:
        kind = "single"
    else:
        kind = "multiple"
    return kind, answers, _restore(general)


def parse_gift(source: str) -> list[ParsedQuestion]:
    """Parse a GIFT file. Raises :class:`QuizFormatError` naming the first bad question."""
    questions: list[ParsedQuestion] = []
    for number, (lineno, block) in enumerate(_gift_blocks(source.lstrip("\ufeff")), start=1):
        raw = _protect(block)
        name = ""
        label = f"question {number} (ligne {lineno})"
        title = re.match(r"^\s*::(.*?)::", raw, re.DOTALL)
        if title:
            name = _restore(title.group(1))
            raw = raw[title.end() :]
            label = f"question « {name} » (ligne {lineno})"
        raw = _FORMAT_PREFIX.sub("", raw.strip())
        opening = raw.find("{")
        closing = raw.rfind("}")
        if opening < 0 or closing < opening:
            raise QuizFormatError("accolades { } des réponses absentes ou déséquilibrées", label)
        if "{" in raw[opening + 1 : closing]:
            raise QuizFormatError("accolade { non échappée dans les réponses (écrire \\{)", label)
        before, body, after = raw[:opening], raw[opening + 1 : closing], raw[closing + 1 :]
        text = _restore(before) + (" _____ " + _restore(after) if after.strip() else "")
        kind, answers, general = _gift_answers(body, label)
        question = ParsedQuestion(
            kind, name or text[:60], text.strip(), general, Decimal(1), answers
        )
        validate(question, label)
        questions.append(question)
    if not questions:
        raise QuizFormatError("le fichier ne contient aucune question")
    return questions


def _gift_escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in "~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def _pct(fraction: Any) -> str:
    value = Decimal(fraction) * 100
    return f"{value.normalize():f}" if value != value.to_integral() else str(int(value))


def _num(value: float) -> str:
    return repr(float(value)).rstrip("0").rstrip(".") if "." in repr(float(value)) else repr(value)


def to_gift(questions: Iterable[Any]) -> str:
    """Write questions (ParsedQuestion or ORM Question with ``answers``) as GIFT."""
    out: list[str] = ["// MedTandem — export GIFT", ""]
    for q in questions:
        answers = list(q.answers.all()) if hasattr(q.answers, "all") else list(q.answers)
        head = f"::{_gift_escape(q.name)}::{_gift_escape(q.text)} "
        general = f"####{_gift_escape(q.general_feedback)}" if q.general_feedback else ""
        if q.kind == "truefalse":
            truth = next(a for a in answers if Decimal(a.fraction) == 1).text == "true"
            right = next(a for a in answers if (a.text == "true") == truth)
            wrong = next(a for a in answers if (a.text == "true") != truth)
            fb = ""
            if right.feedback or wrong.feedback:
                fb = f"#{_gift_escape(wrong.feedback)}#{_gift_escape(right.feedback)}"
            out.append(f"{head}{{{'TRUE' if truth else 'FALSE'}{fb}{general}}}")
        elif q.kind == "numeric":
            parts = []
            for a in answers:
                weight = "" if Decimal(a.fraction) == 1 else f"%{_pct(a.fraction)}%"
                tol = f":{_num(a.tolerance)}" if a.tolerance else ""
                fb = f"#{_gift_escape(a.feedback)}" if a.feedback else ""
                parts.append(f"={weight}{_num(a.value)}{tol}{fb}")
            out.append(f"{head}{{#\n\t" + "\n\t".join(parts) + f"\n{general}}}")
        else:
            parts = []
            for a in answers:
                fraction = Decimal(a.fraction)
                if q.kind in ("single", "short") and fraction == 1:
                    prefix = "="
                elif q.kind == "short":
                    prefix = f"=%{_pct(fraction)}%"
                elif fraction == 0:
                    prefix = "~"
                else:
                    prefix = f"~%{_pct(fraction)}%"
                fb = f"#{_gift_escape(a.feedback)}" if a.feedback else ""
                parts.append(f"{prefix}{_gift_escape(a.text)}{fb}")
            out.append(f"{head}{{\n\t" + "\n\t".join(parts) + f"\n{general}}}")
        out.append("")
    return "\n".join(out)


# --- Moodle XML -----------------------------------------------------------------------------

_XML_KINDS = {
    "multichoice": None,
    "truefalse": "truefalse",
    "numerical": "numeric",
    "shortanswer": "short",
}


class _TextOnly(HTMLParser):
    """HTML question text to plain text (we never store foreign HTML)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "p", "div", "li"} and self.parts:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _html_to_text(value: str, fmt: str) -> str:
    if fmt not in ("html", "moodle_auto_format"):
        return value.strip()
    parser = _TextOnly()
    parser.feed(value)
    text = "".join(parser.parts)
    return re.sub(r"[ \t]+", " ", re.sub(r"\n\s*\n+", "\n\n", text)).strip()


def _text_of(element: ET.Element | None) -> str:
    if element is None:
        return ""
    node = element.find("text")
    raw = (node.text or "") if node is not None else (element.text or "")
    return _html_to_text(raw, element.get("format", "html"))


def parse_moodle_xml(source: str | bytes) -> list[ParsedQuestion]:
    """Parse a Moodle XML quiz file. Raises :class:`QuizFormatError` naming the first bad question.

    Parsed with :mod:`defusedxml` and ``forbid_dtd=True``: a document type declaration anywhere in
    the file (so no entity, internal or external, can be declared or expanded: no "billion laughs",
    no file read through an external entity) is refused outright; Moodle's own exports have none.
    """
    try:
        root = SafeET.fromstring(
            source, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DTDForbidden:
        raise QuizFormatError(
            "déclaration DOCTYPE refusée : un fichier Moodle XML n'en contient pas, et les "
            "entités XML ne sont pas acceptées"
        ) from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise QuizFormatError(
            "entités XML refusées (déclarations ENTITY ou références externes)"
        ) from None
    except ET.ParseError as exc:
        raise QuizFormatError(f"XML mal formé ({exc})") from None
    except (ValueError, LookupError) as exc:  # e.g. an unknown encoding in the XML declaration
        raise QuizFormatError(f"XML illisible ({exc})") from None
    if root.tag != "quiz":
        raise QuizFormatError(f"élément racine <quiz> attendu, trouvé <{root.tag}>")
    questions: list[ParsedQuestion] = []
    number = 0
    for element in root.findall("question"):
        qtype = element.get("type", "")
        if qtype == "category":
            continue
        number += 1
        name = _text_of(element.find("name"))
        label = f"question « {name} »" if name else f"question {number}"
        if qtype not in _XML_KINDS:
            raise QuizFormatError(
                f"type de question Moodle non pris en charge ({qtype or '?'})", label
            )
        kind = _XML_KINDS[qtype]
        if kind is None:
            single = (element.findtext("single") or "true").strip().lower() in {"true", "1"}
            kind = "single" if single else "multiple"
        try:
            points = Decimal((element.findtext("defaultgrade") or "1").strip())
        except ArithmeticError:
            raise QuizFormatError("note par défaut illisible", label) from None
        answers: list[ParsedAnswer] = []
        for position, node in enumerate(element.findall("answer")):
            try:
                fraction = Decimal(node.get("fraction", "0").replace(",", ".")) / 100
            except ArithmeticError:
                raise QuizFormatError(
                    f"pondération illisible à la réponse {position + 1}", label
                ) from None
            text = _text_of(node)
            answer = ParsedAnswer(text, fraction, _text_of(node.find("feedback")))
            if kind == "numeric":
                try:
                    answer.value = float(text)
                    answer.tolerance = float((node.findtext("tolerance") or "0").strip() or 0)
                except ValueError:
                    raise QuizFormatError(f"valeur numérique illisible ({text!r})", label) from None
            if kind == "truefalse":
                answer.text = "true" if text.strip().lower() in {"true", "vrai"} else "false"
            answers.append(answer)
        question = ParsedQuestion(
            kind,
            name or f"Question {number}",
            _text_of(element.find("questiontext")),
            _text_of(element.find("generalfeedback")),
            points,
            answers,
        )
        validate(question, label)
        questions.append(question)
    if not questions:
        raise QuizFormatError("le fichier ne contient aucune question")
    return questions


def _text_element(parent: ET.Element, tag: str, value: str, fmt: str | None = "html") -> ET.Element:
    element = ET.SubElement(parent, tag)
    if fmt:
        element.set("format", fmt)
    text = ET.SubElement(element, "text")
    text.text = value
    return element


def _as_html(text: str) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n") if p.strip()) or "<p></p>"


def to_moodle_xml(questions: Iterable[Any], category: str = "") -> str:
    """Write questions as a Moodle XML ``<quiz>`` document."""
    root = ET.Element("quiz")
    if category:
        cat = ET.SubElement(root, "question", type="category")
        _text_element(cat, "category", f"$course$/{category}", fmt=None)
    reverse = {
        "single": "multichoice",
        "multiple": "multichoice",
        "truefalse": "truefalse",
        "numeric": "numerical",
        "short": "shortanswer",
    }
    for q in questions:
        answers = list(q.answers.all()) if hasattr(q.answers, "all") else list(q.answers)
        element = ET.SubElement(root, "question", type=reverse[q.kind])
        _text_element(element, "name", q.name, fmt=None)
        _text_element(element, "questiontext", _as_html(q.text))
        _text_element(
            element, "generalfeedback", _as_html(q.general_feedback) if q.general_feedback else ""
        )
        ET.SubElement(element, "defaultgrade").text = f"{Decimal(q.points):.7f}"
        if q.kind in ("single", "multiple"):
            ET.SubElement(element, "single").text = "true" if q.kind == "single" else "false"
            ET.SubElement(element, "shuffleanswers").text = "true"
            ET.SubElement(element, "answernumbering").text = "abc"
        if q.kind == "short":
            ET.SubElement(element, "usecase").text = "0"
        for a in answers:
            fmt = "moodle_auto_format" if q.kind in ("numeric", "short", "truefalse") else "html"
            answer = ET.SubElement(element, "answer", fraction=_pct(a.fraction), format=fmt)
            value = (
                _num(a.value)
                if q.kind == "numeric"
                else (a.text if fmt != "html" else html.escape(a.text))
            )
            ET.SubElement(answer, "text").text = value
            _text_element(answer, "feedback", html.escape(a.feedback) if a.feedback else "")
            if q.kind == "numeric":
                ET.SubElement(answer, "tolerance").text = _num(a.tolerance)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
