"""JUnit XML, as CI test-report readers take it (GitLab `artifacts: reports: junit:`, Jenkins, Azure, CircleCI):
one <testsuite> per file with findings or errors, one failing <testcase> per finding, one <testcase> with an
<error> per file buffix could not check; a clean run is one passing test case. Only the elements and attributes of
the Jenkins JUnit schema (junit-10.xsd, which pytest's xunit2 family follows) are used, so strict readers take it;
docs/output.md shows the shape.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from typing import Dict, List, Sequence, Tuple

from buffix.core.findings import FileResult
from buffix.report.common import Reported, ReportOptions, errors_in_order, report_path, reported

SUITE = "buffix"
# characters XML 1.0 cannot hold, even escaped (C0 controls but tab, newline, carriage return; U+FFFE, U+FFFF), and
# the lone surrogates that stand for the bytes of a file name that is not UTF-8
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """`text` with what XML cannot hold spelled as Python escapes (`\\x01`, `\\udce9`), on stdout as in a file."""
    return _NOT_XML.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _element(parent: ElementTree.Element, tag: str, text: str = "", **attributes: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, tag, {key: xml_text(value) for key, value in attributes.items()})
    if text:
        element.text = xml_text(text)
    return element


def _suite(root: ElementTree.Element, path: str, findings: List[Reported], error: str) -> Tuple[int, int]:
    suite = _element(root, "testsuite", name=path, tests=str(len(findings) + bool(error)),
                     failures=str(len(findings)), errors=str(int(bool(error))), skipped="0")
    for item in findings:
        finding = item.finding
        case = _element(suite, "testcase", name=f"{item.rule} {finding.line}:{finding.column}", classname=path)
        _element(case, "failure",
                 f"{path}:{finding.line}:{finding.column}: {item.rule}\n{finding.message}\nDocs: {item.docs}",
                 message=finding.message, type=finding.code)
    if error:
        case = _element(suite, "testcase", name="check", classname=path)
        _element(case, "error", f"{path}: error: {error}", message=error, type="file-error")
    return len(findings), int(bool(error))


def render(results: Sequence[FileResult], options: ReportOptions) -> str:
    by_path: Dict[str, List[Reported]] = {}
    for item in reported(results, options):
        by_path.setdefault(item.path, []).append(item)
    errors = {report_path(e.path, options.base): e.message for e in errors_in_order(results)}
    root = ElementTree.Element("testsuites", name=SUITE)
    failures = failed = 0
    for path in sorted(set(by_path) | set(errors)):
        found, broken = _suite(root, path, by_path.get(path, []), errors.get(path, ""))
        failures += found
        failed += broken
    if not len(root):
        suite = _element(root, "testsuite", name=SUITE, tests="1", failures="0", errors="0", skipped="0")
        _element(suite, "testcase", name="no findings", classname=SUITE)
    root.set("tests", str(max(1, failures + failed)))
    root.set("failures", str(failures))
    root.set("errors", str(failed))
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"
