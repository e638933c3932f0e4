"""A large file is analyzed a few statements at a time (analysis/bounded.py): its results must be exactly those of
the whole tree. Every golden fixture is analyzed both ways (the threshold forced to 0), and so are generated files
above the real threshold: interprocedural calls both ways, one huge class, odd line breaks."""

from __future__ import annotations

import ast
import json

import pytest

from buffix.analysis import analyze_source, bounded
from buffix.analysis.parse import parse
from buffix.config import Config
from buffix.pipeline import MAX_BYTES
from tests.analyzer.golden import FIXTURES, analyze, cases
from tests.cli.test_check_e2e import buffix

CASES = cases()
WHOLE = 10**12  # a threshold no file reaches


def both_ways(monkeypatch, run):
    """(whole tree, in pieces) results of `run()`."""
    monkeypatch.setattr(bounded, "BOUNDED_MIN_CHARS", WHOLE)
    whole = run()
    monkeypatch.setattr(bounded, "BOUNDED_MIN_CHARS", 0)
    return whole, run()


@pytest.mark.parametrize("path", CASES, ids=[str(p.relative_to(FIXTURES)) for p in CASES])
def test_fixture_in_pieces_gives_the_results_of_the_whole_tree(path, monkeypatch):
    whole, pieces = both_ways(monkeypatch, lambda: analyze(path))
    assert whole.error is None
    assert pieces == whole  # findings with their messages, flows and fixes; the files they depend on


def test_the_fixtures_are_really_cut(monkeypatch):
    monkeypatch.setattr(bounded, "BOUNDED_MIN_CHARS", 0)
    tree = parse((FIXTURES / "flows_classes.py").read_bytes()).tree
    classes = [s for s in tree.body if isinstance(s, ast.ClassDef)]
    assert isinstance(tree.body, bounded._Body) and classes
    assert all(isinstance(c, bounded.StandIn) and isinstance(c.body, bounded._Body) for c in classes)
    assert all(isinstance(m, bounded.StandIn) for c in classes for m in c.body if isinstance(m, ast.FunctionDef))



def test_a_stand_in_holds_its_name_and_key_and_has_the_position_of_its_node(monkeypatch):
    """A function of a large file costs what it holds for the whole analysis (issue 12 item 7): a stand-in is its
    name and key (72 bytes; it was 128 and two line ints of 32), its position read from its module's arrays."""
    import sys

    from buffix.analysis.module import node_key

    monkeypatch.setattr(bounded, "BOUNDED_MIN_CHARS", 0)
    source = (FIXTURES / "flows_classes.py").read_bytes()
    tree, whole = parse(source).tree, ast.parse(source)

    def definitions(body):
        for statement in body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                yield statement
                if isinstance(statement, ast.ClassDef):
                    yield from definitions(statement.body)

    def where(node):
        return node.name, node.lineno, node.col_offset, node.end_lineno, node.end_col_offset, len(node.body)

    held = list(definitions(tree.body))
    assert [where(s) for s in held] == [where(s) for s in definitions(whole.body)] and len(held) > 10
    assert all(isinstance(s, bounded.StandIn) and sys.getsizeof(s) <= 72 for s in held)
    assert all(node_key(s) is s.key for s in held)  # the sets of keys share the stand-in's int
    assert all(not hasattr(s, "__dict__") or not s.__dict__ for s in held)

FUNCTION = '''
def fetch_{i}(url):
    """Returns a body: a summary read by callers above and below."""
    return requests.get(url).content


def use_{i}(url, out):
    data = fetch_{j}(url)  # a function defined {where}
    out.write(data); helper_{i} = lambda d: memoryview(d)
    return helper_{i}(fetch_{i}(url))


async def stream_{i}(session, path):
    async with session.get(path) as response:
        async for chunk in response.content.iter_chunked(1024):
            yield chunk


def padding_{i}(x):
    """Nothing to find here: {text}"""
    total = 0
    for k in range(x):
        total += k * {i}
    return total

'''

CLASS = '''
class Client(requests.Session):
    """One huge class: its methods are cut one level down."""

    registry = {{"plain": requests.get}}

    def __init__(self, base):
        super().__init__()
        self.base = base
        self.last = None
'''

METHOD = '''
    @property
    def body_{i}(self):
        return self.get(self.base + "/{i}").content

    def keep_{i}(self, url):
        self.last = requests.get(url).content

    def send_{i}(self, sink):
        sink.write(self.last)  # stored by another method
        return hashlib.sha256(self.body_{i}).hexdigest()

    def nested_{i}(self, url):
        def inner(u):
            return requests.get(u).content
        return zlib.compress(inner(url))

'''

HEAD = '''"""A generated module."""
import hashlib
import zlib
import requests

try:
    import ujson as json
except ImportError:
    import json
if json:
    def loads(raw):
        return json.loads(raw.decode())
else:
    loads = None
a = 1; b = 2
'''


def generate(functions: int, methods: int) -> str:
    parts = [HEAD]
    for i in range(functions):
        where = "above" if i % 2 else "below"
        j = i - 1 if i % 2 and i else min(i + 1, functions - 1)
        parts.append(FUNCTION.format(i=i, j=j, where=where, text="é ü 漢字" if i % 7 == 0 else "plain"))
    parts.append(CLASS.format())
    parts += [METHOD.format(i=i) for i in range(methods)]
    parts.append("\nclass Sub(Client):\n    def again(self, out):\n        out.write(self.last)\n")
    parts.append("\nmemoryview(Client('u').body_0)\n")
    return "".join(parts)


def run(text: str, newline: str = "\n"):
    data = text.replace("\n", newline).encode("utf-8")
    return analyze_source(data, "big.py", Config(min_confidence="low"))


def test_a_generated_large_file_in_pieces_gives_the_results_of_the_whole_tree(monkeypatch):
    text = generate(functions=600, methods=400)
    assert len(text) > 256 * 1024  # above the real threshold
    monkeypatch.setattr(bounded, "BOUNDED_MIN_CHARS", WHOLE)
    whole = run(text)
    monkeypatch.undo()
    assert bounded.BOUNDED_MIN_CHARS < len(text)
    pieces = run(text)
    assert whole.error is None and len(whole.findings) > 1000
    assert {f.code for f in whole.findings} >= {"BFX104", "BFX105", "BFX201"}
    assert pieces == whole


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_other_line_breaks_in_pieces_give_the_results_of_the_whole_tree(monkeypatch, newline):
    whole, pieces = both_ways(monkeypatch, lambda: run(generate(functions=8, methods=6), newline))
    assert whole.findings and pieces == whole


def test_the_pieces_parsed_are_dropped(monkeypatch):
    monkeypatch.setattr(bounded, "BOUNDED_MIN_CHARS", 0)
    parsed = parse(generate(functions=300, methods=200).encode())
    pieces = parsed.tree.body._tree
    ast.dump(parsed.tree)  # reads every statement
    assert len(pieces._cache) > 1 and pieces._cached_chars <= bounded._CACHE_CHARS


SMALL_CLASSES = "import requests\n" + "".join(
    f"\n\nclass C{i}(Base):\n    def get(self, u):\n        data = requests.get(u).content\n        return memoryview(data)\n"
    f"\n    def put(self, x):\n        self.x = x\n" for i in range(30))


def test_a_cut_class_keeps_no_body_of_its_own(monkeypatch):
    """A file of thousands of small classes (issue 12 item 7): a cut class's body is made from its module's arrays
    when read (~480 bytes a class were kept), and holds the same stand-ins at every read."""
    monkeypatch.setattr(bounded, "BOUNDED_MIN_CHARS", 0)
    tree, whole = parse(SMALL_CLASSES.encode()).tree, ast.parse(SMALL_CLASSES)
    classes = [s for s in tree.body if isinstance(s, ast.ClassDef)]
    assert len(classes) == 30 and all(isinstance(c, bounded.StandIn) for c in classes)
    for cut, real in zip(classes, (s for s in whole.body if isinstance(s, ast.ClassDef))):
        body = cut.body
        assert isinstance(body, bounded._Body) and cut.body is not body  # made again at each read
        assert [(s.name, s.lineno, s.end_lineno, len(s.body)) for s in body] == [
            (s.name, s.lineno, s.end_lineno, len(s.body)) for s in real.body]  # type: ignore[attr-defined]
        assert [id(s) for s in body] == [id(s) for s in cut.body] == [id(body[i]) for i in range(len(body))]
        assert all(isinstance(s, bounded.StandIn) for s in body)


def test_the_stand_ins_share_one_copy_of_each_name(monkeypatch):
    """Methods' names repeat from class to class: one string each, not the parser's interned one."""
    import sys

    monkeypatch.setattr(bounded, "BOUNDED_MIN_CHARS", 0)
    tree = parse(SMALL_CLASSES.encode()).tree
    methods = [m for c in tree.body if isinstance(c, ast.ClassDef) for m in c.body]
    assert len(methods) == 60 and {m.name for m in methods} == {"get", "put"}
    assert len({id(m.name) for m in methods}) == 2
    assert all(m.name is not sys.intern(m.name) for m in methods)


def test_a_large_files_tree_and_classes_are_freed_by_reference_counting(monkeypatch):
    """Nothing of an analysis of a large file is left to the cycle collector (a stand-in knows its pieces by a weak
    reference; a class's cached MRO leaves itself out): fix's second analysis and the result's pickle come after
    the first analysis's tree and classes are gone, not beside them."""
    import gc

    from buffix.analysis.flow.classes import ClassInfo

    monkeypatch.setattr(bounded, "BOUNDED_MIN_CHARS", 0)
    text = generate(functions=6, methods=6) + SMALL_CLASSES.replace("import requests\n", "")
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        result = run(text)
        gc.collect()
        left = [type(o).__name__ for o in gc.garbage if isinstance(o, (bounded.StandIn, bounded.Pieces, ClassInfo))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert len(result.findings) > 30 and left == []


def test_what_a_class_defines_is_analyzed_right_after_it(monkeypatch):
    """A file of classes each holding a class (issue 12 item 7): the frame a nested class was defined in waits with
    it, so each is analyzed right after what defined it, not after every class of the file (every class body's
    frame was held at once, ~2 KB each)."""
    from buffix.analysis.module import Module

    text = "import requests\n" + "".join(
        f"\n\nclass N{i}:\n    class Inner:\n        def get(self, u):\n"
        f"            return memoryview(requests.get(u).content)\n" for i in range(20))
    waiting = []
    analyze_class = Module._analyze_class

    def counted(self, node, parent):
        waiting.append(sum(frame is not self.frame for frame in self._pending_frames))
        analyze_class(self, node, parent)

    monkeypatch.setattr(Module, "_analyze_class", counted)
    whole, pieces = both_ways(monkeypatch, lambda: run(text))
    assert len(whole.findings) == 20 and pieces == whole
    assert len(waiting) == 80 and max(waiting) == 0


def test_a_syntax_error_reads_as_in_the_whole_file(monkeypatch):
    text = generate(functions=3, methods=2) + "\ndef broken(:\n    pass\n"
    whole, pieces = both_ways(monkeypatch, lambda: run(text))
    assert whole.error is not None and "syntax error" in whole.error.message
    assert pieces == whole


def test_a_statement_too_large_to_parse_is_refused(monkeypatch):
    monkeypatch.setattr(bounded, "BOUNDED_MIN_CHARS", 0)
    monkeypatch.setattr(bounded, "MAX_STATEMENT_CHARS", 2_000)
    text = HEAD + "HUGE = [\n" + "    requests.get(u).content,\n" * 100 + "]\n"  # (a function would be cut)
    result = run(text)
    assert result.findings == ()
    assert result.error is not None
    assert result.error.message.startswith("too large to analyze (the statement at line 16 is 0.0 MiB")


def test_a_huge_class_is_cut_one_level_down(monkeypatch):
    monkeypatch.setattr(bounded, "MAX_STATEMENT_CHARS", 20_000)  # the class is larger, each method smaller
    text = generate(functions=2, methods=200)
    whole, pieces = both_ways(monkeypatch, lambda: run(text))
    assert whole.error is None and pieces == whole


LARGE_FUNCTION_PART = """\
    data_{i} = requests.get(u).content
    if data_{i}:
        out.write(data_{i})
    for chunk_{i} in requests.get(u, stream=True).iter_content():
        memoryview(chunk_{i})

    def inner_{i}(x):
        return zlib.compress(x)
    kept = inner_{i}(kept or data_{i})
"""


def test_a_large_function_is_cut_one_level_down(monkeypatch):
    """A function larger than the parsed pieces kept is cut as a class is (parsed whole, it was held whole while
    it ran, ~100 bytes a byte): the same results."""
    text = (HEAD + "\n\ndef small(u):\n    return hashlib.sha256(requests.get(u).content)\n"
            + "\n\ndef large(u, out):\n    kept = None\n" + "".join(LARGE_FUNCTION_PART.format(i=i) for i in range(120))
            + "    return memoryview(kept)\n")
    monkeypatch.setattr(bounded, "BOUNDED_MIN_CHARS", len(text) - 1)  # the file is cut, as any above the threshold
    tree = parse(text.encode()).tree
    small, large = (s for s in tree.body if isinstance(s, ast.FunctionDef))
    assert isinstance(large.body, bounded._Body) and len(large.body) == 2 + 5 * 120
    assert not isinstance(small.body, bounded._Body) and len(LARGE_FUNCTION_PART) * 120 > bounded._CACHE_CHARS
    assert all(isinstance(s, bounded.StandIn) for s in large.body if isinstance(s, ast.FunctionDef))
    whole = run(text)
    monkeypatch.setattr(bounded, "BOUNDED_MIN_CHARS", WHOLE)
    assert whole == run(text) and len(whole.findings) > 300


def test_a_file_above_the_old_limit_is_analyzed_by_the_cli(tmp_path):
    """Files above 4 MiB (pipeline.MAX_BYTES before, "too large to analyze": dropbox's team_log.py) are analyzed."""
    path = tmp_path / "big.py"
    path.write_text(generate(functions=8, methods=4) + "".join(f"DATA_{i} = {'x' * 4000!r}\n" for i in range(1100)))
    assert 4 * 1024 * 1024 < path.stat().st_size < MAX_BYTES
    done = buffix("check", "--no-cache", "--format", "json", "big.py", cwd=tmp_path, timeout=300)
    assert done.returncode == 1 and "too large" not in done.stderr and json.loads(done.stdout)["findings"]


def test_the_cli_in_pieces_gives_the_report_of_the_whole_trees(tmp_path):
    """BUFFIX_BOUNDED_MIN_CHARS sets the threshold: 0 cuts every file, and the report must not change."""
    args = ("check", "--no-cache", "--format", "json", "--min-confidence", "low", str(FIXTURES))
    whole = buffix(*args, cwd=tmp_path, env={"BUFFIX_BOUNDED_MIN_CHARS": str(WHOLE)})
    pieces = buffix(*args, cwd=tmp_path, env={"BUFFIX_BOUNDED_MIN_CHARS": "0"})
    assert whole.returncode == 1 and json.loads(whole.stdout)["findings"]
    assert (pieces.returncode, pieces.stdout, pieces.stderr) == (whole.returncode, whole.stdout, whole.stderr)
