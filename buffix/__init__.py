"""buffix: find, fix and prove buffer-protocol bugs when HTTP response bodies are wrapped in proxies."""

__version__ = "0.1.0"
