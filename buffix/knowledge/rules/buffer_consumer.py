"""BFX1: operations that need the C buffer protocol, which no proxy provides (TypeError on every proxy kind): the
rules, their sinks and the objects whose methods are sinks."""

from buffix.knowledge.families import BUFFER_CONSUMER
from buffix.knowledge.model import SinkGroup
from buffix.knowledge.rules.rule import Invalid, Rule

_WHY = """A body handed out wrapped in a proxy (wrapt `ObjectProxy`, lazy-object-proxy, werkzeug `LocalProxy`,
Django `SimpleLazyObject`) forwards attributes and most dunders, but no proxy can provide the C buffer protocol
(on Python 3.11 and on 3.12+ unless it defines `__buffer__`, which none of these libraries does). {what} reads the
argument's buffer directly, so it raises `TypeError` on every proxied body."""

_SAFETY = """The fix slices the argument: `x` becomes `x[:]`. On a real `bytes` body `x[:] is x` (no copy, about
70 ns); through a proxy it returns the real body. The sink keeps its meaning. The fix is marked unsafe when the body's
provenance is only guessed, when a comment sits inside the argument, or when the sink name may be shadowed."""


def _rule(short, code, name, subject, example, fixed, valid, invalid, extra_why=""):
    return Rule(
        code=code,
        name=name,
        summary=f"{short} needs a real buffer; a proxied response body raises TypeError",
        what=f"Finds HTTP response bodies (or their chunks) passed to {subject}.",
        why=_WHY.format(what=subject) + extra_why,
        example=example,
        use_instead=fixed,
        fix_safety=_SAFETY,
        valid=valid,
        invalid=invalid,
    )


RULES = (
    _rule(
        "memoryview()", "BFX101", "memoryview-of-body", "`memoryview()`",
        "import requests\nview = memoryview(requests.get(url).content)",
        "import requests\nview = memoryview(requests.get(url).content[:])",
        valid=(
            "import requests\nview = memoryview(requests.get(url).content[:])",
            "def memoryview(x):\n    return x\nimport requests\nmemoryview(requests.get(url).content)",
            "data = bytearray(16)\nview = memoryview(data)",
        ),
        invalid=(
            Invalid("import requests\nview = memoryview(requests.get(url).content)", 2, 19),
            Invalid("import httpx as hx\nr = hx.get(url)\nbody = r.content\nmemoryview(body)", 4, 12),
            Invalid("import requests\nview = memoryview(bytearray(8))\nview[0:8] = requests.get(url).content", 3, 13),
        ),
        extra_why="\n\nIf the body may be a mutable `bytearray`, `memoryview(x[:])` views a copy, not the original. "
                  "Assigning a body into a slice of a memoryview (`view[i:j] = chunk`) needs a buffer too.",
    ),
    _rule(
        "io.BytesIO()", "BFX102", "bytesio-of-body",
        "`io.BytesIO()` (and every loader fed through it: PIL, wave, zipfile, tarfile...)",
        "import io, requests\nfrom PIL import Image\nimg = Image.open(io.BytesIO(requests.get(url).content))",
        "import io, requests\nfrom PIL import Image\nimg = Image.open(io.BytesIO(requests.get(url).content[:]))",
        valid=(
            "import io\nwith open(path, 'rb') as f:\n    file_bytes = f.read()\nbuf = io.BytesIO(file_bytes)",
            "import io, requests\nbuf = io.BytesIO(requests.get(url).content[:])",
        ),
        invalid=(
            Invalid("import io, requests\nbuf = io.BytesIO(requests.get(url).content)", 2, 18),
            Invalid("from io import BytesIO\nimport urllib.request\nBytesIO(urllib.request.urlopen(u).read())", 3, 9),
        ),
    ),
    _rule(
        "base64/binascii", "BFX103", "base64-of-body", "base64 / binascii encoding and decoding",
        "import base64, requests\nencoded = base64.b64encode(requests.get(url).content)",
        "import base64, requests\nencoded = base64.b64encode(requests.get(url).content[:])",
        valid=(
            "import base64\nencoded = base64.b64encode(password.encode())",
            "import base64, requests\nencoded = base64.b64encode(requests.get(url).text.encode())",
        ),
        invalid=(
            Invalid("import base64, requests\nencoded = base64.b64encode(requests.get(url).content)", 2, 28),
            Invalid("import binascii, httpx\nbinascii.hexlify(httpx.get(u).content)", 2, 18),
        ),
    ),
    _rule(
        "hashing", "BFX104", "hash-of-body", "hashlib constructors, `.update()`, `hmac.new` and `zlib.crc32`/`adler32`",
        "import hashlib, requests\ndigest = hashlib.sha256(requests.get(url).content).hexdigest()",
        "import hashlib, requests\ndigest = hashlib.sha256(requests.get(url).content[:]).hexdigest()",
        valid=(
            "import hashlib\ndigest = hashlib.sha256(b'abc').hexdigest()",
            "import hashlib, requests\nh = hashlib.md5()\n"
            "for chunk in requests.get(u, stream=True).iter_content(1024):\n"
            "    h.update(chunk[:])",
        ),
        invalid=(
            Invalid("import hashlib, requests\ndigest = hashlib.sha256(requests.get(url).content).hexdigest()", 2, 25),
            Invalid("import hashlib, requests\nh = hashlib.md5()\nr = requests.get(u, stream=True)\n"
                    "for chunk in r.iter_content(1024):\n    h.update(chunk)", 5, 14),
        ),
    ),
    _rule(
        "(de)compression", "BFX105", "decompress-body", "zlib / gzip / bz2 / lzma compression and decompression",
        "import gzip, requests\ntext = gzip.decompress(requests.get(url).content)",
        "import gzip, requests\ntext = gzip.decompress(requests.get(url).content[:])",
        valid=("import gzip\nwith open(p, 'rb') as f:\n    data = gzip.decompress(f.read())",),
        invalid=(
            Invalid("import gzip, requests\ntext = gzip.decompress(requests.get(url).content)", 2, 24),
            Invalid("import zlib, httpx\nd = zlib.decompressobj()\nwith httpx.stream('GET', u) as r:\n"
                    "    for c in r.iter_bytes():\n        out = d.decompress(c)", 5, 28),
        ),
    ),
    _rule(
        "binary unpacking", "BFX106", "unpack-body", "`struct.unpack*` and `numpy.frombuffer`",
        "import struct, requests\n(magic,) = struct.unpack_from('>I', requests.get(url).content)",
        "import struct, requests\n(magic,) = struct.unpack_from('>I', requests.get(url).content[:])",
        valid=("import struct\n(n,) = struct.unpack('>I', b'\\x00\\x00\\x00\\x01')",),
        invalid=(
            Invalid("import struct, requests\n(magic,) = struct.unpack_from('>I', requests.get(url).content)", 2, 37),
            Invalid("import numpy as np, requests\n"
                    "arr = np.frombuffer(requests.get(u).content, dtype=np.uint8)", 2, 21),
        ),
    ),
    _rule(
        "decoding with str()/codecs", "BFX107", "decode-body-via-str", "`str(x, encoding)` and `codecs.decode`",
        "import requests\ntext = str(requests.get(url).content, 'utf-8')",
        "import requests\ntext = str(requests.get(url).content[:], 'utf-8')",
        valid=(
            "import requests\ntext = requests.get(url).content.decode('utf-8')",
            "import requests\nlabel = str(requests.get(url).content)",
        ),
        invalid=(
            Invalid("import requests\ntext = str(requests.get(url).content, 'utf-8')", 2, 12),
            Invalid("import codecs, requests\ncodecs.decode(requests.get(u).content, 'latin-1')", 2, 15),
        ),
        extra_why=" By hand, `body.decode(encoding)` is as good: `decode` is a method, which every proxy forwards.",
    ),
    _rule(
        "deserializing (pickle, ElementTree, re)", "BFX108", "deserialize-body",
        "`pickle.loads`, ElementTree `fromstring`/`XML` and `re` with bytes patterns",
        "import pickle, requests\nobj = pickle.loads(requests.get(url).content)",
        "import pickle, requests\nobj = pickle.loads(requests.get(url).content[:])",
        valid=(
            "import json, requests\nobj = json.loads(requests.get(url).content)",
            "import re\nm = re.match(b'GIF8', header)",
        ),
        invalid=(
            Invalid("import pickle, requests\nobj = pickle.loads(requests.get(url).content)", 2, 20),
            Invalid("import xml.etree.ElementTree as ET, requests\n"
                    "root = ET.fromstring(requests.get(u).content)", 2, 22),
            Invalid("import re, requests\nm = re.search(b'<title>', requests.get(u).content)", 2, 27),
        ),
    ),
)

FAMILY = BUFFER_CONSUMER
LEVEL = "error"  # TypeError on every proxy
PRECISION = "high"  # the sink fails on every proxy: a false positive is a value that is not a body

_UNMEASURED = "not in the runtime matrix (tests/sinks.py)"
_LXML = ("lxml is no test dependency; measured by hand with lxml 6.1.3 and wrapt: each raises TypeError on a proxy "
         "(facts/semantics.md has no lxml row yet)")
_BY_HAND = ("no test dependency; measured by hand with wrapt: Pillow 13.0.0 `Image.frombytes`/`frombuffer`, "
            "msgpack 1.2.4 `unpackb` and `Unpacker.feed`, cbor2 `loads`, ujson 6.1.0 `loads` raise TypeError on a "
            "proxy, orjson 3.13.0 `loads` its JSONDecodeError")
_CRYPTOGRAPHY = ("cryptography is no test dependency; measured by hand with cryptography 50.0.2 and wrapt: "
                 "`algorithms.AES(proxy)` is accepted, `Cipher(...).decryptor()` then raises TypeError")
_BASE64 = ("b64encode", "b64decode", "standard_b64encode", "standard_b64decode", "urlsafe_b64encode",
           "urlsafe_b64decode", "b32encode", "b32decode", "b32hexencode", "b32hexdecode", "b16encode", "b16decode",
           "b85encode", "b85decode", "a85encode", "a85decode", "encodebytes", "decodebytes")
_BINASCII = ("hexlify", "unhexlify", "b2a_base64", "a2b_base64", "b2a_hex", "a2b_hex", "crc32", "crc_hqx", "b2a_qp",
             "a2b_qp")
_HASHLIB = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512", "blake2b", "blake2s", "sha3_224", "sha3_256",
            "sha3_384", "sha3_512", "shake_128", "shake_256")
_RE = ("match", "search", "fullmatch", "findall", "finditer", "split")

SINKS = (
    SinkGroup("BFX101", call=("builtins.memoryview",), arg=0, keyword=("object",)),
    SinkGroup("BFX102", call=("io.BytesIO", "_io.BytesIO"), arg=0, keyword=("initial_bytes",)),
    SinkGroup("BFX103", call=tuple(f"base64.{name}" for name in _BASE64), arg=0, keyword=("s", "b")),
    SinkGroup("BFX103", call=tuple(f"binascii.{name}" for name in _BINASCII), arg=0, keyword=("data",),
              unmeasured=_UNMEASURED),
    SinkGroup("BFX104", call=tuple(f"hashlib.{name}" for name in _HASHLIB), arg=0, keyword=("string", "data")),
    SinkGroup("BFX104", call=("hashlib.new",), arg=1, keyword=("string", "data"), unmeasured=_UNMEASURED),
    SinkGroup("BFX104", call=("hmac.new", "hmac.digest"), arg=1, keyword=("msg",)),
    SinkGroup("BFX104", call=("zlib.crc32", "zlib.adler32"), arg=0, keyword=("data",)),
    # comparing a body with a digest: both operands must be buffers (or both str)
    SinkGroup("BFX104", call=("hmac.compare_digest", "secrets.compare_digest"), arg=0, keyword=("a",)),
    SinkGroup("BFX104", call=("hmac.compare_digest", "secrets.compare_digest"), arg=1, keyword=("b",)),
    SinkGroup("BFX104", method=("*.update",), arg=0),
    SinkGroup("BFX105", call=("zlib.decompress", "zlib.compress", "gzip.decompress", "gzip.compress",
                              "bz2.decompress", "bz2.compress", "lzma.decompress", "lzma.compress",
                              "brotli.decompress", "zstandard.decompress"), arg=0, keyword=("data",)),
    SinkGroup("BFX105", method=("*.decompress", "*.compress"), arg=0, keyword=("data",), unmeasured=_UNMEASURED),
    SinkGroup("BFX105", method=("brotli.Decompressor.process", "brotli.Compressor.process"), arg=0,
              keyword=("string", "data"), unmeasured=_UNMEASURED),
    SinkGroup("BFX106", call=("struct.unpack", "struct.unpack_from", "struct.iter_unpack"), arg=1,
              keyword=("buffer",)),
    SinkGroup("BFX106", method=("struct.Struct.unpack", "struct.Struct.unpack_from", "struct.Struct.iter_unpack"),
              arg=0, keyword=("buffer",), unmeasured=_UNMEASURED),
    SinkGroup("BFX106", call=("numpy.frombuffer",), arg=0, keyword=("buffer",)),
    SinkGroup("BFX106", call=("PIL.Image.frombytes", "PIL.Image.frombuffer"), arg=2, keyword=("data",),
              unmeasured=_BY_HAND),
    SinkGroup("BFX107", call=("builtins.str",), arg=0, keyword=("object",), when="encoded"),
    SinkGroup("BFX107", call=("codecs.decode", "codecs.encode"), arg=0, keyword=("obj",)),
    # an incremental decoder of a single-byte codec reads its input as a buffer; UTF-8's joins it to its pending
    # bytes first (`b"" + input`), which a proxy forwarding `__radd__` survives: the charset is rarely known
    SinkGroup("BFX107", method=("codecs.IncrementalDecoder.decode",), arg=0, keyword=("input",)),
    SinkGroup("BFX108", call=("pickle.loads", "_pickle.loads", "marshal.loads"), arg=0, keyword=("data",)),
    # C deserializers; orjson raises its JSONDecodeError (a ValueError), not TypeError
    SinkGroup("BFX108", call=("msgpack.unpackb", "msgpack.loads", "cbor2.loads", "orjson.loads", "ujson.loads",
                              "ujson.decode"), arg=0, unmeasured=_BY_HAND),
    SinkGroup("BFX108", method=("msgpack.Unpacker.feed",), arg=0, keyword=("next_bytes",), unmeasured=_BY_HAND),
    SinkGroup("BFX108", call=("xml.etree.ElementTree.fromstring", "xml.etree.ElementTree.XML",
                              "xml.etree.cElementTree.fromstring", "xml.etree.cElementTree.XML",
                              "defusedxml.ElementTree.fromstring"), arg=0, keyword=("text",)),
    SinkGroup("BFX108", call=("xml.dom.minidom.parseString", "xml.dom.pulldom.parseString", "xml.sax.parseString",
                              "defusedxml.minidom.parseString", "defusedxml.sax.parseString"), arg=0,
              keyword=("string",), unmeasured=_UNMEASURED),
    SinkGroup("BFX108", call=tuple(f"re.{name}" for name in _RE), arg=1, keyword=("string",)),
    SinkGroup("BFX108", call=("re.sub", "re.subn"), arg=2, keyword=("string",), unmeasured=_UNMEASURED),
    SinkGroup("BFX108", method=tuple(f"re.Pattern.{name}" for name in _RE), arg=0, keyword=("string",),
              unmeasured=_UNMEASURED),
    SinkGroup("BFX108", method=("re.Pattern.sub", "re.Pattern.subn"), arg=1, keyword=("string",),
              unmeasured=_UNMEASURED),
    SinkGroup("BFX108", method=("PIL.ImageFile.Parser.feed", "xml.etree.ElementTree.XMLParser.feed"), arg=0,
              keyword=("data",), unmeasured=_UNMEASURED),
    SinkGroup("BFX108", call=("lxml.etree.fromstring", "lxml.etree.XML", "lxml.etree.HTML",
                              "lxml.html.document_fromstring", "lxml.html.fragment_fromstring",
                              "lxml.html.fragments_fromstring", "lxml.html.fromstring"), arg=0,
              keyword=("text", "html"), unmeasured=_LXML),
    SinkGroup("BFX108", method=("lxml.etree._FeedParser.feed",), arg=0, keyword=("data",), unmeasured=_LXML),
    # what a custom resolver (a subclass) hands lxml for an external entity (measured with lxml 6.2.0: TypeError)
    SinkGroup("BFX108", method=("lxml.etree.Resolver.resolve_string",), arg=0, keyword=("string",),
              unmeasured=_LXML),
    SinkGroup("BFX104", method=("Crypto.Cipher.encrypt", "Crypto.Cipher.decrypt"), arg=0,
              keyword=("plaintext", "ciphertext"), unmeasured=_UNMEASURED),
    SinkGroup("BFX104", call=("Crypto.Cipher.AES.new", "Cryptodome.Cipher.AES.new"), arg=0, keyword=("key",),
              unmeasured=_UNMEASURED),
    SinkGroup("BFX104", method=("cryptography.AEAD.encrypt", "cryptography.AEAD.decrypt"), arg=1, keyword=("data",),
              unmeasured=_UNMEASURED),  # AESGCM(key).decrypt(nonce, data, associated_data)
    # the key of a cryptography cipher: kept as given, read as a buffer when `.encryptor()` / `.decryptor()` is
    # made, so reported where it enters
    SinkGroup("BFX104", call=tuple(f"cryptography.hazmat.primitives.ciphers.algorithms.{name}" for name in (
        "AES", "AES128", "AES256", "Camellia", "TripleDES", "SM4", "ChaCha20")), arg=0, keyword=("key",),
              unmeasured=_CRYPTOGRAPHY),
)

# Other modules' names for the sinks above (six's, on Python 3)
REEXPORTS = {"six.BytesIO": "io.BytesIO", "six.moves.cPickle": "pickle"}

# The receivers of the method sinks above: C parsers and ciphers, whose methods take a buffer. RECEIVER_TYPES are
# catalog types (what their methods return), RECEIVER_OBJECTS the callables that make one.
RECEIVER_TYPES = {
    "re.Pattern": {},
    "struct.Struct": {},
    "PIL.ImageFile.Parser": {},
    "xml.etree.ElementTree.XMLParser": {},
    "Crypto.Cipher": {},
    "cryptography.Cipher": {"methods": {"encryptor": "cryptography.CipherContext",
                                        "decryptor": "cryptography.CipherContext"}},
    "cryptography.CipherContext": {},
    "cryptography.AEAD": {},
    "lxml.etree._FeedParser": {},
    "lxml.etree.Resolver": {},
    "msgpack.Unpacker": {},
    "brotli.Decompressor": {},
    "brotli.Compressor": {},
    "codecs.IncrementalDecoderClass": {"methods": {"__call__": "codecs.IncrementalDecoder"}},
    "codecs.IncrementalDecoder": {"annotations": ["codecs.IncrementalDecoder", "codecs.BufferedIncrementalDecoder"]},
}
RECEIVER_OBJECTS = {
    "re.compile": "re.Pattern",
    "msgpack.Unpacker": "msgpack.Unpacker",
    "struct.Struct": "struct.Struct",
    "PIL.ImageFile.Parser": "PIL.ImageFile.Parser",
    "xml.etree.ElementTree.XMLParser": "xml.etree.ElementTree.XMLParser",
    "xml.etree.ElementTree.XMLPullParser": "xml.etree.ElementTree.XMLParser",
    "xml.etree.cElementTree.XMLParser": "xml.etree.ElementTree.XMLParser",
    "Crypto.Cipher.AES.new": "Crypto.Cipher",
    "Cryptodome.Cipher.AES.new": "Crypto.Cipher",
    "cryptography.hazmat.primitives.ciphers.Cipher": "cryptography.Cipher",
    "codecs.getincrementaldecoder": "codecs.IncrementalDecoderClass",
    **{f"{module}.{name}": f"brotli.{name}" for module in ("brotli", "brotlicffi")
       for name in ("Decompressor", "Compressor")},
    "lxml.etree.Resolver": "lxml.etree.Resolver",
    **{f"lxml.etree.{name}": "lxml.etree._FeedParser"
       for name in ("XMLParser", "HTMLParser", "XMLPullParser", "HTMLPullParser")},
    **{f"cryptography.hazmat.primitives.ciphers.aead.{name}": "cryptography.AEAD"
       for name in ("AESGCM", "AESCCM", "AESOCB3", "AESGCMSIV", "ChaCha20Poly1305")},  # not AESSIV: data first
}
