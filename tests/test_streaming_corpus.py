"""The streaming data path: blocks, the counting pass, the id file."""
import bz2
import gzip
import lzma
import tracemalloc

import numpy as np
import pytest

from spacy_elmo_w2v.corpus import TokenizedCorpus, iter_corpus_blocks, read_corpus
from spacy_elmo_w2v.counting import count_blocks
from spacy_elmo_w2v.idfile import IdFile, write_id_file
from spacy_elmo_w2v.vocab import UNK, Vocabulary


def _zipf_lines(n_lines, n_types=500, seed=0, words_per_line=12):
    rng = np.random.default_rng(seed)
    ranks = np.minimum(rng.zipf(1.3, size=n_lines * words_per_line), n_types)
    lengths = rng.integers(1, 2 * words_per_line, size=n_lines)
    lines, start = [], 0
    for n in lengths:
        chunk = ranks[start : start + n]
        if len(chunk) < n:
            chunk = np.concatenate([chunk, ranks[: n - len(chunk)]])
        lines.append(" ".join(f"w{r}" for r in chunk))
        start = (start + n) % len(ranks)
    return lines


def _identity(word):
    return word


@pytest.mark.parametrize("opener,suffix", [(open, ".txt"), (gzip.open, ".txt.gz"), (bz2.open, ".txt.bz2"), (lzma.open, ".txt.xz")])
def test_id_file_round_trips_the_corpus_exactly(tmp_path, opener, suffix):
    lines = _zipf_lines(3000)
    path = tmp_path / f"c{suffix}"
    with opener(path, "wt", encoding="utf8") as f:
        f.write("\n".join(lines[:1500]) + "\n\n  \n" + "\n".join(lines[1500:]) + "\n")
    counted = count_blocks(iter_corpus_blocks(path, block_bytes=4096), _identity)
    vocab = Vocabulary.build(counted.counts, min_count=1)
    id_file = write_id_file(iter_corpus_blocks(path, block_bytes=4096), vocab, _identity, tmp_path / "ids")
    reopened = IdFile.open(tmp_path / "ids")
    assert reopened.n_sentences == len(lines) == counted.n_sentences
    decoded = [
        " ".join(vocab.decode(reopened.ids[reopened.offsets[k] : reopened.offsets[k + 1]]))
        for k in range(reopened.n_sentences)
    ]
    assert decoded == lines
    assert len(id_file) == counted.n_tokens == sum(len(line.split()) for line in lines)


def test_disk_array_reads_what_a_memory_map_reads_and_slices_without_reading(tmp_path):
    from spacy_elmo_w2v.idfile import DiskArray

    path = tmp_path / "ids.u32"
    values = np.random.default_rng(0).integers(0, 2**32 - 1, size=1000, dtype=np.uint32)
    values.tofile(path)
    on_disk, mapped = DiskArray(path, np.uint32), np.memmap(path, dtype=np.uint32, mode="r")
    assert len(on_disk) == 1000 and on_disk.shape == (1000,)
    shard = on_disk[250:900][10:]  # a range of a range: still nothing read
    assert isinstance(shard, DiskArray) and len(shard) == 640
    np.testing.assert_array_equal(np.asarray(shard), mapped[260:900])
    np.testing.assert_array_equal(shard[5:1][::-1], mapped[265:265])
    np.testing.assert_array_equal(shard[::-1], mapped[260:900][::-1])
    np.testing.assert_array_equal(np.asarray(shard[3:7], dtype=np.int64), mapped[263:267].astype(np.int64))
    assert shard[-1] == mapped[899] and list(on_disk[:3]) == list(mapped[:3])
    path.write_bytes(path.read_bytes()[:2000])  # cut short after opening
    with pytest.raises(ValueError, match="half-written"):
        np.asarray(on_disk)


def test_opened_id_file_holds_no_ids_in_memory(tmp_path):
    from spacy_elmo_w2v.idfile import DiskArray

    vocab = Vocabulary.build({"a": 3, "b": 2}, min_count=1)
    corpus = TokenizedCorpus("a b a b a".split(), np.array([2, 3]))
    write_id_file([corpus], vocab, _identity, tmp_path / "ids")
    reopened = IdFile.open(tmp_path / "ids")
    assert isinstance(reopened.ids, DiskArray)  # read range by range, never mapped into the process
    assert [c.ids.tolist() for c in reopened.chunks(2)] == [[1, 2], [1, 2], [1]]
    assert reopened.counts(len(vocab)).tolist() == [0, 3, 2]


def test_blocks_join_to_what_read_corpus_reads(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("\n".join(_zipf_lines(500)) + "\n")
    blocks = list(iter_corpus_blocks(path, block_bytes=1000))
    whole = read_corpus(path)
    assert len(blocks) > 5
    assert [t for b in blocks for t in b.tokens] == whole.tokens
    assert np.concatenate([b.lengths for b in blocks]).tolist() == whole.lengths.tolist()


def test_a_slice_numbers_sentences_from_zero_and_breaks_where_they_do():
    # sentences: [0 1 2] [3 4] [5] [6 7 8 9]
    corpus = IdFile(np.arange(10, dtype=np.uint32), np.array([0, 3, 5, 6, 10]))
    part = corpus.read(1, 8)
    assert part.ids.tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert part.sentences.tolist() == [0, 0, 1, 1, 2, 3, 3]
    assert part.start == 1
    chunks = list(corpus.chunks(4, start=2, stop=9))
    assert [c.ids.tolist() for c in chunks] == [[2, 3, 4, 5], [6, 7, 8]]
    assert len(corpus.read(9, 20)) == 1 and len(corpus.read(5, 5)) == 0


def test_counting_prunes_rare_words_and_keeps_the_frequent_ones():
    lines = _zipf_lines(4000, n_types=5000, seed=1)
    blocks = [b for b in _blocks(lines, 200)]
    exact = count_blocks(blocks, _identity)
    capped = count_blocks(blocks, _identity, max_vocab_size=300)
    assert not exact.pruned and capped.pruned
    assert len(capped.counts) <= 300 < len(exact.counts)
    top = sorted(exact.counts, key=exact.counts.get, reverse=True)[:50]
    assert all(w in capped.counts for w in top)
    # frequent words lose at most what pruning took from them
    for w in top:
        assert exact.counts[w] - capped.counts[w] <= capped.min_reduce * 20


def test_max_vocab_size_keeps_the_most_frequent_words():
    counts = {"a": 50, "b": 40, "c": 30, "d": 5}
    vocab = Vocabulary.build(counts, min_count=1, max_size=2)
    assert vocab.words == [UNK, "a", "b"]
    assert vocab.counts[vocab.unk_id] == 35


def test_peak_memory_of_count_and_encode_does_not_grow_with_corpus_length(tmp_path):
    lines = _zipf_lines(2000, n_types=300, seed=2)
    peaks = []
    for copies in (1, 5):
        path = tmp_path / f"c{copies}.txt"
        path.write_text(("\n".join(lines) + "\n") * copies)
        tracemalloc.start()
        counted = count_blocks(iter_corpus_blocks(path, block_bytes=1 << 14), _identity)
        vocab = Vocabulary.build(counted.counts, min_count=1)
        id_file = write_id_file(iter_corpus_blocks(path, block_bytes=1 << 14), vocab, _identity, tmp_path / f"ids{copies}")
        for _ in id_file.chunks(5000):
            pass
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert len(id_file) == copies * sum(len(line.split()) for line in lines)
    assert peaks[1] < 1.1 * peaks[0]


def _blocks(lines, per_block):
    from spacy_elmo_w2v.corpus import TokenizedCorpus

    for i in range(0, len(lines), per_block):
        sents = [line.split() for line in lines[i : i + per_block]]
        yield TokenizedCorpus([t for s in sents for t in s], np.array([len(s) for s in sents]))


@pytest.mark.parametrize("opener,suffix", [(open, ".txt"), (gzip.open, ".txt.gz")])
def test_a_corpus_of_one_long_line_is_read_in_bounded_blocks(tmp_path, opener, suffix):
    """text8, a favourite word2vec corpus, is one line of 100 MB: it is cut at whitespace, not read whole."""
    words = [f"čaj{i % 97}€" if i % 5 == 0 else f"w{i % 311}" for i in range(20000)]  # multibyte characters too
    path = tmp_path / f"one{suffix}"
    with opener(path, "wt", encoding="utf8") as f:
        f.write("short first line\n" + " ".join(words) + "\n")
    block_bytes = 1024
    blocks = list(iter_corpus_blocks(path, block_bytes=block_bytes))
    assert [t for b in blocks for t in b.tokens] == ["short", "first", "line"] + words  # every token, whole, in order
    assert max(sum(len(t.encode("utf8")) + 1 for t in b.tokens) for b in blocks) <= 2 * block_bytes
    assert sum(int(b.lengths.sum()) for b in blocks) == len(words) + 3


def test_a_jsonl_record_longer_than_a_block_is_read_whole(tmp_path):
    import srsly

    text = " ".join(f"w{i}" for i in range(3000))
    path = tmp_path / "docs.jsonl"
    srsly.write_jsonl(path, [{"text": "a short one ."}, {"text": text}])
    blocks = list(iter_corpus_blocks(path, block_bytes=512))
    assert [t for b in blocks for t in b.tokens] == ["a", "short", "one", "."] + text.split()


def test_a_block_of_text_without_whitespace_is_an_error_naming_its_line(tmp_path):
    from spacy_elmo_w2v.errors import UserInputError

    path = tmp_path / "corpus.txt"
    path.write_text("a fine sentence\n" + "x" * 5000 + "\n", encoding="utf8")
    with pytest.raises(UserInputError, match=r"corpus\.txt, line 2: [\d,]+ bytes without a space or a line end"):
        list(iter_corpus_blocks(path, block_bytes=1024))


@pytest.mark.parametrize("name,content", [
    ("bom.txt", "the cat sat\r\non the mat\r\n"),
    ("bom.jsonl", '{"text": "the cat sat"}\n{"text": "on the mat"}\n'),
])
def test_a_byte_order_mark_is_not_part_of_the_first_word(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + content.encode("utf8"))  # as Notepad writes UTF-8
    corpus = read_corpus(path)
    assert corpus.tokens == ["the", "cat", "sat", "on", "the", "mat"]
    assert corpus.lengths.tolist() == [3, 3]


def test_a_corpus_directory_is_read_with_its_subdirectories_and_without_hidden_files(tmp_path):
    """WikiExtractor's layout (AA/wiki_00, AB/wiki_00, ...), with what macOS and git leave beside it."""
    from spacy_elmo_w2v.corpus import corpus_files

    root = tmp_path / "extracted"
    for rel, text in [("AA/wiki_00", "first file\n"), ("AA/wiki_01", "second one\n"), ("AB/wiki_00", "third\n"), ("top.txt", "fourth\n")]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf8")
    (root / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1\x00")
    (root / ".git" / "objects").mkdir(parents=True)
    (root / ".git" / "objects" / "ab").write_bytes(b"x\x01\x00\x00")
    (root / "AA" / ".notes.txt").write_text("not corpus\n", encoding="utf8")
    assert [f.relative_to(root).as_posix() for f in corpus_files(root)] == ["AA/wiki_00", "AA/wiki_01", "AB/wiki_00", "top.txt"]
    assert read_corpus(root).tokens == ["first", "file", "second", "one", "third", "fourth"]


@pytest.mark.parametrize("name", ["wiki.txt.zst", "corpus.zip"])
def test_an_archive_that_cannot_be_streamed_is_refused_by_name(tmp_path, name):
    from spacy_elmo_w2v.errors import UserInputError

    path = tmp_path / name
    path.write_bytes(b"\x28\xb5\x2f\xfd" + bytes(range(256)))  # not text, whatever the format
    with pytest.raises(UserInputError, match=r"a \.(zst|zip) file cannot be streamed\. Unpack it, or compress the text with gzip, bzip2 or xz"):
        read_corpus(path)


def test_a_hidden_file_in_a_corpus_directory_does_not_change_the_run_fingerprint(tmp_path):
    """--resume compares input fingerprints: a .DS_Store written beside the corpus is no new input
    (a pipeline given as --paths.vectors is still fingerprinted whole)."""
    from spacy_elmo_w2v.fingerprint import corpus_fingerprint, path_fingerprint

    (tmp_path / "corpus" / "AA").mkdir(parents=True)
    (tmp_path / "corpus" / "AA" / "wiki_00").write_text("a sentence\n", encoding="utf8")
    before = corpus_fingerprint(tmp_path / "corpus", "--paths.train")
    (tmp_path / "corpus" / ".DS_Store").write_bytes(b"\x00\x01")
    (tmp_path / "corpus" / "AA" / ".wiki_00.swp").write_bytes(b"\x00\x02")
    assert corpus_fingerprint(tmp_path / "corpus", "--paths.train") == before == {"AA/wiki_00": before["AA/wiki_00"]}
    assert ".DS_Store" in path_fingerprint(tmp_path / "corpus")
    (tmp_path / "corpus" / "AA" / "wiki_01").write_text("another\n", encoding="utf8")
    assert corpus_fingerprint(tmp_path / "corpus", "--paths.train") != before
    assert corpus_fingerprint(tmp_path / "corpus" / "AA" / "wiki_01", "--paths.train") == path_fingerprint(tmp_path / "corpus" / "AA" / "wiki_01")


@pytest.mark.parametrize("record", ['{"text": null}', '{"text": 42}', '{"text": ["a", "b"]}', '["a list"]', '{"txt": "a"}'])
def test_a_jsonl_record_without_a_text_string_is_an_error_naming_its_line(tmp_path, record):
    from spacy_elmo_w2v.errors import UserInputError

    path = tmp_path / "docs.jsonl"
    path.write_text('{"text": "a fine line"}\n' + record + "\n", encoding="utf8")
    with pytest.raises(UserInputError, match=r'docs\.jsonl, line 2: expected a JSON object with a "text" string'):
        read_corpus(path)
