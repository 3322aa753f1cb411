"""Memory: an early, clear failure when a corpus is too large to read into memory,
and giving freed memory back to the operating system.

Reading a corpus holds every token as a Python string before it becomes one
id array: measured at about 15 bytes of memory per byte of text (a 200 MB
file peaked at 3 GB), more for skip-gram training. Rather than let the
operating system kill the run half-way, :func:`check_corpus_fits` compares
that estimate with the memory available before reading starts.
"""
import ctypes
import functools
import os
import sys
from pathlib import Path
from typing import Optional, Sequence

from .errors import UserInputError

# Peak memory while reading, per byte of corpus file (measured 15x on PTB-style text).
MEMORY_PER_CORPUS_BYTE = 16


def available_memory() -> Optional[int]:
    """Bytes of memory available to a new allocation (``MemAvailable`` of /proc/meminfo,
    else free pages from ``os.sysconf``), or None where neither is known."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def corpus_memory_estimate(files: Sequence[Path]) -> int:
    """Bytes of memory that reading ``files`` is expected to need at its peak."""
    return MEMORY_PER_CORPUS_BYTE * sum(f.stat().st_size for f in files)


def check_corpus_fits(files: Sequence[Path], what: str = "the corpus") -> None:
    """Raise :class:`UserInputError` when reading ``files`` would need more memory than is available.

    what: the setting that named the files (e.g. ``"--paths.train"``), for the message.
    """
    available = available_memory()
    needed = corpus_memory_estimate(files)
    if available is None or needed <= available:
        return
    size = needed // MEMORY_PER_CORPUS_BYTE
    raise UserInputError(
        f"The corpus of {what} ({_gb(size)} in {len(files)} file(s)) needs about {_gb(needed)} of memory to read "
        f"({MEMORY_PER_CORPUS_BYTE}x its size) but only {_gb(available)} is available. Train on a slice of at most "
        f"{_gb(available // MEMORY_PER_CORPUS_BYTE)} (e.g. `head -n N`), or on a machine with more memory."
    )


def _gb(n_bytes: int) -> str:
    return f"{n_bytes / 1e9:.2f} GB"


def release_free_memory() -> bool:
    """Give the memory the C allocator holds free back to the operating system.

    After a phase that made and dropped millions of small objects (counting a
    corpus) the allocator keeps their memory for reuse; the training that
    follows allocates large tables instead, so that memory would only swell
    the run's footprint. Calls glibc's ``malloc_trim(0)``; returns False, and
    does nothing, where the C library has no such call (macOS, Windows, musl).
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


@functools.lru_cache(maxsize=None)
def _malloc_trim():
    """glibc's ``malloc_trim``, or None where the process's C library lacks it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except (OSError, TypeError):
        return None
