"""What the flow analysis tracks and produces: abstract values, the findings before filtering, function summaries.

A `Val` says what an expression holds (`Kind`), how sure we are, and how it got there. An OBJECT's `type` names a
catalog type, a class of the analyzed tree or a bound method, as its `role` says; for the tree's classes it may name a
family of them (`{'http': HTTPStorage, 'oss': OSSStorage}[kind]()` is an instance of either). While a function is
summarized, `param` says which of its inputs a value derives from.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import Enum
from functools import lru_cache
from operator import attrgetter
from typing import Any, Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Tuple, Union

from buffix.core.findings import CONFIDENCES, FlowStep, Span, slotted
from buffix.core.packed import PackedTuple


class Kind(Enum):
    BODY = "body"  # a response body: what a proxy wraps
    CHUNKS = "chunks"  # an iterable yielding bodies (iter_content(), a generator over chunks)
    CONTAINER = "container"  # a list/deque/tuple holding bodies
    OBJECT = "object"  # a client, response, stream... (see Role)
    TUPLE = "tuple"  # a tuple, list or iterable holding tainted values that are not bodies (see Val.parts)
    CLEAN = "clean"  # known not to be (or hold) a body


BODY, CHUNKS, CONTAINER, OBJECT, TUPLE, CLEAN = (Kind.BODY, Kind.CHUNKS, Kind.CONTAINER, Kind.OBJECT, Kind.TUPLE,
                                                 Kind.CLEAN)
TAINTED = (BODY, CHUNKS, CONTAINER, OBJECT, TUPLE)
EVERY_ITEM = -1  # a TUPLE part's position when it stands for every item (a list filled in a loop, a comprehension)
# the catalog's kinds (catalog.KINDS: what a source or member yields when it is no type) as value kinds
CATALOG_KINDS = {"body": BODY, "chunks": CHUNKS, "pairs": CHUNKS, "container": CONTAINER}
CATALOG_SLOTS = {"pairs": 0}  # chunks whose items are tuples: where the body is (`async for data, end in ...`)


class Role(Enum):
    """What `Val.type` names."""

    CATALOG_TYPE = "catalog type"  # OBJECT: a catalog type, its guesses UNKNOWN and GUESSED_RESPONSE included
    TREE_CLASS = "tree class"  # OBJECT: an instance of a class of the analyzed tree (`type`: its family, below)
    CLASS = "class"  # OBJECT: a class of the tree itself, not an instance (calling it builds one)
    CLASSES = "classes"  # OBJECT: a dict, list or tuple of classes of the tree (an item is a CLASS of the family)
    INSTANCES = "instances"  # OBJECT: a dict or list of instances of classes of the tree (an item is a TREE_CLASS)
    TREE_METHOD = "tree method"  # OBJECT: a method of a tree class bound to self (`type` is "<class>.<method>")
    BOUND_METHOD = "bound method"  # OBJECT: a catalog method bound to its receiver (`type` is "<type>.<method>")
    SINK_METHOD = "sink method"  # CLEAN: a catalog sink method kept as a value (`type` is "<type>.<method>")
    FUNCTION = "function"  # CLEAN: a catalog function kept as a value (`fn = requests.post if p else requests.get`)
    BYTEARRAY = "bytearray"  # CLEAN: a bytearray, which `.extend(body)` copies a body into
    MEMORYVIEW = "memoryview"  # CLEAN: a memoryview, whose slice assignment takes only a buffer
    TEXT = "text"  # CLEAN: a str literal or f-string: `"failed: " + body` raises on real bytes too, no proxy needed
    CALLABLE = "callable"  # OBJECT: a function of the tree kept as a value (a closure returned); parts[0]: its call
    FUTURE = "future"  # OBJECT: a call run later (`executor.submit(f, x)`); parts[0]: what `.result()` / await gives
    # OBJECT: a module-level function of the tree named as a value (`handler = parse_xml`); `type`: its qualified
    # name, or a family of them (`PARSERS[kind]`: one of those the dict holds)
    TREE_FUNCTION = "tree function"
    FUNCTIONS = "functions"  # OBJECT: a dict, list or tuple of functions of the tree (an item is a TREE_FUNCTION)


CATALOG_TYPE, TREE_CLASS, BOUND_METHOD, SINK_METHOD = (Role.CATALOG_TYPE, Role.TREE_CLASS, Role.BOUND_METHOD,
                                                        Role.SINK_METHOD)
CLASS, TREE_METHOD = Role.CLASS, Role.TREE_METHOD
FAMILIES = (Role.TREE_CLASS, Role.CLASS, Role.CLASSES, Role.INSTANCES,  # roles whose `type` is a family
            Role.TREE_FUNCTION, Role.FUNCTIONS)
ITEM_ROLES = {Role.CLASSES: Role.CLASS, Role.INSTANCES: Role.TREE_CLASS,  # a collection's role -> its items'
              Role.FUNCTIONS: Role.TREE_FUNCTION}
COLLECTION_ROLES = {item: collection for collection, item in ITEM_ROLES.items()}
TYPE_ONLY = (*FAMILIES, Role.TREE_METHOD)  # roles that say what a value is, not that it holds a body
MAX_FAMILY = 8  # the most classes a family names: a call on it runs the method of each
OTHER_CLASS = "?"  # in a family: the value may also be of a type we do not know (merge)
UNKNOWN = "?"  # the catalog's type of a value of unknown type (its members that give a body whatever the receiver)
GUESSED_RESPONSE = "?response"  # the catalog's type of a value guessed to be a response (from its name, a request)


class Param(NamedTuple):
    """While summarizing a function: the input a value derives from, the function's parameter at `position` or, for
    a method of an instance built from bodies (`attribute`), the `position`th of the instance's tainted self.*
    (sorted by name)."""

    position: int
    attribute: bool = False


@lru_cache(maxsize=1024)
def _shared(description: str) -> str:
    """One string for equal step descriptions (`.content` gives the body of a requests.Response`, made by an
    f-string at each site): the table keeps the latest 1,024, so it never grows with the files analyzed."""
    return description


class Flow(PackedTuple[FlowStep]):
    """A value's flow as a chain: its last step and the flow before it, which the values it was made from share (a
    tuple was copied at every step). A step keeps its span as four ints and its description shared; its FlowStep
    is made when read. Equal to the tuple of its steps, hash included (a flow made elsewhere may be a tuple).
    A module's top-level names hold their values for the whole analysis: ~90 bytes a step, ~150 as a tuple's."""

    __slots__ = ("before", "line", "column", "end_line", "end_column", "said", "path")

    def __init__(self, before: Optional["Flow"], span: Span, description: str, path: Optional[str]) -> None:
        self.before = before
        self.line, self.column, self.end_line, self.end_column = span.line, span.column, span.end_line, span.end_column
        self.said, self.path = _shared(description), path

    @property
    def description(self) -> str:
        return self.said

    @staticmethod
    def of(steps: Iterable[FlowStep], before: Optional["Flow"] = None) -> Optional["Flow"]:
        """`before` followed by `steps` (None when both are empty)."""
        for step in steps:
            before = Flow(before, step.span, step.description, step.path)
        return before

    def ends_at(self, span: Span, path: Optional[str]) -> bool:
        return (self.line == span.line and self.column == span.column and self.end_line == span.end_line
                and self.end_column == span.end_column and self.path == path)

    def _chain(self) -> List["Flow"]:
        """Its steps' nodes, the last first."""
        nodes: List[Flow] = []
        node: Optional[Flow] = self
        while node is not None:
            nodes.append(node)
            node = node.before
        return nodes

    def _made(self) -> FlowStep:
        return FlowStep(Span(self.line, self.column, self.end_line, self.end_column), self.description, self.path)

    def __len__(self) -> int:
        return len(self._chain())

    def __bool__(self) -> bool:
        return True  # never empty (an empty flow is `()`)

    def item(self, index: int) -> FlowStep:
        nodes = self._chain()
        return nodes[len(nodes) - 1 - index]._made()

    def __iter__(self) -> Iterator[FlowStep]:
        return (node._made() for node in reversed(self._chain()))

    def __add__(self, other: Any) -> "Flow":  # type: ignore[override]  # a flow and more steps: a flow
        if not isinstance(other, (tuple, Flow)):
            return NotImplemented
        return Flow.of(other, self) or self

    def __radd__(self, other: Any) -> "Flow":  # type: ignore[override]
        if not isinstance(other, tuple):
            return NotImplemented
        before = Flow.of(other)
        return self if before is None else Flow.of(self, before) or self

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Flow):
            a: Optional[Flow] = self
            b: Optional[Flow] = other
            while a is not b:  # from the last step back, until the two share the rest
                if a is None or b is None or not _same_step(a, b):
                    return False
                a, b = a.before, b.before
            return True
        return super().__eq__(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        return Flow.of, (tuple(self),)


class Named(Flow):
    """A step whose description names what it is about (`assigned to `data7``): the shared template and the name,
    a string the frame holds already, where the description made at each site was a string of its own (~70 bytes;
    a module's top-level names hold their steps for the whole analysis). Its description is made when read."""

    __slots__ = ("name",)

    def __init__(self, before: Optional[Flow], span: Span, template: str, name: str, path: Optional[str]) -> None:
        super().__init__(before, span, template, path)
        self.name = name

    @property
    def description(self) -> str:
        return self.said.format(self.name)


def _same_step(a: Flow, b: Flow) -> bool:
    return (a.line == b.line and a.column == b.column and a.end_line == b.end_line and a.end_column == b.end_column
            and a.description == b.description and a.path == b.path)


Steps = Union[Tuple[FlowStep, ...], Flow]  # a value's flow: () or a tuple where the evaluator made one, else a Flow


def chained(flow: Steps) -> Optional[Flow]:
    """`flow` as a chain (None for no step)."""
    return flow if isinstance(flow, Flow) else Flow.of(flow)


@slotted
@dataclass(frozen=True)
class Val:
    kind: Kind
    confidence: str = "high"
    flow: Steps = ()
    type: str = ""  # OBJECT (and two CLEAN roles): what `role` says
    entries: Tuple[Span, ...] = ()  # CHUNKS/CONTAINER: where each body entered (the fix targets)
    param: Optional[Param] = None  # while summarizing a function: the input this value derives from
    slot: int = -1  # CONTAINER: a tuple whose item `slot` is the body; CHUNKS: each item is such a tuple
    attrs: Tuple[Tuple[str, "Val"], ...] = ()  # OBJECT of a TREE_CLASS: its tainted self.*
    role: Role = CATALOG_TYPE
    # TUPLE: its tainted items, by position (`(response, chunks)`), or one part at EVERY_ITEM (`[resp for ...]`)
    parts: Tuple[Tuple[int, "Val"], ...] = ()
    items: str = ""  # OBJECT of a TREE_CLASS: the family iterating it yields, from a type argument (`Pages[Page]`)
    keys: Tuple[str, ...] = ()  # CONTAINER of a dict: the literal keys that hold a body (empty: any may)

    @property
    def tainted(self) -> bool:
        return self.kind in TAINTED

    @property
    def catalog_type(self) -> str:
        """The catalog type `type` names; "" when it names none (a tree class, a bound method...)."""
        return self.type if self.role is CATALOG_TYPE else ""

    def step(self, span: Span, description: str, path: Optional[str], name: Optional[str] = None) -> "Val":
        """The value with one step more (none where its last step is), described by `description`, or, given a
        `name`, by `description.format(name)`, made when read."""
        before = chained(self.flow)
        if before is not None and before.ends_at(span, path):
            return self
        made = Flow(before, span, description, path) if name is None else Named(before, span, description, name, path)
        return replace(self, flow=made)

    def at_most(self, confidence: str) -> "Val":
        return replace(self, confidence=weakest(self.confidence, confidence))

    def part(self, position: Optional[int]) -> Optional["Val"]:
        """TUPLE: the value of the item at `position` (None: any item); None when it holds nothing tainted."""
        found = [v for p, v in self.parts if p == position or p == EVERY_ITEM or position is None]
        return merge(found) if found else None

    @property
    def shape(self) -> tuple:
        """What a summary computed for this value depends on (not its flow or confidence)."""
        return (self.kind, self.type, self.role, self.slot, tuple((p, v.shape) for p, v in self.parts), self.items,
                self.keys)


_FIELDS: Tuple[str, ...] = tuple(f.name for f in fields(Val))
_FIELDS_OF = attrgetter(*_FIELDS)
_SETTERS: Dict[str, Callable[[Val, Any], None]] = {name: getattr(Val, name).__set__ for name in _FIELDS}


def replace(value: Val, **changes: Any) -> Val:
    """`dataclasses.replace` for a Val (no __post_init__, every field in __init__): its slots copied, ~3x faster;
    merging branches and adding flow steps make ~50,000 per 600 files analyzed. Slotted, a Val is ~140 bytes; with
    a dict it was ~250, and a module's top-level names hold theirs for the whole analysis."""
    copied = object.__new__(Val)
    for name, field in zip(_FIELDS, _FIELDS_OF(value)):
        _SETTERS[name](copied, changes.get(name, field))
    return copied


CLEAN_VAL = Val(CLEAN)
BYTEARRAY = Val(CLEAN, type="builtins.bytearray", role=Role.BYTEARRAY)
MEMORYVIEW = Val(CLEAN, type="builtins.memoryview", role=Role.MEMORYVIEW)
TEXT = Val(CLEAN, type="builtins.str", role=Role.TEXT)


def weakest(*confidences: str) -> str:
    return min(confidences, key=CONFIDENCES.index)


def carries(value: Optional[Val]) -> bool:
    """Tainted, and more than a type: an instance of a tree class known only from an annotation or built without a
    body holds none yet, nor do the classes themselves or a method bound to self (calls on them are resolved;
    passing them on is not followed)."""
    return (value is not None and value.tainted
            and not (value.kind is OBJECT and value.role in TYPE_ONLY and not value.attrs))


def is_body(value: Optional[Val]) -> bool:
    return value is not None and value.kind is BODY


def family(value: Val) -> Tuple[str, ...]:
    """The qualified names of the tree classes a family-typed value names (TREE_CLASS, CLASS, ...)."""
    return tuple(value.type.split("|")) if value.type else ()


def of_family(names: Iterable[str]) -> str:
    """The `type` of a family: its classes sorted (a value must not depend on the order branches were seen in)."""
    return "|".join(sorted(set(names))[:MAX_FAMILY])


def _same_family_role(a: Val, b: Val) -> bool:
    return a.kind is OBJECT and b.kind is OBJECT and a.role is b.role and a.role in FAMILIES and a.type != b.type


# Clean values that stay what they are when another path leaves the name unknown (or unbound): a bytearray, a
# memoryview, a sink method or catalog function kept as a value (`if encrypted: decrypt = AES.new(...).decrypt`)
_KEPT_WITH_UNKNOWN = (Role.BYTEARRAY, Role.MEMORYVIEW, Role.SINK_METHOD, Role.FUNCTION)


def merge(values: Iterable[Optional[Val]]) -> Optional[Val]:
    """Join the values of several branches: a body on any branch is a body; entries and TUPLE parts add up;
    instances (classes) of different tree classes make an instance (a class) of their family."""
    values = list(values)
    first = values[0] if values else None
    if _joins_to_itself(first) and all(value is first for value in values):
        return first  # what a branch or a loop left alone (each name of the frame, at every join): not copied
    best: Optional[Val] = None
    seen_unknown = False
    for value in values:
        if value is None:
            seen_unknown = True
            continue
        if best is not None and _same_family_role(best, value):
            members = of_family((*family(best), *family(value)))
            best = replace(best, type=members, attrs=best.attrs or value.attrs,
                           confidence=weakest(best.confidence, value.confidence))
        elif best is None or _rank(value) > _rank(best):
            entries = best.entries if best is not None and best.kind is value.kind else ()
            best = replace(value, entries=_union(value.entries, entries))
        elif value.kind is best.kind and value.entries:
            best = replace(best, entries=_union(best.entries, value.entries))
    if best is not None and best.kind is CLEAN and seen_unknown and best.role not in _KEPT_WITH_UNKNOWN:
        return None  # (`if buf is None: buf = bytearray()`: the buffer given is taken for one too)
    if seen_unknown and best is not None and best.kind is OBJECT and best.role is Role.TREE_CLASS:
        # `hasher = hashlib.sha1() if check else EmptyHasher()`: maybe no instance of the family at all
        best = replace(best, type=of_family((*family(best), OTHER_CLASS)))
    if best is not None and best.kind is CONTAINER and best.keys:
        containers = [v for v in values if v is not None and v.kind is CONTAINER]
        keyed = all(v.keys for v in containers)  # a container of unknown keys on some branch: any key may
        best = replace(best, keys=tuple(sorted({k for v in containers for k in v.keys})) if keyed else ())
    if best is not None and best.kind is TUPLE:
        tuples = [v for v in values if v is not None and v.kind is TUPLE]
        if len(tuples) > 1:
            joined: Tuple[Tuple[int, Val], ...] = ()
            for value in tuples:
                joined = _joined(joined, value.parts)
            best = replace(best, parts=joined)
    return best


def _joins_to_itself(value: Optional[Val]) -> bool:
    """`merge` of this value with itself is an equal value: any but a dict's keys (made sorted and unique) and a
    TUPLE's parts (joined part by part, each part's keys too)."""
    return value is None or not (value.kind is TUPLE or (value.kind is CONTAINER and bool(value.keys)))


def _rank(value: Val) -> Tuple[int, int, int]:
    # At equal confidence a value that is (or yields) bodies itself beats a TUPLE holding such values: the
    # normalising idiom `if isinstance(content, bytes): content = [content]` keeps iterating to bodies either way.
    return (1 if value.tainted else 0, CONFIDENCES.index(value.confidence), 0 if value.kind is TUPLE else 1)


def _union(a: Tuple[Span, ...], b: Tuple[Span, ...]) -> Tuple[Span, ...]:
    return a + tuple(s for s in b if s not in a)


def _joined(a: Tuple[Tuple[int, Val], ...], b: Tuple[Tuple[int, Val], ...]) -> Tuple[Tuple[int, Val], ...]:
    """The parts of two TUPLE branches, position by position."""
    positions = sorted({p for p, _ in a} | {p for p, _ in b})
    joined = []
    for position in positions:
        value = merge([v for p, v in (*a, *b) if p == position])
        if value is not None:
            joined.append((position, value))
    return tuple(joined)


def as_input(value: Val, param: Param) -> Val:
    """`value` as a summarized function's input `param` sees it: no flow yet, sure (the caller applies its own
    confidence); a TUPLE's parts derive from the same input."""
    parts = tuple((p, as_input(v, param)) for p, v in value.parts)
    return replace(value, flow=(), param=param, entries=(), confidence="high", attrs=(), parts=parts)


def from_input(value: Val) -> bool:
    """While summarizing: is `value`, or what it holds (an instance's self.*, a tuple's parts), made from the
    function's inputs (`self._http = HTTP(session)` in an `__init__` given a session)?"""
    return value.param is not None or any(from_input(v) for _, v in (*value.attrs, *value.parts))


def derived_from(value: Val, param: Optional[Param]) -> Val:
    """`value`, and a TUPLE's parts, as made from the caller's input `param` (what a method kept of its argument,
    now the caller's: `self._cache[url] = (now, content)` holds the caller's body, not the method's parameter)."""
    parts = tuple((p, derived_from(v, param)) for p, v in value.parts)
    return replace(value, param=param, parts=parts)


def collection(parts: Iterable[Tuple[int, Optional[Val]]], flow: Steps = ()) -> Optional[Val]:
    """A TUPLE of the tainted values among `parts`; None when none is tainted."""
    kept = tuple((p, v) for p, v in parts if v is not None and carries(v))
    if not kept:
        return None
    return Val(TUPLE, confidence=weakest(*(v.confidence for _, v in kept)), flow=flow, parts=kept)


@dataclass(frozen=True)
class Raw:
    """A finding before filtering, suppression and fix-safety decisions; `path` is the module of the sink."""

    code: str
    span: Span
    label: str
    snippet: str
    value: Val
    targets: Tuple[Span, ...]
    fixable: bool
    stmt_line: int
    shadowable: bool = False
    path: str = ""


@dataclass(frozen=True)
class Hit:
    """While summarizing: an input's value reached a sink. A caller that passes a body completes the flow
    (source -> call -> parameter -> sink) and reports it at the sink when the callee is in the same file, else at
    its own argument (a file's findings, and the fixes they carry, stay in that file)."""

    param: Param
    raw: Raw


@dataclass(frozen=True)
class Summary:
    returns: Optional[Val] = None
    hits: Tuple[Hit, ...] = ()
    stores: Tuple[Tuple[str, Val], ...] = ()  # self.<attr> given a parameter's value (what a constructor keeps)
    fills: Tuple[Tuple[int, Val], ...] = ()  # parameters it puts bodies in (`queue.put(chunk)`): position, holding
    # names of the frame it is defined in that it puts bodies in (`chunks.append(c)` in a producer closure)
    closure_fills: Tuple[Tuple[str, Val], ...] = ()
