"""Fingerprints of input files, so a resumed run can tell whether its inputs changed.

A file's fingerprint is its size and an MD5 of its content: of all of it up
to :data:`FULL_HASH_LIMIT` bytes, else of its first and last MiB. The
modification time is left out on purpose: a copy of the same corpus
(``spacy project assets``, a re-run corpus step) is the same input.
"""
import hashlib
from pathlib import Path
from typing import Dict, Optional, Union

from .corpus import corpus_files

# Files up to this size are hashed whole; larger ones by their first and last MiB.
FULL_HASH_LIMIT = 256 * 2**20
_CHUNK = 2**20


def file_fingerprint(path: Union[str, Path]) -> str:
    """``"<size>:<md5>"`` of one file (see the module docstring for what is hashed)."""
    path = Path(path)
    size = path.stat().st_size
    digest = hashlib.md5()
    with path.open("rb") as f:
        if size <= FULL_HASH_LIMIT:
            for block in iter(lambda: f.read(_CHUNK), b""):
                digest.update(block)
        else:
            digest.update(f.read(_CHUNK))
            f.seek(size - _CHUNK)
            digest.update(f.read(_CHUNK))
    return f"{size}:{digest.hexdigest()}"


def path_fingerprint(path: Optional[Union[str, Path]]) -> Optional[Dict[str, str]]:
    """The fingerprint of every file under ``path`` (a file or a directory, such as a
    pipeline), by relative name; None when ``path`` is None or does not exist."""
    if path is None:
        return None
    path = Path(path)
    if path.is_file():
        return {path.name: file_fingerprint(path)}
    if not path.is_dir():
        return None
    return {str(f.relative_to(path)): file_fingerprint(f) for f in sorted(path.rglob("*")) if f.is_file()}


def corpus_fingerprint(path: Optional[Union[str, Path]], what: str) -> Optional[Dict[str, str]]:
    """The fingerprint of the files the corpus reader reads at ``path``
    (:func:`.corpus.corpus_files`: a ``.DS_Store`` beside the corpus is no input), by
    relative name; None when ``path`` is None or does not exist. what: the setting
    that named ``path``, for the error about a directory without corpus files."""
    if path is None or not Path(path).exists():
        return None
    path = Path(path)
    base = path if path.is_dir() else path.parent
    return {str(f.relative_to(base)): file_fingerprint(f) for f in corpus_files(path, what)}
