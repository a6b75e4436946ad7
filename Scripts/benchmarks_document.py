"""The one place that writes a benchmark's section into BENCHMARKS.md: the text between
`<!-- NAME:start -->` and `<!-- NAME:end -->` is replaced, the rest of the file kept."""
import re


def replace_section(path, name, table):
    """Replaces the section `name` of the file at `path` with `table` (which carries the markers)."""
    document = open(path).read()
    pattern = re.compile(rf"<!-- {re.escape(name)}:start -->.*?<!-- {re.escape(name)}:end -->", re.S)
    if not pattern.search(document):
        raise SystemExit(f"{path} has no {name} markers")
    open(path, "w").write(pattern.sub(lambda _: table, document))
