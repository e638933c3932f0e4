"""niquests: an API-compatible successor of requests, known to the analyzer under requests' facts."""

from buffix.knowledge.model import Library

LIBRARY = Library(
    name="niquests",
    aliases={"niquests": "requests"},  # every source, annotation and call sink of requests, as niquests.*
    analyzer_only="niquests has its own Response class, which the runtime does not hook",
)
