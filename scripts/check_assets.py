"""Stop the workflow early when an input file is missing or is not the expected file.

Usage: python scripts/check_assets.py FILE [FILE ...] [--project-dir DIR]

Every FILE must exist and be non-empty. A FILE that is an asset of
project.yml with a ``checksum`` must also have that MD5, the same check
``spacy project assets`` makes. Exits with status 1 and one line per problem,
each naming the file and what to do.
"""
import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from wasabi import msg
from weasel.util import get_checksum, load_project_config

FETCH_HINT = (
    "Run `spacy project assets` to download it, or (offline) copy the file there yourself; "
    "the URL and MD5 are in project.yml under `assets`."
)


def project_assets(project_dir: Path) -> Dict[Path, Dict[str, Any]]:
    """Map each asset's resolved ``dest`` in project.yml to its entry (``url``, ``checksum``, ``description``)."""
    config = load_project_config(project_dir)
    return {(project_dir / a["dest"]).resolve(): a for a in config.get("assets", [])}


def asset_checksums(project_dir: Path) -> Dict[Path, Optional[str]]:
    """Map each asset's resolved ``dest`` in project.yml to its MD5 checksum (None when it has none)."""
    return {dest: asset.get("checksum") for dest, asset in project_assets(project_dir).items()}


def find_problems(files: Sequence[Path], checksums: Dict[Path, Optional[str]]) -> List[str]:
    """One message per file that is missing, empty, or whose MD5 differs from project.yml's."""
    problems = []
    for path in files:
        expected = checksums.get(path.resolve())
        if not path.exists():
            hint = FETCH_HINT if path.resolve() in checksums else "Create it or point the project var at the right file."
            problems.append(f"{path} is missing. {hint}")
        elif path.is_file() and path.stat().st_size == 0:
            problems.append(f"{path} is empty. Delete it and fetch it again. {FETCH_HINT}")
        elif expected and get_checksum(path) != expected:
            problems.append(
                f"{path} has MD5 {get_checksum(path)} but project.yml expects {expected}: it is incomplete or "
                f"a different file. Delete it and run `spacy project assets`, or copy the right file there."
            )
    return problems


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Check the files; return 0 when all are fine, 1 otherwise (after printing the problems)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="Files the workflow reads")
    parser.add_argument("--project-dir", type=Path, default=Path("."), help="Directory holding project.yml")
    args = parser.parse_args(argv)
    problems = find_problems(args.files, asset_checksums(args.project_dir))
    for problem in problems:
        msg.fail(problem)
    if problems:
        return 1
    msg.good(f"{len(args.files)} input file(s) present" + (" with matching checksums" if args.files else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
