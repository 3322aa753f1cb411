"""Write the UD treebank files the downstream workflow converts: whole, or their first sentences for a smoke run.

Usage: python scripts/slice_conllu.py TRAIN DEV TEST OUTPUT_DIR --smoke true|false

Writes OUTPUT_DIR/train.conllu, dev.conllu and test.conllu (CoNLL-U:
sentences separated by blank lines), which `spacy convert` turns into
OUTPUT_DIR/{train,dev,test}.spacy. The smoke sizes are in scripts/presets.py.
"""
import argparse
import sys
from pathlib import Path
from typing import Iterator, List, Optional, Sequence

from presets import SMOKE_SENTENCES, parse_bool
from spacy_elmo_w2v.output import atomic_output_file
from wasabi import msg

SPLITS = ("train", "dev", "test")


def iter_sentences(path: Path) -> Iterator[str]:
    """The sentences of a CoNLL-U file, each as its lines (comments included) ending in one blank line."""
    lines: List[str] = []
    with path.open("r", encoding="utf8") as f:
        for line in f:
            if line.strip():
                lines.append(line if line.endswith("\n") else line + "\n")
            elif lines:
                yield "".join(lines) + "\n"
                lines = []
    if lines:
        yield "".join(lines) + "\n"


def write_head(source: Path, dest: Path, n_sentences: Optional[int]) -> int:
    """Write the first ``n_sentences`` sentences of ``source`` (all when None) to ``dest``; return how many."""
    written = 0
    with atomic_output_file(dest) as tmp:
        with tmp.open("w", encoding="utf8") as out:
            for sentence in iter_sentences(source):
                if n_sentences is not None and written >= n_sentences:
                    break
                out.write(sentence)
                written += 1
        if written == 0:
            raise SystemExit(f"{source} holds no CoNLL-U sentence: is it a UD .conllu file?")
    return written


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Write the three splits; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for split in SPLITS:
        parser.add_argument(split, type=Path, help=f"The {split} .conllu file")
    parser.add_argument("output_dir", type=Path)
    parser.add_argument("--smoke", type=parse_bool, default=False, help="Keep only the first sentences (true/false)")
    args = parser.parse_args(argv)
    for split in SPLITS:
        dest = args.output_dir / f"{split}.conllu"
        n = write_head(getattr(args, split), dest, SMOKE_SENTENCES[split] if args.smoke else None)
        msg.good(f"{dest}: {n:,} sentences from {getattr(args, split)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
