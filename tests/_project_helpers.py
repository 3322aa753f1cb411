"""Importing the project's scripts/ modules in tests (they import each other by bare name)."""
import importlib
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"


def import_script(name: str) -> ModuleType:
    """The module scripts/<name>.py, with scripts/ put on sys.path as when it runs."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    return importlib.import_module(name)
