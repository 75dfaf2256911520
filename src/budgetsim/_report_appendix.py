"""The report's appendix: every number of the scenario with its clause or its assumption, and
the sections of the calibration notes those texts cite.

The appendix reads the parameter table (:func:`budgetsim.parameters.parameters`), the one table
sensitivity analysis reads too: one row per number with its name, value, unit, grade and
plausible range, then the clause it quotes or the assumption with its reasoning, in the
report's language where the scenario gives the text in it. Numbers are grouped by the block of
the scenario they belong to (a programme, a population …), and a clause or assumption shared by
consecutive numbers of a block is written once beside them.

Scenario texts cite the calibration notes as ``calibration §10``, ``§3.1`` or ``§3.2, §10``.
Every such citation becomes a link to the cited section, which the page reproduces at its end
(heading, text and tables, the public sources as links), rendered from ``docs/calibration.md``
with markdown-it. The notes ship in the wheel as ``budgetsim/docs/calibration.md``
(:func:`calibration_text` reads them there, or from the repository's ``docs/`` in a source tree
or an editable install).

A Chinese report reproduces the Chinese edition, ``docs/calibration.zh.md`` (shipped beside the
English one, with the same section numbers, tables and sources); a section the Chinese edition
lacks is reproduced from the English notes, and the page says which.
"""

from __future__ import annotations

import html
import importlib.resources
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from markdown_it import MarkdownIt

from budgetsim.metrics import Lang
from budgetsim.words import WORDS, choice, word

__all__ = [
    "Section",
    "appendix_html",
    "appendix_texts",
    "calibration_html",
    "calibration_sections",
    "calibration_text",
    "citations",
]

#: The calibration notes' file, in the package's ``docs/`` folder (wheel) or the repository's.
CALIBRATION = "calibration.md"
#: The notes' file in each language (the Chinese edition has the English one's section numbers).
CALIBRATION_FILES: Mapping[Lang, str] = {"en": CALIBRATION, "zh": "calibration.zh.md"}

#: Sections of a scenario in the order the appendix shows them (any other section after).
SECTIONS = ("programmes", "funds", "limits", "riskfunds", "targets", "populations")

#: A citation of the calibration notes: ``§10``, ``§3.1``.
_CITATION = re.compile(r"§\s?(\d+(?:\.\d+)?)")
#: A numbered heading of the notes: ``## 5. Risk pools`` or ``### 5.1 Risk pools``.
_HEADING = re.compile(r"^(#{2,3})\s+(\d+(?:\.\d+)?)\.?\s+(.+?)\s*$")
#: A bare web address in the notes (ending before trailing punctuation).
_URL = re.compile(r"(?<![<(\w])(https?://[^\s<>|]+?)(?=[.,;:!?)\]]*(?:\s|$|\|))")


# -- the calibration notes -----------------------------------------------------------------------


def _places(name: str) -> Iterator[Any]:
    """Where the notes' file ``name`` may be: in the installed package, then in the source
    tree's ``docs/`` (``src/budgetsim/`` → the repository root), where an editable install
    finds them."""
    yield importlib.resources.files("budgetsim") / "docs" / name
    yield Path(__file__).resolve().parents[2] / "docs" / name


def calibration_text(lang: Lang = "en") -> str:
    """The calibration notes as Markdown: ``docs/calibration.md``, or its Chinese edition
    ``docs/calibration.zh.md`` for ``lang="zh"``.

    Raises
    ------
    FileNotFoundError
        When neither the package nor the source tree holds them (a broken install).
    """
    name = CALIBRATION_FILES[lang]
    for place in _places(name):
        if place.is_file():
            return str(place.read_text(encoding="utf-8"))
    raise FileNotFoundError(
        f"the calibration notes ({name}) are neither in the budgetsim package's docs/ "
        "nor in the repository's docs/: reinstall budgetsim"
    )


@dataclass(frozen=True)
class Section:
    """One numbered section (``"5"``) or subsection (``"5.1"``) of the calibration notes.

    Attributes
    ----------
    number
        ``"5"`` or ``"5.1"``, as cited.
    title
        The heading's text after the number.
    markdown
        The section's Markdown from its heading to the next heading of its level or above (a
        section holds its subsections).
    lang
        The language the section is written in.
    """

    number: str
    title: str
    markdown: str
    lang: Lang = "en"

    @property
    def anchor(self) -> str:
        """The id of the section's heading in the report (``calibration-5-1``)."""
        return "calibration-" + self.number.replace(".", "-")

    @property
    def parent(self) -> str | None:
        """The number of the section a subsection belongs to."""
        return self.number.split(".")[0] if "." in self.number else None


def calibration_sections(text: str | None = None, lang: Lang = "en") -> dict[str, Section]:
    """The numbered sections and subsections of the calibration notes, by number.

    Parameters
    ----------
    text
        The notes' Markdown, written in ``lang``; when None, the shipped notes in ``lang``
        (:func:`calibration_text`), and for ``"zh"`` every section the Chinese edition lacks
        taken from the English notes (its ``lang`` says so).
    lang
        ``"en"`` or ``"zh"``.

    Examples
    --------
    >>> notes = "# T\\n\\n## 5. Pools\\n\\nSee.\\n\\n### 5.1 Risk\\n\\nA.\\n\\n---\\n\\n## 6. Next"
    >>> sections = calibration_sections(notes)
    >>> sorted(sections), sections["5.1"].markdown
    (['5', '5.1', '6'], '### 5.1 Risk\\n\\nA.')
    """
    if text is None and lang != "en":
        english = calibration_sections(calibration_text("en"), "en")
        return english | calibration_sections(calibration_text(lang), lang)
    lines = (calibration_text(lang) if text is None else text).splitlines()
    heads = [(i, m) for i, line in enumerate(lines) if (m := _HEADING.match(line))]
    out = {}
    for k, (start, match) in enumerate(heads):
        level = len(match.group(1))
        end = next((i for i, m in heads[k + 1 :] if len(m.group(1)) <= level), len(lines))
        body = lines[start:end]
        while body and body[-1].strip() in ("", "---"):
            body.pop()
        number = match.group(2)
        out[number] = Section(number, match.group(3), "\n".join(body), lang)
    return out


def citations(text: str) -> list[str]:
    """The section numbers a text cites (``§3.2, §10`` → ``["3.2", "10"]``), in order.

    Examples
    --------
    >>> citations("Zhongshan had 3,043 TSMEs (S) (calibration §3.1, §10).")
    ['3.1', '10']
    """
    return _CITATION.findall(text)


def _reproduced(cited: Iterable[str], sections: Mapping[str, Section]) -> list[Section]:
    """The sections to reproduce for ``cited``: each once, a subsection inside its cited
    section only once, in the notes' order."""
    known = {n for n in cited if n in sections}
    keep = [n for n in known if sections[n].parent not in known]
    return sorted((sections[n] for n in keep), key=lambda s: [int(p) for p in s.number.split(".")])


def _linked_urls(markdown: str) -> str:
    """Bare web addresses as Markdown autolinks (``<https://…>``)."""
    return _URL.sub(r"<\1>", markdown)


_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def _render(section: Section) -> str:
    """A section as HTML: its headings one level down (the report's ``h2`` holds them) with
    ids that citations link to, its tables, its sources as links."""
    tokens = _MARKDOWN.parse(_linked_urls(section.markdown))
    for i, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + 1)}"
        if token.type == "heading_open":
            match = re.match(r"(\d+(?:\.\d+)?)", tokens[i + 1].content)
            if match:
                token.attrSet("id", "calibration-" + match.group(1).replace(".", "-"))
    return str(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {}))


def _in_language(shown: Sequence[Section], lang: Lang) -> list[Section]:
    """``shown`` with every section of the shipped English notes replaced by its text in
    ``lang`` (the shipped edition in ``lang``, or the English where it lacks the section);
    other sections (notes given as text) as they are."""
    if lang == "en" or all(s.lang == lang for s in shown):
        return list(shown)
    english = calibration_sections(lang="en")
    edition = calibration_sections(lang=lang)
    return [edition[s.number] if english.get(s.number) == s else s for s in shown]


def calibration_html(cited: Iterable[str], sections: Mapping[str, Section], lang: Lang) -> str:
    """The page's last section: the cited sections of the calibration notes in ``lang``;
    empty when none is cited.

    Parameters
    ----------
    cited
        The section numbers the appendix cites.
    sections
        The notes' sections (:func:`calibration_sections`). Sections of the shipped English
        notes are reproduced from the edition in ``lang`` (the Chinese one for ``"zh"``,
        falling back to the English section by section); the note above them says which
        edition the text is, and which sections, if any, are left in English.
    lang
        ``"zh"`` or ``"en"``.
    """
    shown = _in_language(_reproduced(cited, sections), lang)
    if not shown:
        return ""
    note = word("calibration_note", lang)
    if lang != "en" and any(s.lang == lang for s in shown):
        note = word("calibration_note_translated", lang)
    untranslated = [s.number for s in shown if s.lang != lang]
    if lang != "en" and untranslated:
        numbers = "、".join("§" + n for n in untranslated)
        note += word("calibration_untranslated", lang).format(numbers=numbers)
    parts = [
        '<section id="calibration" class="calibration">',
        f'<h2 class="major">{html.escape(word("heading_calibration", lang))}</h2>',
        f"<p>{html.escape(note)}</p>",
        *(_render(s) for s in shown),
        "</section>",
    ]
    return "\n".join(parts)


# -- the appendix --------------------------------------------------------------------------------


def _number(value: Any) -> str:
    """A number as the appendix writes it: whole numbers with thousands separators, others
    with up to four significant digits (one decimal from 100 up)."""
    x = float(value)
    if x.is_integer():
        return f"{int(x):,}"
    return f"{x:,.1f}" if abs(x) >= 100 else f"{x:.4g}"


def _value(value: Any, kind: str, lang: Lang) -> str:
    """A number, per-year list, range or choice (with the value to type) as text."""
    if isinstance(value, bool):
        return word("yes" if value else "no", lang)
    if isinstance(value, str):
        return choice(value, lang)
    if isinstance(value, tuple | list):
        parts = [_value(v, "number", lang) for v in value]
        return "–".join(parts) if kind == "range" else " / ".join(parts)
    if value is None:
        return "—"
    return _number(value)


def _range(low: Any, high: Any, kind: str, lang: Lang) -> str:
    """The plausible range, low–high (per year: one range per year); ``—`` when none."""
    if low is None or high is None:
        return "—"
    if isinstance(low, tuple | list) and kind != "range":
        return " / ".join(f"{_number(a)}–{_number(b)}" for a, b in zip(low, high, strict=True))
    return f"{_value(low, kind, lang)} – {_value(high, kind, lang)}"


class _Links:
    """Writes texts with their calibration citations as links, remembering what was cited."""

    def __init__(self, sections: Mapping[str, Section]) -> None:
        self.sections = sections
        self.cited: list[str] = []

    def __call__(self, text: str) -> str:
        def link(match: re.Match[str]) -> str:
            number = match.group(1)
            if number not in self.sections:
                return match.group(0)
            if number not in self.cited:
                self.cited.append(number)
            anchor = self.sections[number].anchor
            return f'<a class="cite" href="#{anchor}">{match.group(0)}</a>'

        return _CITATION.sub(link, html.escape(text))


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


#: The grade an assumption's text may start with (``E. …``): the grade column says it.
_GRADE_LEAD = re.compile(r"^\s*[SDE]\s*[.:：]\s*")


def _basis(source: str, assumption: str, links: _Links, lang: Lang) -> str:
    """The clause, as a quotation, and the assumption with its reasoning."""
    assumption = _GRADE_LEAD.sub("", assumption)
    parts = []
    if source:
        parts.append(
            f'<blockquote class="clause"><span class="tag">{html.escape(word("cites", lang))}'
            f"</span>{links(source)}</blockquote>"
        )
    if assumption:
        parts.append(
            f'<p class="assumption"><span class="tag">{html.escape(word("assumes", lang))}'
            f"</span>{links(assumption)}</p>"
        )
    return "".join(parts) or "—"


def _block_label(scenario: Any, section: str, block: str, lang: Lang) -> str:
    """A block's label in ``lang``; a limit without one is named by the programmes it binds."""
    spec = (getattr(scenario, section, None) or {}).get(block)
    named = getattr(spec, "label_en", None) if lang == "en" else getattr(spec, "label", None)
    if named:
        return str(named)
    members = getattr(spec, "programmes", None)
    if section == "limits" and members:
        sep = "、" if lang == "zh" else "; "
        names = sep.join(_block_label(scenario, "programmes", p, lang) for p in members)
        return word("limit_among", lang).format(names=names)
    return str(getattr(spec, "label", None) or block)


def _rows(table: pd.DataFrame, prefixes: Sequence[str], links: _Links, lang: Lang) -> Iterator[str]:
    """One ``<tr>`` per number of a block (its name without the block's, ``prefixes``); a
    clause or assumption shared by consecutive numbers spans their rows."""
    records = list(table.itertuples())
    bases = [(_text(r.source), _text(r.assumption)) for r in records]
    run = 0
    for i, r in enumerate(records):
        name = str(r.label)
        for prefix in prefixes:
            if name.startswith(prefix + " · "):
                name = name[len(prefix) + 3 :]
                break
        grade = _text(r.grade)
        shown_range = _range(r.low, r.high, str(r.type), lang)
        if r.range_from == "default" and shown_range != "—":
            shown_range += word("range_default", lang)
        unit = "" if r.type == "choice" else str(r.unit)
        cells = [
            f'<td class="name">{html.escape(name)}</td>',
            f'<td class="{"choice" if r.type == "choice" else "value"}">'
            f"{html.escape(_value(r.value, str(r.type), lang))}</td>",
            f"<td>{html.escape(unit)}</td>",
            f'<td class="grade">{html.escape(grade or "—")}</td>',
            f'<td class="value">{html.escape(shown_range)}</td>',
        ]
        if run == 0:
            run = 1
            while i + run < len(records) and bases[i + run] == bases[i]:
                run += 1
            span = f' rowspan="{run}"' if run > 1 else ""
            cells.append(f'<td class="basis"{span}>{_basis(*bases[i], links, lang)}</td>')
        run -= 1
        yield "<tr>" + "".join(cells) + "</tr>"


def appendix_html(
    scenario: Any, table: pd.DataFrame, sections: Mapping[str, Section], lang: Lang
) -> tuple[str, list[str]]:
    """The appendix: per section of the scenario a table of its numbers, grouped by block.

    Parameters
    ----------
    scenario
        The loaded scenario (for the blocks' labels).
    table
        Its parameter table in ``lang`` (:func:`budgetsim.parameters.parameters`).
    sections
        The calibration notes' sections (:func:`calibration_sections`), for the links.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    tuple of str and list of str
        The HTML, and the numbers of the calibration sections it cites (in order of first
        citation).
    """
    links = _Links(sections)
    header = "".join(
        f"<th>{html.escape(word(key, lang))}</th>"
        for key in ("label", "value", "unit", "grade", "range", "basis")
    )
    colgroup = "".join(
        f'<col class="{name}">' for name in ("name", "value", "unit", "grade", "range", "basis")
    )
    parts = [
        f'<h2 class="major" id="appendix">{html.escape(word("heading_appendix", lang))}</h2>',
        f"<p>{html.escape(word('appendix_note', lang))}</p>",
        f'<p class="legend">{html.escape(word("grade_legend", lang))}</p>',
    ]
    paths = pd.Series(table.index.astype(str), index=table.index)
    section_of = paths.str.split(".").str[0]
    block_of = paths.str.split(".").str[1]
    order = [s for s in SECTIONS if (section_of == s).any()]
    order += [s for s in dict.fromkeys(section_of) if s not in SECTIONS]
    for section in order:
        here = table[(section_of == section).to_numpy()]
        key = f"section_{section}"
        title = word(key, lang) if key in WORDS else section
        parts += [
            f"<h3>{html.escape(title)}</h3>",
            f'<table class="appendix"><colgroup>{colgroup}</colgroup>',
            f"<thead><tr>{header}</tr></thead><tbody>",
        ]
        blocks = block_of[(section_of == section).to_numpy()]
        for block in dict.fromkeys(blocks):
            label = _block_label(scenario, section, str(block), lang)
            rows = here[(blocks == block).to_numpy()]
            parts.append(f'<tr class="block"><th colspan="6">{html.escape(label)}</th></tr>')
            parts.extend(_rows(rows, (label, str(block)), links, lang))
        parts.append("</tbody></table>")
    return "\n".join(parts), links.cited


def appendix_texts(table: pd.DataFrame) -> Sequence[str]:
    """The clauses and assumptions of a parameter table (to check their citations)."""
    texts = [_text(v) for column in ("source", "assumption") for v in table[column]]
    return [t for t in dict.fromkeys(texts) if t]
