"""Write the corpus the pretraining commands read: the whole files, or their first lines for a smoke run.

Usage: python scripts/prepare_corpus.py TRAIN DEV TEST OUTPUT_DIR --smoke true|false

Writes OUTPUT_DIR/train.txt, dev.txt and test.txt (one sentence per line,
as in PTB). The smoke sizes are in scripts/presets.py.
"""
import argparse
import shutil
import sys
from itertools import islice
from pathlib import Path
from typing import Optional, Sequence

from presets import SMOKE_LINES, parse_bool
from spacy_elmo_w2v.output import atomic_output_file
from wasabi import msg


def copy_head(source: Path, dest: Path, n_lines: Optional[int]) -> int:
    """Copy ``source`` to ``dest`` (all of it, or its first ``n_lines`` lines); return the lines written."""
    with atomic_output_file(dest) as tmp:
        if n_lines is None:
            shutil.copyfile(source, tmp)
            with tmp.open("rb") as f:
                written = sum(1 for _ in f)
        else:
            with source.open("r", encoding="utf8") as src, tmp.open("w", encoding="utf8") as out:
                lines = list(islice(src, n_lines))
                out.writelines(lines)
                written = len(lines)
        if written == 0:
            raise SystemExit(f"{source} has no lines: the corpus files need one sentence per line.")
    return written


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Write the three splits; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for split in ("train", "dev", "test"):
        parser.add_argument(split, type=Path, help=f"The {split} text file")
    parser.add_argument("output_dir", type=Path)
    parser.add_argument("--smoke", type=parse_bool, default=False, help="Keep only the first lines (true/false)")
    args = parser.parse_args(argv)
    for split in ("train", "dev", "test"):
        limit = SMOKE_LINES[split] if args.smoke else None
        n = copy_head(getattr(args, split), args.output_dir / f"{split}.txt", limit)
        msg.good(f"{args.output_dir / f'{split}.txt'}: {n:,} lines from {getattr(args, split)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
