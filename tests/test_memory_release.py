"""Freed memory goes back to the operating system where the C library can give it back."""
import numpy as np
import pytest

from spacy_elmo_w2v.memory import _malloc_trim, release_free_memory
from spacy_elmo_w2v.progress import rss_mb


@pytest.mark.skipif(_malloc_trim() is None, reason="the C library has no malloc_trim")
def test_memory_freed_between_live_blocks_goes_back_to_the_system():
    # 64 KiB blocks sit below glibc's mmap threshold, so they come from the heap; freeing every
    # other one leaves 48 MiB of free pages that the heap keeps until it is trimmed
    blocks = [np.ones(1 << 13) for _ in range(1536)]
    del blocks[::2]
    before = rss_mb()
    assert release_free_memory() is True
    assert before - rss_mb() > 24
    assert len(blocks) == 768 and float(blocks[-1][0]) == 1.0


def test_without_malloc_trim_nothing_is_done(monkeypatch):
    import spacy_elmo_w2v.memory as memory

    monkeypatch.setattr(memory, "_malloc_trim", lambda: None)
    assert memory.release_free_memory() is False
