"""BFX9: findings about buffix's own suppression comments."""

from buffix.knowledge.rules.rule import Invalid, Rule

_FORMAT = ("Suppressions read `# buffix: ignore[CODE, ...]` on the finding's line or on the line above; "
           "codes are required.")

RULES = (
    Rule(
        code="BFX901",
        name="unused-suppression",
        summary="this suppression comment matches no finding",
        what="Finds `# buffix: ignore[...]` comments that suppress nothing (any more).",
        why="A stale suppression hides the next real finding on that line and misleads readers. " + _FORMAT,
        example="data = b''.join(parts)  # buffix: ignore[BFX203]",
        use_instead="data = b''.join(parts)",
        fix_safety="No automatic fix: delete the comment, or the codes it no longer needs.",
        fixable=False,
        valid=("import requests\nm = memoryview(requests.get(u).content)  # buffix: ignore[BFX101]",),
        invalid=(Invalid("x = 1  # buffix: ignore[BFX101]", 1, 8),),
    ),
    Rule(
        code="BFX902",
        name="unknown-suppression-code",
        summary="this suppression names a code buffix does not know",
        what="Finds `# buffix: ignore[...]` comments naming unknown codes, or none.",
        why="A typo in a code suppresses nothing, silently. " + _FORMAT,
        example="x = memoryview(body)  # buffix: ignore[BFX1O1]",
        use_instead="x = memoryview(body)  # buffix: ignore[BFX101]",
        fix_safety="No automatic fix.",
        fixable=False,
        valid=("x = 1  # buffix: ignore[BFX1]\nimport requests\nm = memoryview(requests.get(u).content)",),
        invalid=(Invalid("x = 1  # buffix: ignore[BFX1O1]", 1, 8), Invalid("x = 1  # buffix: ignore", 1, 8)),
    ),
)

FAMILY = None  # about buffix's own comments, not about a proxied body
LEVEL = "warning"
PRECISION = "very-high"  # a fact about the comment itself
SINKS = ()
