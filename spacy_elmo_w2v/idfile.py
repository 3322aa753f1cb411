"""The corpus on disk as vocabulary ids: written once, read in slices.

An id file is a directory with two flat arrays:

- ``ids.u32``: the id of every token, all sentences concatenated (uint32);
- ``offsets.i64``: ``n_sentences + 1`` token offsets (int64); sentence ``k``
  is ``ids[offsets[k]:offsets[k + 1]]``.

The ids are read with plain file reads (:class:`DiskArray`), not a memory
map: a memory map keeps every page it has read resident in the process for
as long as it is open, so the memory of a run would grow with the corpus.
Opening a billion-token corpus costs no memory; :meth:`IdFile.read` and
:meth:`IdFile.chunks` hand out contiguous token ranges ``[start, stop)``
(one process or rank reads its own range), and only those are in memory.
The offsets, a small fraction of the ids, are memory-mapped.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional, Sized, Tuple, Union

import numpy as np

from .corpus import TokenizedCorpus
from .normalize import Normalizer
from .vocab import Vocabulary

IDS_NAME = "ids.u32"
OFFSETS_NAME = "offsets.i64"
MAX_VOCAB = np.iinfo(np.uint32).max


class DiskArray:
    """A 1-d array in a flat binary file, read on demand: ``len()``, slicing, ``np.asarray``.

    Slicing with step 1 gives another :class:`DiskArray` over the range,
    without reading (so a rank's shard of a corpus costs nothing); any other
    index, and ``np.asarray``, read the values (a new array: the process
    holds only what it asked for). The file is opened for each read.
    """

    def __init__(self, path: Union[str, Path], dtype, start: int = 0, stop: Optional[int] = None) -> None:
        self.path = Path(path)
        self.dtype = np.dtype(dtype)
        size = self.path.stat().st_size // self.dtype.itemsize
        self.start = start
        self.stop = size if stop is None else stop

    def __len__(self) -> int:
        return self.stop - self.start

    @property
    def shape(self) -> Tuple[int]:
        """``(length,)``, as for a one-dimensional array."""
        return (len(self),)

    def __getitem__(self, key):
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step == 1:
                return DiskArray(self.path, self.dtype, self.start + start, self.start + max(start, stop))
        return self.read()[key]

    def __iter__(self):
        return iter(self.read())

    def read(self) -> np.ndarray:
        """All values of this range, as a new array."""
        out = np.empty(len(self), dtype=self.dtype)
        if len(out):
            with open(self.path, "rb") as f:
                f.seek(self.start * self.dtype.itemsize)
                if f.readinto(memoryview(out).cast("B")) != out.nbytes:
                    raise ValueError(f"{self.path} is shorter than expected (a half-written id file?)")
        return out

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        values = self.read()
        return values if dtype is None else values.astype(dtype, copy=False)


# Token ids in memory or in an id file on disk: what readers of a corpus's ids take.
IdArray = Union[np.ndarray, DiskArray]


@dataclass
class IdSlice:
    """Tokens ``[start, stop)`` of an id file.

    ids: ``int64`` ids of the tokens.
    sentences: ``int64`` per token, a sentence number that changes exactly
        where a sentence boundary falls (numbered from 0 within the slice).
    start: the position of the first token in the whole corpus.
    """

    ids: np.ndarray
    sentences: np.ndarray
    start: int

    def __len__(self) -> int:
        return len(self.ids)


class IdFile:
    """Token ids and sentence offsets, read in slices; ``len()`` is the number of tokens.

    ids: the id of every token (uint32 or int64; a :class:`DiskArray` for files on disk).
    offsets: ``n_sentences + 1`` int64 token offsets, starting at 0.
    Use :meth:`open` for a directory written by :func:`write_id_file`; an
    in-memory corpus (:class:`..corpus.EncodedCorpus`) fits too.
    """

    def __init__(self, ids: IdArray, offsets: np.ndarray, directory: Optional[Path] = None) -> None:
        if len(offsets) == 0 or int(offsets[0]) != 0 or int(offsets[-1]) != len(ids):
            where = directory or "the arrays"
            raise ValueError(f"{where}: ids and sentence offsets do not match (a half-written id file?)")
        self.ids = ids
        self.offsets = offsets
        self.directory = directory

    @classmethod
    def open(cls, directory: Union[str, Path]) -> "IdFile":
        """Open the id file in ``directory`` (nothing is read yet)."""
        directory = Path(directory)
        return cls(DiskArray(directory / IDS_NAME, np.uint32), _memmap(directory / OFFSETS_NAME, np.int64), directory)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def n_sentences(self) -> int:
        """How many sentences the id file holds."""
        return len(self.offsets) - 1

    def read(self, start: int, stop: int) -> IdSlice:
        """Tokens ``[start, stop)`` (clipped to the corpus) with their sentence numbers."""
        start, stop = max(0, start), min(stop, len(self))
        if stop <= start:
            empty = np.zeros(0, dtype=np.int64)
            return IdSlice(empty, empty.copy(), start)
        first = int(np.searchsorted(self.offsets, start, side="right")) - 1
        last = int(np.searchsorted(self.offsets, stop, side="left"))
        bounds = np.clip(np.asarray(self.offsets[first : last + 1], dtype=np.int64), start, stop) - start
        sentences = np.repeat(np.arange(len(bounds) - 1, dtype=np.int64), np.diff(bounds))
        return IdSlice(np.asarray(self.ids[start:stop], dtype=np.int64), sentences, start)

    def chunks(self, chunk_tokens: int, start: int = 0, stop: Optional[int] = None) -> Iterator[IdSlice]:
        """Consecutive slices of at most ``chunk_tokens`` tokens covering ``[start, stop)``."""
        stop = len(self) if stop is None else min(stop, len(self))
        for begin in range(start, stop, chunk_tokens):
            yield self.read(begin, min(begin + chunk_tokens, stop))

    def counts(self, n_words: int, chunk_tokens: int = 1 << 22) -> np.ndarray:
        """``int64`` count of every id, read chunk by chunk."""
        total = np.zeros(n_words, dtype=np.int64)
        for begin in range(0, len(self), chunk_tokens):
            total += np.bincount(self.ids[begin : begin + chunk_tokens], minlength=n_words)
        return total


def check_ids_fit(vocab: Sized) -> None:
    """Raise ValueError when ``vocab`` has more words than an id file's ``uint32`` ids can number."""
    if len(vocab) > MAX_VOCAB:
        raise ValueError(f"{len(vocab)} words do not fit uint32 ids")


def write_id_file(
    blocks: Iterable[TokenizedCorpus],
    vocab: Vocabulary,
    normalizer: Normalizer,
    directory: Union[str, Path],
    sentence_end_id: Optional[int] = None,
) -> IdFile:
    """Encode a stream of blocks with ``vocab`` into an id file in ``directory``.

    Each distinct token of a block is normalized once; out-of-vocabulary
    tokens get ``vocab.unk_id``. Memory is one block at a time.
    sentence_end_id: an id written after every sentence (the language
        model's ``<eos>``); it counts as the sentence's last token in the offsets.
    """
    check_ids_fit(vocab)
    with IdFileWriter(directory, sentence_end_id) as writer:
        for block in blocks:
            writer.append(vocab.encode_raw(block.tokens, normalizer, np.uint32), block.lengths)
            del block  # not held while the next block is read
    return IdFile.open(directory)


class IdFileWriter:
    """Appends sentences of ids to a new id file in ``directory`` (a context manager).

    sentence_end_id: an id written after every sentence (the language
        model's ``<eos>``); it counts as the sentence's last token in the offsets.
    """

    def __init__(self, directory: Union[str, Path], sentence_end_id: Optional[int] = None) -> None:
        self.directory = Path(directory)
        self.sentence_end_id = sentence_end_id
        self.n_tokens = 0

    def __enter__(self) -> "IdFileWriter":
        self.directory.mkdir(parents=True, exist_ok=True)
        self._ids = open(self.directory / IDS_NAME, "wb")
        self._offsets = open(self.directory / OFFSETS_NAME, "wb")
        np.zeros(1, dtype=np.int64).tofile(self._offsets)
        return self

    def append(self, ids: np.ndarray, lengths: np.ndarray) -> None:
        """Append sentences: ``uint32`` ``ids`` of all their tokens, ``lengths`` (int64) of each."""
        if self.sentence_end_id is not None:
            ids = np.insert(ids, np.cumsum(lengths), np.uint32(self.sentence_end_id))
            lengths = lengths + 1
        ids.tofile(self._ids)
        (np.cumsum(lengths, dtype=np.int64) + self.n_tokens).tofile(self._offsets)
        self.n_tokens += len(ids)

    def __exit__(self, *exc) -> None:
        self._ids.close()
        self._offsets.close()


def _memmap(path: Path, dtype) -> np.ndarray:
    if path.stat().st_size == 0:
        return np.zeros(0, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r")
