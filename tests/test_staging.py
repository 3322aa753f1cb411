"""The one text pass (count + staged ids, then a binary remap) gives what the two text passes gave."""
import sys
import tracemalloc

import numpy as np
import pytest

from spacy_elmo_w2v.corpus import iter_corpus_blocks
from spacy_elmo_w2v.counting import count_blocks
from spacy_elmo_w2v.errors import UserInputError
from spacy_elmo_w2v.idfile import MAX_VOCAB, write_id_file
from spacy_elmo_w2v.normalize import PTBNormalizer
from spacy_elmo_w2v.output import MARKER, staging_dir, staging_path
from spacy_elmo_w2v.skipgram.pretrain import pretrain_skipgram
from spacy_elmo_w2v.staging import PackedWords, ProvisionalIds, count_and_stage
from spacy_elmo_w2v.vocab import Vocabulary

from .conftest import CONFIGS, TOY_SKIPGRAM_OVERRIDES, unwrapped


def _mixed_corpus(path, n_lines=2000, seed=0):
    """Lines with case variants, numbers in several spellings and many rare (later OOV) words."""
    rng = np.random.default_rng(seed)
    common = ["The", "the", "THE", "Stock", "stock", "fell", "N", "1987", "1,987.5", "-0.5", "3/4", "1980s", "U.S."]
    lines = []
    for k in range(n_lines):
        words = [common[i] for i in rng.integers(0, len(common), size=rng.integers(1, 15))]
        words += [f"rare{rng.integers(0, 5000)}" for _ in range(rng.integers(0, 4))]
        lines.append(" ".join(words))
        if k % 97 == 0:
            lines.append("   ")  # blank lines are skipped
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    return path


def _two_pass(path, normalizer, tmp_path, max_count_table=None, sentence_end_id=None, min_count=2):
    counted = count_blocks(iter_corpus_blocks(path, block_bytes=2048), normalizer, max_count_table)
    vocab = Vocabulary.build(counted.counts, min_count=min_count, specials=("<unk>", "<eos>"))
    end = None if sentence_end_id is None else vocab.index[sentence_end_id]
    ids = write_id_file(iter_corpus_blocks(path, block_bytes=2048), vocab, normalizer, tmp_path / "two", end)
    return counted, vocab, ids


def _one_pass(path, normalizer, tmp_path, vocab, max_count_table=None, sentence_end_id=None):
    staged = count_and_stage(
        iter_corpus_blocks(path, block_bytes=2048), normalizer, max_count_table, tmp_path / "stage", source=str(path)
    )
    end = None if sentence_end_id is None else vocab.index[sentence_end_id]
    blocks = lambda: iter_corpus_blocks(path, block_bytes=2048)  # noqa: E731
    return staged, staged.write_ids(tmp_path / "one", vocab, blocks, normalizer, end)


@pytest.mark.parametrize("sentence_end", [None, "<eos>"], ids=["skipgram", "lm-eos"])
def test_one_pass_ids_equal_two_pass_ids_exactly(tmp_path, sentence_end):
    path = _mixed_corpus(tmp_path / "c.txt")
    normalizer = PTBNormalizer()
    counted, vocab, two = _two_pass(path, normalizer, tmp_path, sentence_end_id=sentence_end)
    staged, one = _one_pass(path, normalizer, tmp_path, vocab, sentence_end_id=sentence_end)
    assert staged.counted.counts == counted.counts
    assert (staged.counted.n_tokens, staged.counted.n_sentences) == (counted.n_tokens, counted.n_sentences)
    assert vocab.unk_id in set(np.asarray(one.ids).tolist())  # OOV words were in the corpus
    np.testing.assert_array_equal(np.asarray(one.ids), np.asarray(two.ids))
    np.testing.assert_array_equal(np.asarray(one.offsets), np.asarray(two.offsets))


class _TooManyWords:
    """Stands in for a vocabulary with one word more than uint32 ids can number."""

    def __len__(self):
        return MAX_VOCAB + 1


@pytest.mark.parametrize("path_taken", ["staged", "two-pass"])
def test_both_ways_of_writing_ids_refuse_a_vocabulary_beyond_uint32_before_writing(tmp_path, path_taken):
    path = _mixed_corpus(tmp_path / "c.txt", n_lines=50)
    blocks = lambda: iter_corpus_blocks(path)  # noqa: E731
    with pytest.raises(ValueError, match="do not fit uint32 ids"):
        if path_taken == "staged":
            staged = count_and_stage(blocks(), PTBNormalizer(), None, tmp_path / "stage", source=str(path))
            staged.write_ids(tmp_path / "ids", _TooManyWords(), blocks, PTBNormalizer())
        else:
            write_id_file(blocks(), _TooManyWords(), PTBNormalizer(), tmp_path / "ids")
    assert not (tmp_path / "ids").exists()


def test_staged_ids_and_provisional_words_are_dropped_once_remapped(tmp_path):
    path = _mixed_corpus(tmp_path / "c.txt", n_lines=200)
    normalizer = PTBNormalizer()
    _, vocab, _ = _two_pass(path, normalizer, tmp_path)
    staged = count_and_stage(iter_corpus_blocks(path, block_bytes=2048), normalizer, None, tmp_path / "stage", source=str(path))
    assert len(staged.words) > len(vocab) and (tmp_path / "stage").exists()
    staged.write_ids(tmp_path / "one", vocab, lambda: iter_corpus_blocks(path), normalizer)
    assert staged.staged is None and not (tmp_path / "stage").exists()
    assert staged.words == []  # a training run does not hold every word type of the corpus


def test_a_pruned_count_falls_back_to_a_second_text_pass_with_the_same_ids(tmp_path, capsys):
    path = _mixed_corpus(tmp_path / "c.txt", n_lines=3000)
    normalizer = PTBNormalizer()
    counted, vocab, two = _two_pass(path, normalizer, tmp_path, max_count_table=300, min_count=1)
    assert counted.pruned
    staged, one = _one_pass(path, normalizer, tmp_path, vocab, max_count_table=300)
    assert staged.counted.counts == counted.counts
    assert (staged.counted.n_prunes, staged.counted.min_reduce) == (counted.n_prunes, counted.min_reduce)
    np.testing.assert_array_equal(np.asarray(one.ids), np.asarray(two.ids))
    out = unwrapped(capsys.readouterr().out)
    assert "max_count_table=300" in out and "read a second time" in out


def test_the_normalizer_runs_once_per_distinct_raw_token_for_the_whole_run(tmp_path):
    path = _mixed_corpus(tmp_path / "c.txt")
    calls = []

    def normalizer(word):
        calls.append(word)
        return word.lower()

    blocks = list(iter_corpus_blocks(path, block_bytes=2048))
    assert len(blocks) > 5
    count_and_stage(blocks, normalizer, None, tmp_path / "stage", source=str(path))
    assert sorted(calls) == sorted({t for b in blocks for t in b.tokens})


def test_a_bounded_raw_token_cache_gives_the_same_ids():
    tokens = [f"w{i % 50}" for i in range(1000)] + [f"W{i % 50}" for i in range(1000)]
    unbounded, bounded = ProvisionalIds(str.lower), ProvisionalIds(str.lower, max_entries=10)
    expected = np.concatenate([unbounded.encode(tokens[i : i + 100]) for i in range(0, len(tokens), 100)])
    got = np.concatenate([bounded.encode(tokens[i : i + 100]) for i in range(0, len(tokens), 100)])
    np.testing.assert_array_equal(got, expected)
    assert len(bounded.cache) <= 10 + 100 and bounded.words == unbounded.words == [f"w{i}" for i in range(50)]


def test_an_empty_corpus_is_the_usual_error(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("\n  \n", encoding="utf8")
    with pytest.raises(UserInputError, match="contains no tokens"):
        count_and_stage(iter_corpus_blocks(path), PTBNormalizer(), None, tmp_path / "stage", source=str(path))


def test_pretrain_skipgram_leaves_no_staged_ids_beside_the_output(tmp_path, toy_corpus_path):
    overrides = {"paths.train": str(toy_corpus_path), **TOY_SKIPGRAM_OVERRIDES, "pretrain.max_epochs": 1}
    pretrain_skipgram(CONFIGS / "skipgram.cfg", tmp_path / "out", overrides=overrides, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_run_deletes_what_a_killed_run_staged_beside_its_output(tmp_path, toy_corpus_path, capsys):
    leftover = staging_path(tmp_path / "out")
    leftover.mkdir()
    (leftover / MARKER).write_text("")  # staging_dir marks the directory first
    (leftover / "ids.u32").write_bytes(b"\0" * 64)  # a killed run's staged ids
    overrides = {"paths.train": str(toy_corpus_path), **TOY_SKIPGRAM_OVERRIDES, "pretrain.max_epochs": 1}
    pretrain_skipgram(CONFIGS / "skipgram.cfg", tmp_path / "out", overrides=overrides, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert f"Deleting {leftover}, left by an interrupted run" in unwrapped(capsys.readouterr().out)


def test_the_staging_directory_is_deleted_when_the_run_fails(tmp_path):
    with pytest.raises(RuntimeError, match="training failed"):
        with staging_dir(tmp_path / "out") as stage:
            (stage / "ids.u32").write_bytes(b"\0" * 64)
            raise RuntimeError("training failed")
    assert not stage.exists() and list(tmp_path.iterdir()) == []


def test_a_run_refuses_a_staging_path_that_holds_someone_elses_files(tmp_path, toy_corpus_path):
    foreign = staging_path(tmp_path / "out")
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    overrides = {"paths.train": str(toy_corpus_path), **TOY_SKIPGRAM_OVERRIDES, "pretrain.max_epochs": 1}
    with pytest.raises(UserInputError, match=r"out\.partial\.staging exists and was not written by spacy_elmo_w2v"):
        pretrain_skipgram(CONFIGS / "skipgram.cfg", tmp_path / "out", overrides=overrides, progress=False)
    assert (foreign / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == [foreign.name]  # nothing else written


def test_packed_words_give_back_exactly_the_words_packed():
    words = ["the", "", "naïve", "日本", "a\u2028b", "😀x", "N", "the"]
    packed = PackedWords(words)
    assert len(packed) == len(words) and list(packed) == words
    assert [packed[i] for i in range(-len(words), len(words))] == words + words
    assert packed[2:6] == words[2:6] and packed[::-3] == words[::-3]
    with pytest.raises(IndexError):
        packed[len(words)]
    assert list(PackedWords([])) == []


def test_the_vocabulary_of_a_staged_count_equals_the_built_one_and_holds_none_of_the_counted_strings(tmp_path):
    path = _mixed_corpus(tmp_path / "c.txt")
    staged = count_and_stage(iter_corpus_blocks(path, block_bytes=2048), PTBNormalizer(), None, tmp_path / "stage", source=str(path))
    counts = dict(staged.counted.counts)
    expected = Vocabulary.build(counts, min_count=2, specials=("<unk>", "<eos>"))
    vocab = staged.vocabulary(lambda c: Vocabulary.build(c, min_count=2, specials=("<unk>", "<eos>")))
    assert vocab.words == expected.words and vocab.counts.tolist() == expected.counts.tolist()
    assert vocab.unk_id == expected.unk_id and vocab.index == expected.index
    assert staged.counted.counts == {}  # handed over, not kept
    counted_strings = {id(w) for w in counts}
    assert not any(id(w) in counted_strings for w in vocab.words if len(w) > 1)  # fresh copies (1-char strings are shared by CPython)


def test_the_reader_holds_one_block_at_a_time(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("".join(f"t{i} u{i} v{i} w{i}\n" for i in range(40000)), encoding="utf8")
    tracemalloc.start()
    try:
        blocks = iter_corpus_blocks(path, block_bytes=1 << 16)
        start = tracemalloc.get_traced_memory()[0]
        block = next(blocks)
        one_block = sys.getsizeof(block.tokens) + sum(map(sys.getsizeof, block.tokens))
        del block
        tracemalloc.reset_peak()
        for block in blocks:
            del block  # what a consumer does before asking for the next block
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    # one block's tokens, plus the lines and sentences they are split from (about 2x); 4x when two are alive
    assert peak < 2.6 * one_block
