"""Writing an output directory so that a failed run never looks finished, and nothing else is lost.

Everything is written to ``<OUTPUT_DIR>.partial`` and renamed to OUTPUT_DIR
only when the run succeeds. A failed or interrupted run leaves the partial
directory (with any checkpoints) for inspection or ``--resume``.

Both directories carry a marker file (:data:`MARKER`) so that ``--overwrite``
replaces only what one of our commands wrote: a directory holding anything
else (a corpus, notes, another project) is never deleted.

Single files (a word2vec export, a metrics JSON, a checkpoint) are written to
``<FILE>.partial`` and renamed the same way (:func:`atomic_output_file`,
:func:`output_text_file`, :func:`write_json_output`).
"""
import errno
import os
import shutil
import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional, TextIO, Union

from wasabi import msg

from .errors import UserInputError

# Written into every output (and partial) directory we create; --overwrite needs it.
MARKER = ".spacy-elmo-w2v-output"
# What a pipeline saved by spaCy holds besides its components' directories
# (for outputs written before the marker existed).
PIPELINE_FILES = frozenset({"config.cfg", "meta.json", "tokenizer", "vocab", "training_log.json", "README.md"})


def partial_dir(output_dir: Union[str, Path]) -> Path:
    """The directory a run writes into before it is finished."""
    output_dir = Path(output_dir)
    return output_dir.with_name(output_dir.name + ".partial")


def is_our_output(path: Union[str, Path]) -> bool:
    """True when ``path`` is a directory one of our commands wrote (it holds :data:`MARKER`),
    or a spaCy pipeline holding nothing but its own files and component directories."""
    path = Path(path)
    if not path.is_dir():
        return False
    if (path / MARKER).is_file():
        return True
    if not (path / "config.cfg").is_file() or not (path / "meta.json").is_file():
        return False
    try:
        from thinc.api import Config

        pipe_names = set(Config().from_disk(path / "config.cfg", interpolate=False)["nlp"]["pipeline"])
    except Exception:
        return False
    return all(entry.name in PIPELINE_FILES or entry.name in pipe_names for entry in path.iterdir())


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def _check_writable(output_dir: Path) -> None:
    """Raise :class:`UserInputError` unless a file can be created where OUTPUT_DIR will be made."""
    parent = output_dir.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise UserInputError(f"Cannot create {output_dir}: {parent} is a file, not a directory. Choose another OUTPUT_DIR.")
    try:
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as e:
        raise UserInputError(
            f"Cannot write to {parent} ({e.strerror or e}), so OUTPUT_DIR {output_dir} cannot be created there. "
            f"Choose an OUTPUT_DIR in a writable directory."
        ) from None


# What an unfinished run of an earlier release (before the marker) may have left in its .partial directory.
LEGACY_PARTIAL_ENTRIES = PIPELINE_FILES | {"checkpoint", "skipgram_vectors", "elmo_vectors"}


def _is_our_partial(tmp: Path) -> bool:
    """True when the ``.partial`` directory ``tmp`` was left by one of our runs (or is empty)."""
    if not tmp.is_dir():
        return False
    if (tmp / MARKER).is_file() or is_our_output(tmp):
        return True
    return all(entry.name in LEGACY_PARTIAL_ENTRIES for entry in tmp.iterdir())


def check_output_dir(
    output_dir: Union[str, Path], overwrite: bool = False, corpora: Optional[Mapping[str, Optional[str]]] = None
) -> Path:
    """Check, before any work is done, that a run can write OUTPUT_DIR; return it.

    corpora: the corpus paths the run reads, by the setting that names them
        (``{"--paths.train": ...}``; None values are skipped).
    Raises :class:`UserInputError` when OUTPUT_DIR is the current directory
    or one that contains it, lies inside a corpus directory (the run would
    read its own output and temporary files as text), is a file, exists
    without ``overwrite``, exists but was not written by us (``overwrite``
    never deletes such a directory), has a ``.partial`` or
    ``.partial.staging`` path holding something of someone else's, or lies in
    a directory that cannot be written.
    """
    output_dir = Path(output_dir)
    resolved, cwd = output_dir.resolve(), Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise UserInputError(
            f"OUTPUT_DIR {output_dir} is the current directory or contains it. Give a new directory, e.g. ./output."
        )
    for setting, corpus in (corpora or {}).items():
        if corpus and Path(corpus).is_dir() and (resolved == Path(corpus).resolve() or Path(corpus).resolve() in resolved.parents):
            raise UserInputError(
                f"OUTPUT_DIR {output_dir} is inside {corpus}, the corpus directory of {setting}: the run would read "
                f"its own output and temporary files as text. Choose an OUTPUT_DIR outside {corpus}."
            )
    if output_dir.exists() and not output_dir.is_dir():
        raise UserInputError(f"OUTPUT_DIR {output_dir} is a file, not a directory. Give a directory path (it is created).")
    if output_dir.exists() and not _is_empty_dir(output_dir):
        if not is_our_output(output_dir):
            raise UserInputError(
                f"Output directory {output_dir} already exists and was not written by spacy_elmo_w2v, "
                f"so it is not replaced, even with --overwrite. Choose another path."
            )
        if not overwrite:
            raise UserInputError(
                f"Output directory {output_dir} already exists. Choose another path, "
                f"delete it, or pass --overwrite to replace it."
            )
    tmp = partial_dir(output_dir)
    if tmp.exists() and not _is_our_partial(tmp):
        raise UserInputError(
            f"{tmp} exists and was not written by spacy_elmo_w2v, and a run of {output_dir} needs that path "
            f"for its unfinished output. Move it away or choose another OUTPUT_DIR."
        )
    _check_staging_path(output_dir)
    _check_writable(output_dir)
    return output_dir


@contextmanager
def atomic_output_dir(output_dir: Union[str, Path], overwrite: bool = False, keep_partial: bool = False) -> Iterator[Path]:
    """Yield a scratch directory (with :data:`MARKER`) that becomes ``output_dir`` on success.

    keep_partial: reuse an existing ``.partial`` directory (to resume from its
        checkpoints) instead of starting from an empty one.
    """
    output_dir = check_output_dir(output_dir, overwrite)
    tmp = partial_dir(output_dir)
    if tmp.exists() and not keep_partial:
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / MARKER).write_text("Written by spacy_elmo_w2v; --overwrite may replace this directory.\n", encoding="utf8")
    try:
        yield tmp
    except BaseException:
        msg.fail(f"Run did not finish; partial output kept in {tmp} (not in {output_dir}).")
        raise
    if output_dir.exists():
        shutil.rmtree(output_dir)
    os.replace(tmp, output_dir)


@contextmanager
def atomic_output_file(path: Union[str, Path]) -> Iterator[Path]:
    """Yield ``PATH.partial`` to write; it replaces ``path`` when the block ends without an error
    and is removed otherwise, so ``path`` is never half-written (an earlier file stays as it was).
    Missing parent directories are created; a ``path`` that is a directory is an
    ``IsADirectoryError`` before anything is written."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def output_text_file(path: Union[str, Path]) -> Iterator[TextIO]:
    """A text file (UTF-8) open for writing that becomes ``path`` when the block ends without an
    error (:func:`atomic_output_file`). A path that cannot be made or opened (a directory, no
    permission) is a :class:`UserInputError` that names it, before anything is written."""
    with ExitStack() as stack:
        try:  # making the directory or opening the file: the path is what to change
            f = stack.enter_context(stack.enter_context(atomic_output_file(path)).open("w", encoding="utf8"))
        except OSError as e:
            raise UserInputError(f"Cannot write {path} ({e.strerror or e}): choose a writable file path.") from None
        yield f


def write_json_output(path: Union[str, Path], data: Any) -> None:
    """Write ``data`` as indented JSON to ``path`` through :func:`output_text_file`."""
    import srsly

    with output_text_file(path) as f:
        f.write(srsly.json_dumps(data, indent=2) + "\n")


def staging_path(output_dir: Union[str, Path]) -> Path:
    """Where a run for ``output_dir`` stages what it builds before its output exists:
    ``<OUTPUT_DIR>.partial.staging``, beside the output (same file system)."""
    partial = partial_dir(output_dir)
    return partial.with_name(partial.name + ".staging")


def _check_staging_path(output_dir: Path) -> None:
    """:class:`UserInputError` when :func:`staging_path` holds something that is not a run's leftover."""
    path = staging_path(output_dir)
    if path.exists() and not (path.is_dir() and ((path / MARKER).is_file() or _is_empty_dir(path))):
        raise UserInputError(
            f"{path} exists and was not written by spacy_elmo_w2v, and a run of {output_dir} needs that path "
            f"for the ids it stages. Move it away or choose another OUTPUT_DIR."
        )


@contextmanager
def staging_dir(output_dir: Union[str, Path]) -> Iterator[Path]:
    """Yield an empty scratch directory, :func:`staging_path` (with :data:`MARKER`), deleted on
    exit (failed runs too).

    For what a run builds before its output directory exists (the staged ids
    of :mod:`spacy_elmo_w2v.staging`, 4 bytes per corpus token). What a
    killed run left there is deleted first, and the run says so; anything
    else there is refused (:class:`UserInputError`), never deleted.
    """
    path = staging_path(output_dir)
    _check_staging_path(Path(output_dir))
    if path.exists():
        msg.info(f"Deleting {path}, left by an interrupted run")
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / MARKER).write_text("Written by spacy_elmo_w2v; deleted when the run ends.\n", encoding="utf8")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
