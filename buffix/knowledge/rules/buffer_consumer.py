"""BFX1: operations that need the C buffer protocol, which no proxy provides (TypeError on every proxy kind)."""

from buffix.knowledge.rules import Invalid, Rule

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
        ),
        extra_why="\n\nIf the body may be a mutable `bytearray`, `memoryview(x[:])` views a copy, not the original.",
    ),
    _rule(
        "io.BytesIO()", "BFX102", "bytesio-of-body", "`io.BytesIO()` (and every loader fed through it: PIL, wave, zipfile, tarfile...)",
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
            "import hashlib, requests\nh = hashlib.md5()\nfor chunk in requests.get(u, stream=True).iter_content(1024):\n"
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
            Invalid("import numpy as np, requests\narr = np.frombuffer(requests.get(u).content, dtype=np.uint8)", 2, 21),
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
        "deserializing (pickle, ElementTree, re)", "BFX108", "deserialize-body", "`pickle.loads`, ElementTree `fromstring`/`XML` and `re` with bytes patterns",
        "import pickle, requests\nobj = pickle.loads(requests.get(url).content)",
        "import pickle, requests\nobj = pickle.loads(requests.get(url).content[:])",
        valid=(
            "import json, requests\nobj = json.loads(requests.get(url).content)",
            "import re\nm = re.match(b'GIF8', header)",
        ),
        invalid=(
            Invalid("import pickle, requests\nobj = pickle.loads(requests.get(url).content)", 2, 20),
            Invalid("import xml.etree.ElementTree as ET, requests\nroot = ET.fromstring(requests.get(u).content)", 2, 22),
            Invalid("import re, requests\nm = re.search(b'<title>', requests.get(u).content)", 2, 27),
        ),
    ),
)
