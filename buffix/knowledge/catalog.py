"""The analyzer's catalog: the shipped knowledge (client library files, family modules' sinks, guesses) plus the
user's extra entries, validated once and indexed for lookups. The schema is in docs/configuration.md."""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple

from buffix.core.findings import CONFIDENCES

KINDS = ("body", "chunks", "pairs", "container")  # value kinds that are not a catalog type (pairs: (chunk, flag))
WHEN = ("single", "encoded")  # sink conditions: one positional argument only / an encoding is given
ACCEPTS = ("body", "chunks")
_QUALNAME = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | {"urllib", "http", "io", "os", "re", "struct"}


class CatalogError(ValueError):
    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.detail = message


@dataclass(frozen=True)
class Result:
    """What a source or member yields: a kind from KINDS or a type name, with the confidence it carries."""

    value: str
    confidence: str = "high"

    @property
    def is_type(self) -> bool:
        return self.value not in KINDS


@dataclass(frozen=True)
class TypeSpec:
    name: str
    attributes: Mapping[str, Result] = field(default_factory=dict)
    methods: Mapping[str, Result] = field(default_factory=dict)
    items: Mapping[str, Result] = field(default_factory=dict)
    iterates: Optional[Result] = None
    # method -> its keyword that, given True, makes what it gives text wherever the response declares an encoding
    # (requests' `iter_lines(decode_unicode=True)`): such a value is a body only at low confidence
    decoding: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SinkSpec:
    code: str
    target: str  # "qual.name" for calls, "Type.method" or "*.method" for methods
    arg: Optional[int] = None
    keywords: Tuple[str, ...] = ()
    accepts: str = "body"
    when: Optional[str] = None

    @property
    def label(self) -> str:
        return self.target.rsplit(".", 1)[-1] if self.target.startswith("*.") else self.target


@dataclass
class Catalog:
    types: Dict[str, TypeSpec]
    sources: Dict[str, Result]
    objects: Dict[str, Result]
    annotations: Dict[str, str]  # qualified annotation -> type name
    call_sinks: Dict[str, List[SinkSpec]]
    method_sinks: Dict[Tuple[str, str], List[SinkSpec]]  # (type or "*", method)
    sanitizers: FrozenSet[str]
    response_names: "re.Pattern[str]"
    attribute_sources: Dict[str, Result] = field(default_factory=dict)  # "pkg.Class.attr" -> result
    common_methods: FrozenSet[str] = frozenset()  # never resolved by name alone (index.MethodIndex)
    # what the byte-level screens look for (tokens.screens): a file naming none of these holds no body source
    words: FrozenSet[str] = frozenset()  # stdlib response types and functions (`urlopen`), declared plain names
    packages: Mapping[str, FrozenSet[str]] = field(default_factory=dict)  # third-party library -> its sources'
    # last names (`aiohttp` -> ClientSession, ...): a file imports the library and spells one of them
    members: FrozenSet[str] = frozenset()  # members that yield a body on any receiver, and declared attributes
    declared_members: FrozenSet[str] = frozenset()  # attributes the config declares as sources
    response_members: FrozenSet[str] = frozenset()  # members a response-like name yields a body through
    # API-compatible fork -> the library it copies; a library's re-export -> what it re-exports
    aliases: Mapping[str, str] = field(default_factory=dict)
    # a type's library (the first part of its name, `boto`) -> the packages whose sources give its types (boto3, ...)
    type_packages: Mapping[str, FrozenSet[str]] = field(default_factory=dict)

    def library(self, top: str) -> str:
        """The catalogued library an imported top-level name stands for (`niquests` -> `requests`)."""
        return self.aliases.get(top, top)

    def sink_by_name(self, module: str) -> Optional[SinkSpec]:
        """The sink a function of `module` picked by a name only known at run time is (`getattr(hashlib, algo)`):
        the kind (code and buffer argument) of most of its call sinks, at least 3 and two thirds of them."""
        memo = self.__dict__.setdefault("_by_name", {})
        if module not in memo:
            kinds = Counter((s.code, s.arg, s.keywords) for q, specs in self.call_sinks.items()
                            if q.rpartition(".")[0] == module for s in specs)
            total = sum(kinds.values())
            common = kinds.most_common(1)
            memo[module] = None
            if common and common[0][1] >= max(3, 2 * total / 3):
                (code, arg, keywords), _ = common[0]
                memo[module] = SinkSpec(code, f"{module}.*", arg, keywords)
        return memo[module]

    def reading_members(self, type_name: str) -> Optional[FrozenSet[str]]:
        """The members a value of `type_name` yields a body through, however deep (`session.get(url).read()`:
        `read`), for code holding such a value to name; None when none need be named (the value, or an item of
        it, iterates or is a body). Empty: no body is reachable."""
        memo = self.__dict__.setdefault("_reading", {})
        if type_name not in memo:
            memo[type_name] = _reading(self, type_name, frozenset())
        return memo[type_name]


def _reading(catalog: Catalog, type_name: str, seen: FrozenSet[str]) -> Optional[FrozenSet[str]]:
    spec = catalog.types.get(type_name)
    if spec is None or type_name in seen:
        return frozenset()
    if spec.iterates is not None:
        return None
    found: set = set()
    for table, named in ((spec.attributes, True), (spec.methods, True), (spec.items, False)):
        for member, result in table.items():
            deeper = _reading(catalog, result.value, seen | {type_name}) if result.is_type else None
            if deeper is None:  # the member's value is, or iterates, a body: the member is where it is read
                if not named:
                    return None  # `["Body"]` is no `.member`: nothing to ask a file to name
                found.add(member)
            else:
                found |= deeper
    return frozenset(found)


def _where(base: str, *parts: Any) -> str:
    return base + "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in parts)


def _names(value: Any, where: str) -> List[str]:
    names = value if isinstance(value, list) else [value]
    for name in names:
        if not isinstance(name, str) or not name:
            raise CatalogError(where, f"expected a name or a list of names, got {value!r}")
    return names


def _qualname(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _QUALNAME.match(value):
        raise CatalogError(where, f"expected a dotted name like 'package.module.function', got {value!r}")
    return value


def _result(value: Any, where: str, types: Optional[Mapping[str, Any]]) -> Result:
    if not isinstance(value, str):
        raise CatalogError(where, f"expected 'body', 'chunks', 'container' or a type name, got {value!r}")
    name, _, confidence = value.partition("@")
    confidence = confidence or "high"
    if confidence not in CONFIDENCES:
        raise CatalogError(where, f"confidence must be one of {', '.join(CONFIDENCES)}, got {confidence!r}")
    if name not in KINDS and types is not None and name not in types:
        raise CatalogError(where, f"unknown type {name!r}; known: {', '.join(KINDS)} or a type under 'types'")
    return Result(name, confidence)


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CatalogError(where, f"expected a mapping, got {type(value).__name__}")
    return value


def _check_keys(entry: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    for key in entry:
        if key not in allowed:
            raise CatalogError(_where(where, key), f"unknown key; allowed: {', '.join(allowed)}")


def _type_spec(name: str, raw: Any, types: Mapping[str, Any], where: str) -> Tuple[TypeSpec, List[str]]:
    raw = _mapping(raw, where)
    _check_keys(raw, ("annotations", "attributes", "methods", "items", "iterates", "decoding"), where)
    members = {}
    for part in ("attributes", "methods", "items"):
        table = _mapping(raw.get(part), _where(where, part))
        members[part] = {str(k): _result(v, _where(where, part, k), types) for k, v in table.items()}
    iterates = raw.get("iterates")
    decoding = {str(k): str(v) for k, v in _mapping(raw.get("decoding"), _where(where, "decoding")).items()}
    unknown = sorted(set(decoding) - set(members["methods"]))
    if unknown:
        raise CatalogError(_where(where, "decoding"), f"not a method of the type: {', '.join(unknown)}")
    spec = TypeSpec(
        name,
        iterates=_result(iterates, _where(where, "iterates"), types) if iterates is not None else None,
        decoding=decoding,
        **members,
    )
    annotations = [_qualname(a, _where(where, "annotations")) for a in _names(raw.get("annotations", []), where)]
    return spec, annotations


def _sink_specs(raw: Any, where: str) -> List[SinkSpec]:
    from buffix.knowledge.rules import all_rules  # the codes a sink may name

    entry = _mapping(raw, where)
    _check_keys(entry, ("call", "method", "arg", "keyword", "accepts", "when", "code"), where)
    if ("call" in entry) == ("method" in entry):
        raise CatalogError(where,
                           "give exactly one of 'call' (a qualified function) or 'method' (Type.method or *.method)")
    code = entry.get("code")
    if code not in all_rules():
        raise CatalogError(_where(where, "code"), f"unknown rule code {code!r}; known: {', '.join(all_rules())}")
    arg = entry.get("arg")
    if arg is not None and (not isinstance(arg, int) or isinstance(arg, bool) or arg < 0):
        raise CatalogError(_where(where, "arg"), f"expected a non-negative argument position, got {arg!r}")
    keywords = tuple(_names(entry["keyword"], _where(where, "keyword"))) if "keyword" in entry else ()
    if arg is None and not keywords:
        raise CatalogError(where, "give 'arg' (position) and/or 'keyword' (name) of the argument that must be a buffer")
    accepts = entry.get("accepts", "body")
    if accepts not in ACCEPTS:
        raise CatalogError(_where(where, "accepts"), f"expected one of {', '.join(ACCEPTS)}, got {accepts!r}")
    when = entry.get("when")
    if when is not None and when not in WHEN:
        raise CatalogError(_where(where, "when"), f"expected one of {', '.join(WHEN)}, got {when!r}")
    kind = "call" if "call" in entry else "method"
    specs = []
    for target in _names(entry[kind], _where(where, kind)):
        if kind == "method":
            owner, dot, method = target.rpartition(".")
            if not dot or not method.isidentifier() or not (owner == "*" or _QUALNAME.match(owner)):
                raise CatalogError(_where(where, kind), f"expected 'Type.method' or '*.method', got {target!r}")
        else:
            _qualname(target, _where(where, kind))
        specs.append(SinkSpec(code, target, arg, keywords, accepts, when))
    return specs


def build(raw: Mapping[str, Any], origin: str, extra: Optional[Mapping[str, Any]] = None,
          extra_origin: str = "") -> Catalog:
    """Validate the shipped catalog plus the user's extra `sources` / `sinks` / `sanitizers`."""
    raw = _mapping(raw, origin)
    _check_keys(raw, ("version", "types", "response_names", "sources", "objects", "sinks", "sanitizers",
                      "common_methods", "aliases"), origin)
    aliases = {_qualname(k, _where(origin, "aliases")): _qualname(v, _where(origin, "aliases", k))
               for k, v in _mapping(raw.get("aliases") or {}, _where(origin, "aliases")).items()}
    raw_types = dict(_mapping(raw.get("types"), _where(origin, "types")))
    extra = extra or {}
    user_sources = list(extra.get("sources") or [])
    # A user's attribute source `pkg.Class.attr` declares the type `pkg.Class` (constructor, annotation, self).
    for i, entry in enumerate(user_sources):
        where = _where(extra_origin, "sources", i)
        entry = _mapping(entry, where)
        if "attribute" in entry:
            owner = _qualname(entry["attribute"], _where(where, "attribute")).rpartition(".")[0]
            if not owner:
                raise CatalogError(_where(where, "attribute"), "expected 'package.Class.attribute'")
            raw_types.setdefault(owner, {})

    types: Dict[str, TypeSpec] = {}
    annotations: Dict[str, str] = {}
    for name, spec in raw_types.items():
        types[name], names = _type_spec(name, spec, raw_types, _where(origin, "types", name))
        annotations.update((a, name) for a in names)

    sources: Dict[str, Result] = {}
    for name, value in _mapping(raw.get("sources"), _where(origin, "sources")).items():
        sources[_qualname(name, _where(origin, "sources"))] = _result(value, _where(origin, "sources", name), raw_types)
    objects = {
        _qualname(name, _where(origin, "objects")): _result(value, _where(origin, "objects", name), raw_types)
        for name, value in _mapping(raw.get("objects"), _where(origin, "objects")).items()
    }
    attribute_sources: Dict[str, Result] = {}
    declared: set = set()  # last names of the user's call sources
    for i, entry in enumerate(user_sources):
        where = _where(extra_origin, "sources", i)
        _check_keys(entry, ("call", "attribute", "returns"), where)
        if ("call" in entry) == ("attribute" in entry):
            raise CatalogError(where, "give exactly one of 'call' (a function returning a body) or 'attribute'")
        result = _result(entry.get("returns", "body"), _where(where, "returns"), raw_types)
        if "call" in entry:
            sources[_qualname(entry["call"], _where(where, "call"))] = result
            declared.add(entry["call"].rpartition(".")[2])
        else:
            attribute = entry["attribute"]
            owner, _, member = attribute.rpartition(".")
            old = types[owner]
            types[owner] = replace(old, attributes={**old.attributes, member: result})
            annotations[owner] = owner
            sources.setdefault(owner, Result(owner))
            attribute_sources[attribute] = result

    call_sinks: Dict[str, List[SinkSpec]] = {}
    method_sinks: Dict[Tuple[str, str], List[SinkSpec]] = {}
    sink_lists = [(raw.get("sinks"), _where(origin, "sinks")), (extra.get("sinks"), _where(extra_origin, "sinks"))]
    for entries, where in sink_lists:
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise CatalogError(where, "expected a list of sink entries")
        for i, entry in enumerate(entries):
            for sink in _sink_specs(entry, _where(where, i)):
                if sink.target.startswith("*.") or sink.target.rpartition(".")[0] in types:
                    owner, _, method = sink.target.rpartition(".")
                    method_sinks.setdefault((owner, method), []).append(sink)
                else:
                    call_sinks.setdefault(sink.target, []).append(sink)

    sanitizers = set()
    for entries, where in ((raw.get("sanitizers"), origin), (extra.get("sanitizers"), extra_origin)):
        for i, name in enumerate(entries or []):
            sanitizers.add(_qualname(name, _where(where, "sanitizers", i)))

    pattern = raw.get("response_names", "(?!)")
    try:
        response_names = re.compile(pattern)
    except (re.error, TypeError) as exc:
        raise CatalogError(_where(origin, "response_names"), f"not a valid regular expression: {exc}") from None

    common = frozenset(_names(raw.get("common_methods", []), _where(origin, "common_methods")))
    for table in (sources, objects, annotations, call_sinks):
        table.update(_aliased(table, aliases))
    catalog = Catalog(types, sources, objects, annotations, call_sinks, method_sinks, frozenset(sanitizers),
                      response_names, attribute_sources, common_methods=common, aliases=aliases)
    _screened_names(catalog, declared)
    return catalog


def _aliased(table: Mapping[str, Any], aliases: Mapping[str, str]) -> Dict[str, Any]:
    """The entries of `table` under each alias's name (`requests.get` -> `niquests.get`): a fork keeps the API, so
    it shares the types (`requests.Response`) and every method sink on them. A dotted alias is a re-export: the
    same object under another module's name (`botocore.compat.ETree` is `xml.etree.ElementTree`)."""
    copied: Dict[str, Any] = {}
    for alias, library in aliases.items():
        for name, value in table.items():
            if name == library or name.startswith(library + "."):
                copied.setdefault(alias + name[len(library):], value)
    return copied


def _screened_names(catalog: Catalog, declared: Iterable[str] = ()) -> None:
    """The words and members of `Catalog` that the byte-level screens look for.

    A source `requests.get` is named in a file as `requests` (where it is imported) and `get`; a stdlib one
    (`urllib.request.urlopen`), or one the user `declared` (often imported relatively inside its own package), by its
    last part, which a file names however it imports it.
    """
    words: set = set()
    packages: Dict[str, set] = {}
    for name in list(catalog.sources) + list(catalog.annotations):
        parts = name.split(".")
        if parts[0] in _STDLIB or len(parts) == 1:
            words.add(parts[-1])
        else:
            packages.setdefault(parts[0], set()).add(parts[-1])
    anything = catalog.types.get("?")  # `?response` members need a response-like name as well
    guessed = catalog.types.get("?response")
    catalog.words = frozenset(words | set(declared))
    catalog.packages = {package: frozenset(names) for package, names in packages.items()}
    by_type: Dict[str, set] = {}
    for name, result in catalog.sources.items():
        if result.is_type:
            by_type.setdefault(result.value.split(".")[0], {result.value.split(".")[0]}).add(name.split(".")[0])
    catalog.type_packages = {library: frozenset(found) for library, found in by_type.items()}
    catalog.declared_members = frozenset(a.rpartition(".")[2] for a in catalog.attribute_sources)
    anywhere = frozenset((*anything.attributes, *anything.methods) if anything else ())
    catalog.members = anywhere | catalog.declared_members
    catalog.response_members = frozenset((*guessed.attributes, *guessed.methods) if guessed else ())


SHIPPED = "buffix.knowledge"  # where validation errors in the shipped knowledge point


@lru_cache(maxsize=1)
def _shipped() -> Mapping[str, Any]:
    """The shipped knowledge in the catalog schema (the one user config `sources`/`sinks` share): the client library
    files, the family modules' sinks and the objects their method sinks are called on, and the analyzer's guesses."""
    from buffix.knowledge import guesses, sinks
    from buffix.knowledge.libraries import all_libraries
    from buffix.knowledge.rules import family_modules

    libraries = all_libraries()
    types: Dict[str, Any] = {}
    for library in libraries:
        types.update(library.types)
    objects: Dict[str, Any] = {}
    aliases = {alias: name for library in libraries for alias, name in library.aliases.items()}
    for module in family_modules():
        types.update(getattr(module, "RECEIVER_TYPES", {}))
        objects.update(getattr(module, "RECEIVER_OBJECTS", {}))
        aliases.update(getattr(module, "REEXPORTS", {}))
    types.update(guesses.GUESSED_TYPES)
    return {
        "version": 1,
        "types": types,
        "response_names": guesses.RESPONSE_NAMES,
        "sources": {name: value for library in libraries for name, value in library.sources.items()},
        "aliases": aliases,
        "objects": objects,
        "sinks": [entry for entry in (group.entry() for group in sinks.sink_groups()) if entry is not None],
        "sanitizers": list(sinks.SANITIZERS),
        "common_methods": list(guesses.COMMON_METHODS),
    }


def load_catalog(extra: Optional[Mapping[str, Any]] = None, extra_origin: str = "config") -> Catalog:
    """The shipped catalog, extended with the config's `sources`, `sinks` and `sanitizers` entries."""
    return build(_shipped(), SHIPPED, extra, extra_origin)
