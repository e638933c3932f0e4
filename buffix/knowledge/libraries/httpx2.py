"""httpx2: an API-compatible fork of httpx, known to the analyzer under httpx's facts."""

from buffix.knowledge.model import Library

LIBRARY = Library(
    name="httpx2",
    aliases={"httpx2": "httpx"},  # every source, annotation and call sink of httpx, as httpx2.*
    analyzer_only="httpx2 has its own Response class, which the runtime does not hook",
)
