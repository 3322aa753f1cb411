"""Reading corpora into tokens, and tokens into one id array.

Three input formats, chosen by file suffix:

- plain text (any suffix but the two below): one sentence per line, already
  tokenized, split on whitespace (the Penn Treebank files); blank lines are
  skipped;
- ``.spacy``: a ``DocBin``; one sequence per sentence when the docs have
  sentence boundaries, else per doc; whitespace tokens are dropped;
- ``.jsonl``: one JSON object per line with a ``"text"`` field, tokenized with
  spaCy's tokenizer for ``lang``; one sequence per line.

A directory is read as all the files under it, in path order (see
:func:`corpus_files`). Text and JSONL files may be compressed (``.gz``,
``.bz2``, ``.xz``). :func:`iter_corpus_blocks`
streams any of these in blocks of whole sentences; :func:`read_corpus` joins
the blocks in memory (small corpora, dev sets, ``nlp.initialize``).
"""
import bz2
import codecs
import functools
import gzip
import json
import lzma
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable, Iterator, List, Sequence, Tuple, Union

import numpy as np

from .errors import UserInputError
from .normalize import Normalizer
from .vocab import Vocabulary

PathLike = Union[str, Path]

# Bytes of text read per block by the streaming reader.
BLOCK_BYTES = 1 << 23

# Compressed text and JSONL, by suffix: the standard library's stream readers.
COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
# Archives and compressions the standard library cannot stream: refused by name, not read as binary.
_NOT_STREAMABLE = (".zip", ".zst", ".7z", ".rar", ".tar", ".tgz", ".lz4")


@dataclass
class TokenizedCorpus:
    """Raw token strings of a corpus, flattened, with sentence lengths.

    tokens: every token, in order.
    lengths: ``int64`` array, the number of tokens of each sentence.
    source: a human-readable name of where the tokens came from.
    """

    tokens: List[str]
    lengths: np.ndarray
    source: str = "corpus"

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def n_sentences(self) -> int:
        """How many sentences the corpus holds."""
        return len(self.lengths)

    def head(self, n_sentences: int) -> "TokenizedCorpus":
        """The first ``n_sentences`` sentences (for smoke runs and tests)."""
        lengths = self.lengths[:n_sentences]
        return TokenizedCorpus(self.tokens[: int(lengths.sum())], lengths, self.source)

    def sentences(self) -> Iterator[List[str]]:
        """Iterate over the sentences as token lists."""
        start = 0
        for n in self.lengths.tolist():
            yield self.tokens[start : start + n]
            start += n


@dataclass
class EncodedCorpus:
    """A corpus as one id array plus sentence offsets (CSR layout).

    ids: ``int64`` array of vocabulary ids, all sentences concatenated.
    offsets: ``int64`` array of length ``n_sentences + 1``; sentence ``k`` is
        ``ids[offsets[k]:offsets[k + 1]]``.
    """

    ids: np.ndarray
    offsets: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def n_sentences(self) -> int:
        """How many sentences the encoded corpus holds."""
        return len(self.offsets) - 1

    def sentence_index(self) -> np.ndarray:
        """``int64`` array: for every token, the index of its sentence."""
        lengths = np.diff(self.offsets)
        return np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)


def visible_files(directory: Path) -> List[Path]:
    """Every file under ``directory``, in path order, but those with a name starting with "."
    or inside such a directory (``.DS_Store``, ``.git``), as spaCy's corpus reader skips them."""
    return sorted(
        f for f in directory.rglob("*")
        if f.is_file() and not any(part.startswith(".") for part in f.relative_to(directory).parts)
    )


def corpus_files(path: PathLike, what: str = "--paths.train") -> List[Path]:
    """The files of a corpus: ``path`` itself, or every file under a directory, in path order.

    Subdirectories are read too (WikiExtractor writes ``AA/wiki_00``,
    ``AB/wiki_00``, ...); files and directories whose names start with "."
    (``.DS_Store``, ``.git``) are skipped, as spaCy's own corpus reader does.
    what: the setting or argument that named ``path`` (e.g. ``"--paths.dev"``),
        used in error messages.
    Raises :class:`UserInputError` when the path is missing or the directory holds no such file.
    """
    path = Path(path)
    if not path.exists():
        raise UserInputError(
            f"Corpus file not found: {path}. Check the path ({what}); "
            f"for the Penn Treebank run `spacy project assets` first."
        )
    if not path.is_dir():
        return [path]
    files = visible_files(path)
    if not files:
        raise UserInputError(f"Corpus directory {path} ({what}) contains no files (names starting with '.' are skipped).")
    return files


def is_plain_text_file(path: PathLike) -> bool:
    """True when ``path`` is one uncompressed text file of tokenized lines (not JSONL, a DocBin,
    a compressed file, an archive or a directory): the format every other one is read into."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in COMPRESSED or suffix in _NOT_STREAMABLE:
        return False
    return path.is_file() and _format_suffix(path) not in (".jsonl", ".spacy")


def iter_corpus_blocks(
    path: PathLike, lang: str = "en", block_bytes: int = BLOCK_BYTES, what: str = "--paths.train"
) -> Iterator[TokenizedCorpus]:
    """Stream a corpus (a file or a directory of them) as blocks of whole sentences.

    Text and ``.jsonl`` files (also ``.gz``/``.bz2``/``.xz`` compressed) are read
    about ``block_bytes`` at a time, so memory does not grow with the corpus;
    a ``.spacy`` DocBin is loaded one file at a time (the format has no
    streaming reader). Every yielded block holds at least one token. Errors
    (unreadable, binary, not UTF-8, bad JSONL) are :class:`UserInputError` naming the file.
    """
    for f in corpus_files(path, what):
        for block in _iter_one(f, lang, block_bytes):
            if len(block):
                yield block
            del block  # not held while the next block is read (see _iter_one)


def read_corpus(path: PathLike, lang: str = "en", what: str = "--paths.train") -> TokenizedCorpus:
    """Read a text, ``.spacy`` or ``.jsonl`` file, or a directory of them, into memory.

    The blocks of :func:`iter_corpus_blocks`, joined. what: the setting or
    argument that named ``path``, used in error messages. Raises
    :class:`UserInputError` naming the file when it is missing, unreadable,
    binary, not UTF-8, holds no tokens, or is too large to read into the
    memory available (see :mod:`spacy_elmo_w2v.memory`).
    """
    from .memory import check_corpus_fits

    check_corpus_fits(corpus_files(path, what), what)
    tokens: List[str] = []
    lengths: List[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    for block in iter_corpus_blocks(path, lang, what=what):
        tokens.extend(block.tokens)
        lengths.append(block.lengths)
    corpus = TokenizedCorpus(tokens, np.concatenate(lengths).astype(np.int64), str(path))
    if len(corpus) == 0:
        raise empty_corpus_error(path, what)
    return corpus


def empty_corpus_error(path: PathLike, what: str = "--paths.train") -> UserInputError:
    """The error for a corpus without a single token."""
    return UserInputError(
        f"Corpus {path} contains no tokens (empty file or only blank lines). "
        f"Point {what} at a file with one sentence per line."
    )


def _open_binary(path: Path) -> IO[bytes]:
    suffix = path.suffix.lower()
    if suffix in _NOT_STREAMABLE:
        raise UserInputError(
            f"{path}: a {suffix} file cannot be streamed. Unpack it, or compress the text with gzip, bzip2 "
            f"or xz ({', '.join(COMPRESSED)})."
        )
    try:
        return COMPRESSED.get(suffix, open)(path, "rb")
    except PermissionError:
        raise UserInputError(f"Cannot read {path}: permission denied. Fix its permissions (chmod +r).") from None
    except IsADirectoryError:
        raise UserInputError(f"{path} is a directory, not a corpus file.") from None
    except OSError as e:
        raise UserInputError(f"Cannot read {path}: {e.strerror}.") from None


def read_text(path: PathLike) -> str:
    """A whole (possibly compressed) UTF-8 text file, lines joined by ``\\n``; errors as for corpora."""
    return "\n".join(line for lines in _iter_lines(Path(path), BLOCK_BYTES, cut_long_lines=False) for line in lines)


def _format_suffix(path: Path) -> str:
    """The suffix naming the format, under any compression suffix (``a.jsonl.gz`` -> ``.jsonl``)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in COMPRESSED:
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _iter_lines(path: Path, block_bytes: int, cut_long_lines: bool = True) -> Iterator[List[str]]:
    """Decoded lines of a (possibly compressed) text file, about ``block_bytes`` at a time.

    cut_long_lines: a line longer than ``block_bytes`` (text8, a favourite
        word2vec corpus, is one line of 100 MB) comes as several lines, cut at
        the last space, tab or carriage return of each block, so that memory
        stays bounded whatever the line length; otherwise a line is read whole.
    """
    n_lines = 0  # line ends read so far, for the line numbers of errors
    carry: List[bytes] = []  # the start of a line whose end is not read yet (it holds no line end)
    first = True
    with _open_binary(path) as f:
        while True:
            try:
                chunk = f.read(block_bytes)
            except (OSError, EOFError) as e:
                raise UserInputError(f"Cannot read {path}: {e}. The file is damaged or not what its suffix says.") from None
            if first and b"\x00" in chunk[:8192]:
                raise UserInputError(
                    f"{path} is a binary file (it holds NUL bytes), not text. Remove it from the corpus "
                    f"(or give a .spacy DocBin a .spacy suffix)."
                )
            if first and chunk.startswith(codecs.BOM_UTF8):  # as some Windows editors write: not part of the first word
                chunk = chunk[len(codecs.BOM_UTF8) :]
            first = False
            end = chunk.rfind(b"\n") + 1
            if not chunk:  # the end of the file: the last line, if it has no line end
                data, carry = b"".join(carry), []
                if not data:
                    return
            elif end:
                data, carry = b"".join(carry + [chunk[:end]]), [chunk[end:]]
            elif not cut_long_lines or sum(map(len, carry)) + len(chunk) < block_bytes:
                carry.append(chunk)  # (a short read inside a line is no reason to cut it)
                continue
            else:  # part of a line longer than a block: cut it at its last whitespace
                pending = b"".join(carry + [chunk])
                cut = max(pending.rfind(b" "), pending.rfind(b"\t"), pending.rfind(b"\r")) + 1
                if cut == 0:
                    raise UserInputError(
                        f"{path}, line {n_lines + 1}: {len(pending):,} bytes without a space or a line end. "
                        f"A corpus needs whitespace-separated tokens, one sentence per line."
                    )
                data, carry = pending[:cut], [pending[cut:]]
            try:
                text = data.decode("utf-8")  # cut at ASCII bytes only: never inside a character
            except UnicodeDecodeError as e:
                line = n_lines + data.count(b"\n", 0, e.start) + 1
                raise UserInputError(
                    f"{path} is not UTF-8: byte 0x{data[e.start]:02x} on line {line} cannot be decoded. "
                    f"Re-encode the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8 {path.name} > {path.stem}.utf8{path.suffix}`)."
                ) from None
            n_lines += data.count(b"\n")
            lines = text.splitlines()
            del data, text  # only the lines are held while the caller works on them
            yield lines
            del lines


def _iter_one(path: Path, lang: str, block_bytes: int) -> Iterator[TokenizedCorpus]:
    """The blocks of one file. A block's token strings are the bulk of the memory
    in use, so no reference to one is kept here while the next is built: with the
    callers' ``del``, one block is alive at a time, not two."""
    suffix = _format_suffix(path)
    if suffix == ".spacy":
        yield _read_docbin(path, lang)
        return
    line_offset = 0
    for lines in _iter_lines(path, block_bytes, cut_long_lines=suffix != ".jsonl"):
        n_lines = len(lines)
        block = _jsonl_block(path, lines, line_offset, lang) if suffix == ".jsonl" else _text_block(path, lines)
        del lines
        yield block
        del block
        line_offset += n_lines


def _text_block(path: Path, lines: List[str]) -> TokenizedCorpus:
    """A block of whitespace-tokenized lines (blank lines are no sentences)."""
    sentences = [line.split() for line in lines]
    lengths = np.fromiter(map(len, sentences), dtype=np.int64, count=len(sentences))
    tokens = [t for s in sentences for t in s]
    return TokenizedCorpus(tokens, lengths[lengths > 0], str(path))


def tokens_of_docs(docs: Iterable) -> Tuple[List[str], np.ndarray]:
    """Non-space token texts of docs, one sequence per sentence (or per doc
    without sentence boundaries), and the length of each sequence."""
    tokens: List[str] = []
    lengths: List[int] = []
    for doc in docs:
        spans = doc.sents if doc.has_annotation("SENT_START") else [doc]
        for span in spans:
            words = [t.text for t in span if not t.is_space]
            if words:
                tokens.extend(words)
                lengths.append(len(words))
    return tokens, np.asarray(lengths, dtype=np.int64)


def _read_docbin(path: Path, lang: str) -> TokenizedCorpus:
    import spacy
    from spacy.tokens import DocBin

    try:
        with _open_binary(path) as f:
            docbin = DocBin().from_bytes(f.read())
    except UserInputError:
        raise
    except Exception as e:  # srsly/msgpack raise various errors on corrupt files
        raise UserInputError(f"{path} is not a readable .spacy DocBin ({e}). Recreate it with DocBin.to_disk.") from None
    tokens, lengths = tokens_of_docs(docbin.get_docs(spacy.blank(lang).vocab))
    return TokenizedCorpus(tokens, lengths, str(path))


def _jsonl_block(path: Path, lines: List[str], line_offset: int, lang: str) -> TokenizedCorpus:
    texts: List[str] = []
    for i, line in enumerate(lines, start=line_offset + 1):
        if not line.strip():
            continue
        try:
            text = json.loads(line)["text"]
        except (json.JSONDecodeError, KeyError, TypeError):
            text = None
        if not isinstance(text, str):
            raise UserInputError(
                f"{path}, line {i}: expected a JSON object with a \"text\" string, got {line[:80]!r}."
            )
        texts.append(text)
    tokens, lengths = tokens_of_docs(_tokenizer(lang).pipe(texts))
    return TokenizedCorpus(tokens, lengths, str(path))


@functools.lru_cache(maxsize=4)
def _tokenizer(lang: str):
    import spacy

    return spacy.blank(lang).tokenizer


def build_vocab(
    corpus: TokenizedCorpus,
    normalizer: Normalizer,
    min_count: int,
    specials: Sequence[str] = (),
    max_size: Union[int, None] = None,
    min_count_setting: str = "min_count",
) -> Vocabulary:
    """Build a :class:`Vocabulary` of the corpus's normalized words.

    min_count_setting: the dotted setting that sets ``min_count`` (e.g.
        ``"components.skipgram_vectors.min_count"``), named in the error
        raised when no word is left.
    """
    from .counting import count_blocks  # counting reads corpora: imported here, not at the top
    from .vocab import UNK

    return Vocabulary.build(
        count_blocks([corpus], normalizer).counts,
        min_count=min_count,
        specials=(UNK, *specials),
        max_size=max_size,
        source=corpus.source,
        min_count_setting=min_count_setting,
    )


def encode_corpus(corpus: TokenizedCorpus, vocab: Vocabulary, normalizer: Normalizer) -> EncodedCorpus:
    """Turn a tokenized corpus into one id array (normalizing each distinct token once)."""
    ids = vocab.encode_raw(corpus.tokens, normalizer)
    offsets = np.zeros(len(corpus.lengths) + 1, dtype=np.int64)
    np.cumsum(corpus.lengths, out=offsets[1:])
    return EncodedCorpus(ids, offsets)
