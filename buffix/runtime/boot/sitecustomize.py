"""Loaded by every Python process that `buffix run` starts (its folder is put first on PYTHONPATH)."""


def _boot() -> None:
    import os
    import sys

    try:
        from buffix.runtime import bootstrap
    except ImportError:
        extra = os.environ.get("BUFFIX_RUNTIME_PATH")
        if not extra:
            raise
        sys.path.append(extra)
        from buffix.runtime import bootstrap
    bootstrap.start(os.path.dirname(os.path.abspath(__file__)))


try:
    _boot()
except Exception as error:  # never stop the user's program from starting
    import sys as _sys

    _sys.stderr.write(f"buffix run: runtime not installed in this process: {error}\n")
