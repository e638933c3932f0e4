"""The analyzer: find response bodies that reach buffer sinks, following the data from source to sink.

    from buffix.analysis import analyze_source, might_contain_sink, Project
    result = analyze_source(data, "pkg/mod.py", config, project=Project([root], config))

LibCST is never imported here; `ast` parses, and only files that pass the byte prefilter are parsed at all.
The layout: `prefilter/` (which files can hold a finding), `flow/` (the flow analysis of one scope), `module`
(one module under analysis), `project/` (the tree as a whole), `results` (what was found -> findings).
"""

from buffix.analysis.analyze import analyze_source
from buffix.analysis.prefilter.screen import screen
from buffix.analysis.prefilter.tokens import might_contain_sink
from buffix.analysis.project import Project

__all__ = ["analyze_source", "might_contain_sink", "Project", "screen"]
