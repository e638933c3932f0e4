"""buffix: find, fix and prove buffer-protocol bugs when HTTP response bodies are wrapped in proxies.

PYTEST_DONT_REWRITE: `buffix run -- pytest` imports buffix (its sitecustomize) before pytest marks the plugin's
package for assertion rewriting; without this marker pytest warns, and a suite with `filterwarnings = error`
stops before collecting.
"""

__version__ = "0.1.0"
