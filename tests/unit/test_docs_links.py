"""Every "why" comment points inside the repository.

The facts the code relies on (API behaviour, archive layouts and clocks) are written in
``docs/facts/``. Code and docs cite them as ``docs/facts/<page>.md#<section>``; a citation of a
document that is not in the repository (a section sign with a number, or the name of one of the
research notes the project grew from) is not allowed, and every ``docs/<file>.md#<anchor>`` pointer
must name an existing file and one of its headings (as must every ``docs/facts/`` pointer).
"""

from __future__ import annotations

import re
from pathlib import Path


def _repo_root() -> Path:
    here = Path(__file__).resolve().parent
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "docs").is_dir():
            return folder
    raise AssertionError("repository root not found")


ROOT = _repo_root()
CODE = ("src", "tests", "bench")
SUFFIXES = {".py", ".md", ".txt", ".toml", ".cfg", ".ini", ".rst"}

SECTION_SIGN = "\u00a7"
#: a section-number citation ("reference <sign>1.3", "(<sign>2.4 example)")
SECTION_CITATION = re.compile(SECTION_SIGN + r"\s*\d")
#: the research notes outside the repository, by file name (docs/facts/ pages may share a name)
OUTSIDE = ("google-health-api", "fitbit-legacy-and-takeout", "research-studies", "peers", "style")
OUTSIDE_NAME = re.compile(r"(?<!facts/)(?<![\w-])(?:" + "|".join(map(re.escape, OUTSIDE)) + r")\.md\b")
POINTER = re.compile(r"\bdocs/((?:[\w.-]+/)*[\w.-]+\.md)(?:#([\w-]+))?")


def _files(*tops: str):
    for top in tops:
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES and "__pycache__" not in path.parts:
                yield path


def _lines(path: Path):
    text = path.read_bytes().decode("utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), 1):
        yield f"{path.relative_to(ROOT)}:{number}", line


def slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation dropped, blanks to '-'."""
    text = re.sub(r"[`*_]{2,}|`", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading anchor of a Markdown page (repeats get -1, -2 ... as on GitHub)."""
    seen: dict[str, int] = {}
    found = set()
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not re.match(r"#{1,6} ", line):
            continue
        base = slug(line.lstrip("#"))
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def test_slug_follows_github():
    assert slug("Identity, profile, settings and devices") == "identity-profile-settings-and-devices"
    assert slug("Today is the user's day") == "today-is-the-users-day"
    assert slug("429 body and Retry-After") == "429-body-and-retry-after"
    assert slug("`list` and paging") == "list-and-paging"


def test_no_citation_of_documents_outside_the_repository():
    bad = [
        f"{where}: {line.strip()}"
        for path in _files(*CODE)
        for where, line in _lines(path)
        if SECTION_CITATION.search(line) or OUTSIDE_NAME.search(line)
    ]
    assert not bad, "cite docs/facts/<page>.md#<section> instead:\n" + "\n".join(bad)


def test_every_docs_pointer_resolves():
    cache: dict[Path, set[str]] = {}
    bad = []
    pointers = 0
    for path in _files(*CODE, "docs"):
        for where, line in _lines(path):
            for m in POINTER.finditer(line):
                if not m.group(2) and not m.group(1).startswith("facts/"):
                    continue  # a path in another project's repository, not a pointer of ours
                pointers += 1
                page = ROOT / "docs" / m.group(1)
                if not page.is_file():
                    bad.append(f"{where}: no file docs/{m.group(1)}")
                    continue
                if m.group(2):
                    known = cache.setdefault(page, anchors(page))
                    if m.group(2) not in known:
                        bad.append(f"{where}: docs/{m.group(1)} has no heading #{m.group(2)}")
    assert pointers, "no docs/ pointer found at all"
    assert not bad, "\n".join(bad)


def test_facts_pages_link_to_each_other_correctly():
    facts = ROOT / "docs" / "facts"
    bad = []
    for page in sorted(facts.glob("*.md")):
        for where, line in _lines(page):
            for target, anchor in re.findall(r"\]\(([\w.-]+\.md)?(?:#([\w-]+))?\)", line):
                linked = facts / target if target else page
                if not linked.is_file():
                    bad.append(f"{where}: no file {target}")
                elif anchor and anchor not in anchors(linked):
                    bad.append(f"{where}: {linked.name} has no heading #{anchor}")
    assert not bad, "\n".join(bad)
