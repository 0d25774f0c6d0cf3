"""Build notebooks/*.ipynb from their sources, tools/notebook_sources/*.py ("percent" scripts).

    python tools/make_notebooks.py            # write every notebook
    python tools/make_notebooks.py --check    # exit 1 if a committed notebook differs

A source is a Python file of cells, each starting with a ``# %%`` line; ``# %% [markdown]``
starts a markdown cell whose lines are comments (``# text``). The notebooks are written without
outputs, with fixed cell ids and metadata, so the same source always gives the same file and a
diff of a source is the diff of its notebook. Needs nbformat (the ``notebooks`` or ``test``
extra).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "tools" / "notebook_sources"
NOTEBOOKS = ROOT / "notebooks"

KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def parse_cells(text: str, where: str) -> list[tuple[str, str]]:
    """``[(kind, source)]`` of a percent script; kind is "code" or "markdown"."""
    cells: list[tuple[str, list[str]]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("# %%"):
            marker = line[4:].strip()
            if marker not in ("", "[markdown]"):
                raise ValueError(
                    f"{where}:{number}: expected '# %%' or '# %% [markdown]', found {line!r}"
                )
            cells.append(("markdown" if marker else "code", []))
            continue
        if not cells:
            if line.strip():
                raise ValueError(f"{where}:{number}: text before the first '# %%' cell marker")
            continue
        kind, lines = cells[-1]
        if kind == "markdown" and line.strip():
            if not (line == "#" or line.startswith("# ")):
                raise ValueError(
                    f"{where}:{number}: a markdown cell's lines start with '# ', found {line!r}"
                )
            line = line[2:]
        elif kind == "markdown":
            line = ""
        lines.append(line)
    out = []
    for kind, lines in cells:
        body = "\n".join(lines).strip("\n")
        if not body.strip():
            raise ValueError(f"{where}: an empty {kind} cell")
        out.append((kind, body))
    return out


def build(source: Path):
    """The notebook (an nbformat node) of one source file."""
    import nbformat

    cells = []
    for i, (kind, body) in enumerate(parse_cells(source.read_text(), str(source))):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = make(body)
        cell["id"] = f"{source.stem.replace('_', '-')}-{i:02d}"[-64:]
        cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {"kernelspec": dict(KERNEL), "language_info": {"name": "python"}}
    nbformat.validate(nb)
    return nb


def render(source: Path) -> str:
    """The .ipynb text of one source file."""
    import nbformat

    return nbformat.writes(build(source)) + "\n"


def sources() -> list[Path]:
    return sorted(SOURCES.glob("*.py"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--check",
        action="store_true",
        help="report notebooks that differ from their sources; write nothing",
    )
    args = ap.parse_args(argv)
    stale = []
    for src in sources():
        target = NOTEBOOKS / f"{src.stem}.ipynb"
        text = render(src)
        if target.is_file() and target.read_text() == text:
            continue
        if args.check:
            stale.append(target)
            continue
        NOTEBOOKS.mkdir(exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(text)
        tmp.replace(target)
        print(f"wrote {target.relative_to(ROOT)}")
    orphans = sorted({p.stem for p in NOTEBOOKS.glob("*.ipynb")} - {s.stem for s in sources()})
    for name in orphans:
        print(f"notebooks/{name}.ipynb has no source tools/notebook_sources/{name}.py")
    for target in stale:
        print(
            f"{target.relative_to(ROOT)} differs from its source: run python "
            "tools/make_notebooks.py"
        )
    return 1 if stale or orphans else 0


if __name__ == "__main__":
    sys.exit(main())
