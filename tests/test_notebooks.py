"""Every notebook is committed with its outputs stripped, reads in Chinese first, and runs top to
bottom with the public API when papermill sets its parameters cell from outside (200 draws,
seed 2): the values injected are the ones used, the tables' headers are words a reader knows,
not code names, and with ``LANG = "en"`` the tables and printed lines are English."""

import re
from pathlib import Path
from typing import Any

import nbformat
import papermill
import pytest

import budgetsim
from budgetsim.metrics import REGISTRY, label
from budgetsim.words import WORDS, code_names, word

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))
#: The example lists, which a notebook that reads them takes as its EXAMPLES parameter (the
#: tests run notebooks in a temporary folder, and an installed budgetsim has no examples/).
EXAMPLES = Path(__file__).parents[1] / "examples"
#: What the tests inject: a seed other than the notebooks' own, so that its use shows.
INJECTED = {"DRAWS": 200, "SEED": 2}
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
HEADER = re.compile(r"<th[^>]*>(.*?)</th>", re.S)


def _run(path: Path, tmp_path: Path, **parameters: Any) -> nbformat.NotebookNode:
    """The notebook executed by papermill with ``parameters`` injected, run in ``tmp_path``."""
    out = tmp_path / path.name
    if "EXAMPLES" in nbformat.read(path, as_version=4).cells[1].source:
        parameters = {"EXAMPLES": str(EXAMPLES), **parameters}
    papermill.execute_notebook(
        str(path),
        str(out),
        parameters={**INJECTED, **parameters},
        kernel_name="python3",
        cwd=str(tmp_path),
        progress_bar=False,
    )
    return nbformat.read(out, as_version=4)


def _outputs(book: nbformat.NotebookNode) -> list[Any]:
    return [o for c in book.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def _printed(book: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in _outputs(book) if o["output_type"] == "stream")


def _headers(book: nbformat.NotebookNode) -> list[str]:
    """The text of every header cell of every table (pandas frames shown as HTML)."""
    tables = [o["data"]["text/html"] for o in _outputs(book) if "text/html" in o.get("data", {})]
    return [re.sub(r"<[^>]+>", "", h).strip() for t in tables for h in HEADER.findall(t)]


def _code_names(lang: str) -> set[str]:
    """The code names a header must not be, less those that are also a word of ``lang``
    (``envelope`` is the English label of ``envelope``)."""
    words = {label(n, lang) for n in REGISTRY} | {w.text(lang) for w in WORDS.values()}
    return set(code_names()) - words


def _images(book: nbformat.NotebookNode) -> int:
    return sum("image/png" in o.get("data", {}) for o in _outputs(book))


def _parameters(path: Path) -> dict[str, str]:
    """The notebook's parameters as papermill reads them: name → default (as written)."""
    return {k: v["default"] for k, v in papermill.inspect_notebook(str(path)).items()}


def test_there_is_a_notebook_for_every_bundled_scenario() -> None:
    scenarios = {_parameters(p)["SCENARIO"].strip("\"'") for p in NOTEBOOKS}
    for scenario in budgetsim.bundled_scenarios():
        assert scenario.id in scenarios, scenario.id


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stripped_with_one_parameters_cell(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "outputs committed"
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert tagged[0] is code[0], "the parameters come before any code that uses them"
    parameters = _parameters(path)
    assert {*INJECTED, "LANG", "SCENARIO"} <= set(parameters)
    assert parameters["LANG"].strip("\"'") == "zh"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_reads_in_chinese_first(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type != "markdown":
            continue
        prose = re.sub(r"`[^`]*`", "", cell.source)  # names in code spans are not prose
        first = re.search(r"[A-Za-z\u3400-\u9fff]", prose)
        assert first is not None, cell.source[:80]
        assert CJK.match(first.group()), cell.source[:80]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_with_parameters_injected(path: Path, tmp_path: Path) -> None:
    book = _run(path, tmp_path)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in book.cells)
    errors = [o for o in _outputs(book) if o["output_type"] == "error"]
    assert errors == []
    # the run used the injected draws and seed (the line is printed from the result itself)
    used = word("draws_seed", "zh").format(draws=INJECTED["DRAWS"], seed=INJECTED["SEED"])
    assert used in _printed(book)
    assert _images(book) >= 1, "every notebook draws a chart"
    headers = _headers(book)
    assert headers, "every notebook shows a table"
    assert not set(headers) & _code_names("zh"), "a code name as a table header"
    assert any(CJK.search(h) for h in headers)


def test_notebook_in_english(tmp_path: Path) -> None:
    book = _run(NOTEBOOKS[0], tmp_path, LANG="en")
    printed = _printed(book)
    assert "200 draws · seed 2" in printed
    assert not CJK.search(printed), printed
    headers = _headers(book)
    assert label("demand_mean", "en") in headers
    assert not set(headers) & _code_names("en")
    assert [h for h in headers if CJK.search(h)] == []
    assert _images(book) >= 1
