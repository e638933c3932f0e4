"""What buffix knows about client libraries, sinks and rules: data, read by the analyzer and the runtime.

    libraries/*.py   one file per client library: analyzer facts and runtime hook points
    rules/*.py       one module per rule family: its rules, family, SARIF level and sinks
    sinks.py         the sink catalog, collected from the family modules and the library files
    guesses.py       what the analyzer assumes about values it cannot resolve
    catalog.py       all of it (plus the user's config) validated and indexed for the analyzer
    model.py         the shapes: Library, Hooks, HookPoint, SinkGroup
"""
