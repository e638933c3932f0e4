"""The tracking body proxy: a `wrapt.ObjectProxy` that forwards what real instrumentation forwards and records
each access, but never the buffer protocol (docs/semantics.md, fact 2: forward what wrapt forwards, and nothing more).

Type-level dunders never reach `__getattr__`, so every forwarded dunder is overridden here to record itself.
The class names carry the safe form, so even a C-level refusal that buffix cannot word itself reads
"a bytes-like object is required, not 'BodyProxy (buffix: pass body[:])'".
"""

from __future__ import annotations

import logging
import operator
import threading
import warnings
from typing import Any, Callable, SupportsIndex, Tuple

import wrapt

from buffix.knowledge.families import PROXY_DEPENDENT, SLOW_COPY
from buffix.runtime.registry import BodyRecord


class BodyReleasedError(RuntimeError):
    """The body was released by buffix's `release_on_close` policy and then used again."""

    def __init__(self, record: BodyRecord, operation: str) -> None:
        self.record = record
        self.operation = operation
        super().__init__(
            f"response body ({record.size} bytes from {record.source}) was used ({operation}) after it was "
            f"released: created at {record.created_at}, released at {record.released_at or '<unknown>'}; "
            "take body[:] before closing the response, or keep the response open while you use its body"
        )


class SlowCopyWarning(RuntimeWarning):
    """A large body is being copied by iterating it int by int (docs/semantics.md, fact 4).

    Shown once per body; filter it like any warning (`-W ignore::buffix.runtime.SlowCopyWarning`). Where the
    filters turn it into an error (`-W error`, pytest's `filterwarnings = error`) it is not raised: the copy goes on
    as under wrapt, so a suite stays faithful; the strict profile is the way to make slow copies fail."""


class _ReleasedBody:
    """Stands in for a released body inside the proxy, so even paths wrapt forwards in C raise clearly."""

    __slots__ = ("_record",)

    def __init__(self, record: BodyRecord) -> None:
        object.__setattr__(self, "_record", record)

    def _fail(self, operation: str) -> BodyReleasedError:
        return BodyReleasedError(object.__getattribute__(self, "_record"), operation)

    def __getattr__(self, name: str) -> Any:
        raise self._fail(f".{name}")

    def __repr__(self) -> str:
        record = object.__getattribute__(self, "_record")
        return f"<released response body: {record.size} bytes from {record.source}>"


def _released_dunder(name: str):
    def refuse(self: _ReleasedBody, *args: Any) -> Any:
        raise self._fail(name)

    refuse.__name__ = name
    return refuse


for _name in (
    "__getitem__", "__len__", "__iter__", "__reversed__", "__contains__", "__bytes__", "__eq__", "__ne__",
    "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__bool__", "__add__", "__radd__", "__mul__", "__rmul__",
    "__index__", "__int__", "__float__", "__str__",
):
    setattr(_ReleasedBody, _name, _released_dunder(_name))


def strict_refusal(what: str, family_code: str, family_name: str, why: str, safe: str, record: BodyRecord) -> TypeError:
    message = (
        f"{what} on a response body proxy is refused by buffix's strict profile ({family_code} {family_name}): "
        f"{why}; use {safe} (body from {record.source}, created at {record.created_at})"
    )
    if threading.current_thread() is not threading.main_thread():
        # a server thread's framework turns the TypeError into a cut connection (the client sees IncompleteRead):
        # say here what was refused and why
        logging.getLogger("buffix.runtime").warning("%s (in thread %s)", message, threading.current_thread().name)
    return TypeError(message)


class BodyProxy(wrapt.ObjectProxy):
    """The default (`wrapt`) profile: exactly wrapt.ObjectProxy's behaviour, plus access recording."""

    __slots__ = ("_self_record",)  # set by the runtime right after construction (no Python __init__: it is hot)
    _self_record: BodyRecord
    slow_copy_warn_bytes = 64 * 1024  # set by the runtime from its settings
    # wrapt's __wrapped__ setter looks this up and calls it. Defined here, it is found on the type (not forwarded
    # to the body, which after a release raises BodyReleasedError); a C callable (NoneType() is None) keeps the
    # setter, run on every first access, free of a Python call.
    __wrapped_setattr_fixups__ = type(None)
    # CPython's generic lookup, not wrapt's C `__getattribute__`: wrapt's `__getattr__` (inherited) makes CPython
    # route every attribute read of a Python subclass through `slot_tp_getattr_hook`, which calls a
    # `__getattribute__` other than object's as a bound method (a method-wrapper built per read). With object's it
    # looks up directly, then falls back to wrapt's `__getattr__` (the body's attribute) as before. The setter of
    # `__wrapped__`, run on every first access, reads `__wrapped_setattr_fixups__` that way (~700 instructions
    # less). wrapt's lookup also forwarded `__module__` and `__doc__` to the body: `_Forwarded` below keeps that.
    __getattribute__ = object.__getattribute__

    # --- what wrapt forwards, recorded -------------------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        return _body(self, "[]")[key]

    def __len__(self) -> int:
        return len(_body(self, "len()"))

    def __iter__(self) -> Any:
        body = _body(self, "iter()")
        record = _record_of(self)
        if len(body) >= self.slow_copy_warn_bytes and not record.warned_slow_copy:
            record.warned_slow_copy = True
            try:
                warnings.warn(
                    f"iterating a {len(body)}-byte response body proxy int by int ({SLOW_COPY.code} "
                    f"{SLOW_COPY.name}): if this copies it (bytearray(body), array.array(code, body)), "
                    "use bytearray(body[:]) / array.array(code, body[:]) — a memcpy, 80-670x faster",
                    SlowCopyWarning,
                    stacklevel=2,
                )
            except SlowCopyWarning:  # `-W error` / filterwarnings=error: wrapt would iterate, so do we
                _body(self, "slow copy (warning filtered to an error)")  # counted
        return iter(body)

    def __reversed__(self) -> Any:
        return reversed(_body(self, "reversed()"))

    def __contains__(self, item: Any) -> bool:
        return item in _body(self, "in")

    def __bytes__(self) -> bytes:
        return bytes(_body(self, "bytes()"))

    def __eq__(self, other: Any) -> bool:
        return _body(self, "==") == other

    def __ne__(self, other: Any) -> bool:
        return _body(self, "!=") != other

    def __lt__(self, other: Any) -> bool:
        return _body(self, "<") < other

    def __le__(self, other: Any) -> bool:
        return _body(self, "<=") <= other

    def __gt__(self, other: Any) -> bool:
        return _body(self, ">") > other

    def __ge__(self, other: Any) -> bool:
        return _body(self, ">=") >= other

    def __hash__(self) -> int:
        return hash(_body(self, "hash()"))

    def __bool__(self) -> bool:
        return bool(_body(self, "bool()"))

    def __add__(self, other: Any) -> Any:
        return _body(self, "+") + other

    def __radd__(self, other: Any) -> Any:
        return other + _body(self, "+")

    def __mul__(self, other: Any) -> Any:
        return _body(self, "*") * other

    def __rmul__(self, other: Any) -> Any:
        return other * _body(self, "*")

    def __str__(self) -> str:
        return str(_body(self, "str()"))

    # wrapt forwards __class__ to the body, so `isinstance(body, bytes)` holds; after a release it must raise like
    # every other access (json.loads asks isinstance first), not turn False or name _ReleasedBody
    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return _body(self, "isinstance()/__class__").__class__

    def __repr__(self) -> str:
        record = _record_of(self)
        if record.released:
            return f"<released response body: {record.size} bytes from {record.source}>"
        return repr(_wrapped_of(self))

    # copy and pickle fail exactly as under wrapt.ObjectProxy (NotImplementedError), a released body says so first
    def __copy__(self) -> Any:
        _body(self, "copy")
        return super().__copy__()

    def __deepcopy__(self, memo: Any) -> Any:
        _body(self, "deepcopy")
        return super().__deepcopy__(memo)

    def __reduce__(self) -> Any:
        _body(self, "pickle")
        return super().__reduce__()

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        _body(self, "pickle")
        return super().__reduce_ex__(protocol)


def _field(name: str) -> Tuple[Callable[[Any], Any], Callable[[Any, Any], None]]:
    """C getter and setter of the proxy field `name`. Any attribute read on a Python subclass of wrapt's proxy goes
    through CPython's `__getattr__` hook (the class has a `__getattr__`), ~0.15 µs a read, and a write through
    wrapt's `__setattr__` checks; the field's own descriptor skips both. wrapt without its C extension keeps
    `__wrapped__` in the instance dict: then plain attribute access."""
    for klass in BodyProxy.__mro__:
        descriptor = vars(klass).get(name)
        if descriptor is not None and hasattr(descriptor, "__set__"):
            return descriptor.__get__, descriptor.__set__
    return operator.attrgetter(name), lambda proxy, value: setattr(proxy, name, value)


_record_of, set_record = _field("_self_record")
_wrapped_of, set_wrapped = _field("__wrapped__")


def _body(proxy: Any, operation: str) -> Any:
    """The body behind `proxy`, its access counted (a lost increment under a thread race is acceptable: access
    counts are diagnostics only); a released body raises."""
    record = _record_of(proxy)
    if record.released:
        raise BodyReleasedError(record, operation)
    accesses = record.accesses
    if accesses is None:
        accesses = record.accesses = {}
    accesses[operation] = accesses.get(operation, 0) + 1
    return _wrapped_of(proxy)


class StrictBodyProxy(BodyProxy):
    """The `strict` profile: also refuses what only works on wrapt-like proxies, as a getattr-only proxy would."""

    def __bytes__(self) -> bytes:
        raise strict_refusal(
            "bytes(body)", PROXY_DEPENDENT.code, PROXY_DEPENDENT.name,
            "it works only on proxies that forward __bytes__", "bytes(body[:])", _record_of(self),
        )

    def __add__(self, other: Any) -> Any:
        raise strict_refusal(
            "body + ...", PROXY_DEPENDENT.code, PROXY_DEPENDENT.name,
            "concatenation works only on proxies that forward __add__", "body[:] + ...", _record_of(self),
        )

    def __radd__(self, other: Any) -> Any:
        raise strict_refusal(
            "... + body", PROXY_DEPENDENT.code, PROXY_DEPENDENT.name,
            "concatenation works only on proxies that forward __radd__", "... + body[:]", _record_of(self),
        )

    def __iadd__(self, other: Any) -> Any:
        raise strict_refusal(
            "body += ...", PROXY_DEPENDENT.code, PROXY_DEPENDENT.name,
            "in-place concatenation works only on proxies that forward __iadd__", "body = body[:] + ...",
            _record_of(self),
        )

    def __iter__(self) -> Any:
        raise strict_refusal(
            "iterating the body (bytearray(body), array.array(code, body), list(body))", SLOW_COPY.code,
            SLOW_COPY.name, "it copies int by int and fails on getattr-only proxies",
            "bytearray(body[:]) / array.array(code, body[:])", _record_of(self),
        )


class BufferBodyProxy(BodyProxy):
    """Python 3.12+ root-cause mode (PEP 688): the proxy exports the body's buffer, so unsafe sites just work.

    Exports are counted through `__release_buffer__`; the runtime refuses to release a body while views exist.
    """

    _self_exports = 0  # views currently exported

    def __buffer__(self, flags: int) -> memoryview:
        view = memoryview(_body(self, "buffer"))
        self._self_exports += 1
        return view

    def __release_buffer__(self, view: memoryview) -> None:
        self._self_exports -= 1
        view.release()


class ObserveBodyProxy(BufferBodyProxy if hasattr(memoryview, "__buffer__") else BodyProxy):  # type: ignore[misc]
    """Observe mode: every export works (the buffer on 3.12+, bytes(), +, iteration) and is recorded where the
    program asked for it (buffix.runtime.observe)."""

    observer: Any = None  # set by the runtime

    if hasattr(memoryview, "__buffer__"):
        def __buffer__(self, flags: int) -> memoryview:
            self.observer.export("buffer", _record_of(self))
            return super().__buffer__(flags)

    def __bytes__(self) -> bytes:
        self.observer.export("bytes", _record_of(self))
        return super().__bytes__()

    def __add__(self, other: Any) -> Any:
        self.observer.export("add", _record_of(self))
        return super().__add__(other)

    def __radd__(self, other: Any) -> Any:
        self.observer.export("radd", _record_of(self))
        return super().__radd__(other)

    def __iter__(self) -> Any:
        self.observer.export("iter", _record_of(self))
        return iter(_body(self, "iter()"))


def exports_of(proxy: Any) -> int:
    return proxy._self_exports if issubclass(type(proxy), BufferBodyProxy) else 0


def release_proxy(proxy: BodyProxy) -> None:
    """Drop the proxy's reference to the body; every later access raises BodyReleasedError."""
    if exports_of(proxy):
        raise BufferError(f"cannot release a response body while {exports_of(proxy)} buffer views of it are exported")
    set_wrapped(proxy, _ReleasedBody(_record_of(proxy)))


class _Forwarded(str):
    """A proxy class's `__module__` / `__doc__`: the class's own string (a str, where `type` reads it raw), and
    for an instance, as wrapt forwards them, the body's (a data descriptor, so the generic lookup asks it)."""

    __slots__ = ("name",)
    name: str

    def __new__(cls, value: str, name: str) -> "_Forwarded":
        made = super().__new__(cls, value)
        made.name = name
        return made

    def __get__(self, proxy: Any, owner: Any = None) -> Any:
        if proxy is None:
            return str(self)
        return getattr(_body(proxy, "." + self.name), self.name)

    def __set__(self, proxy: Any, value: Any) -> None:
        setattr(_wrapped_of(proxy), self.name, value)  # as wrapt's setattr forwards them


HINT = "buffix: pass body[:]"
for _cls in (BodyProxy, StrictBodyProxy, BufferBodyProxy, ObserveBodyProxy):
    _cls.__name__ = f"{_cls.__name__} ({HINT})"
    _cls.__module__ = _Forwarded(_cls.__module__, "__module__")
    _cls.__doc__ = _Forwarded(_cls.__doc__ or "", "__doc__")
