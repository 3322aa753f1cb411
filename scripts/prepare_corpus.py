"""Write the corpus the pretraining commands read: the whole files, or their first lines for a smoke run.

Usage: python scripts/prepare_corpus.py TRAIN DEV TEST OUTPUT_DIR --smoke true|false

Writes OUTPUT_DIR/train.txt, dev.txt and test.txt (one sentence per line,
as in PTB). A plain text file is copied as it is; any other corpus the
pretraining commands read (``.jsonl``, a ``.spacy`` DocBin, ``.gz``/``.bz2``,
a directory of such files) is written out as its tokenized sentences, one
per line, so the later steps read every format the same way. The smoke
sizes are in scripts/presets.py.
"""
import argparse
import shutil
import sys
from itertools import islice
from pathlib import Path
from typing import Optional, Sequence

from presets import SMOKE_LINES, parse_bool
from spacy_elmo_w2v.corpus import is_plain_text_file, iter_corpus_blocks
from spacy_elmo_w2v.errors import UserInputError
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


def write_sentences(source: Path, dest: Path, n_sentences: Optional[int]) -> int:
    """Write the sentences of the corpus at ``source`` (all of them, or the first ``n_sentences``)
    to ``dest``, one per line, tokens separated by spaces; return the sentences written."""
    sentences = (tokens for block in iter_corpus_blocks(source, what=str(source)) for tokens in block.sentences())
    written = 0
    with atomic_output_file(dest) as tmp:
        with tmp.open("w", encoding="utf8") as out:
            for tokens in islice(sentences, n_sentences):
                out.write(" ".join(tokens) + "\n")
                written += 1
        if written == 0:
            raise SystemExit(f"{source} has no sentences: the corpus needs at least one token.")
    return written


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Write the three splits; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for split in ("train", "dev", "test"):
        parser.add_argument(split, type=Path, help=f"The {split} corpus (a text file, or any corpus pretrain-skipgram reads)")
    parser.add_argument("output_dir", type=Path)
    parser.add_argument("--smoke", type=parse_bool, default=False, help="Keep only the first lines (true/false)")
    args = parser.parse_args(argv)
    for split in ("train", "dev", "test"):
        limit = SMOKE_LINES[split] if args.smoke else None
        source = getattr(args, split)
        write = copy_head if is_plain_text_file(source) else write_sentences
        try:
            n = write(source, args.output_dir / f"{split}.txt", limit)
        except UserInputError as e:  # a corpus file that cannot be read: one line naming it
            raise SystemExit(str(e)) from None
        msg.good(f"{args.output_dir / f'{split}.txt'}: {n:,} lines from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
