"""scripts/prepare_corpus.py: the whole corpus, or its first lines in smoke mode."""
import pytest

from ._project_helpers import import_script

prepare_corpus = import_script("prepare_corpus")
presets = import_script("presets")


@pytest.fixture
def splits(tmp_path):
    paths = []
    for split in ("train", "dev", "test"):
        path = tmp_path / f"{split}.txt"
        path.write_text("".join(f"{split} sentence {i}\n" for i in range(5000)), encoding="utf8")
        paths.append(path)
    return paths


def test_full_mode_copies_the_files_unchanged(splits, tmp_path):
    assert prepare_corpus.main([*map(str, splits), str(tmp_path / "out"), "--smoke", "false"]) == 0
    for split, path in zip(("train", "dev", "test"), splits):
        assert (tmp_path / "out" / f"{split}.txt").read_bytes() == path.read_bytes()


def test_smoke_mode_keeps_the_first_lines(splits, tmp_path):
    assert prepare_corpus.main([*map(str, splits), str(tmp_path / "out"), "--smoke", "True"]) == 0
    for split in ("train", "dev", "test"):
        lines = (tmp_path / "out" / f"{split}.txt").read_text(encoding="utf8").splitlines()
        assert len(lines) == presets.SMOKE_LINES[split]
        assert lines[0] == f"{split} sentence 0"


def test_empty_input_stops_with_a_message(splits, tmp_path):
    splits[0].write_text("")
    with pytest.raises(SystemExit, match="has no lines"):
        prepare_corpus.main([*map(str, splits), str(tmp_path / "out")])
    assert not (tmp_path / "out" / "train.txt").exists()
    assert not any((tmp_path / "out").iterdir())  # no half-written or temporary file left


@pytest.mark.parametrize("text,value", [("true", True), ("True", True), ("1", True), ("false", False), ("False", False)])
def test_parse_bool_reads_project_vars(text, value):
    assert presets.parse_bool(text) is value


def test_parse_bool_rejects_other_text():
    with pytest.raises(ValueError):
        presets.parse_bool("maybe")


def test_other_corpus_formats_are_written_as_tokenized_lines(splits, tmp_path):
    """A user's corpus in any format pretrain-skipgram reads (here JSONL, gzip, a directory) reaches the
    later steps as sentences, not copied byte for byte into a .txt (a JSONL copy trained on '{"text":')."""
    import gzip

    import srsly

    train = tmp_path / "mine.jsonl"
    srsly.write_jsonl(train, [{"text": f"Sentence number {i}, said she."} for i in range(5000)])
    dev = tmp_path / "dev.txt.gz"
    with gzip.open(dev, "wt", encoding="utf8") as f:
        f.write("".join(f"dev line {i}\n" for i in range(500)))
    test = tmp_path / "test_dir"
    (test / "AA").mkdir(parents=True)
    (test / "AA" / "wiki_00").write_text("one test line\nanother one\n", encoding="utf8")
    for smoke, n_train in (("false", 5000), ("true", presets.SMOKE_LINES["train"])):
        out = tmp_path / f"out-{smoke}"
        assert prepare_corpus.main([str(train), str(dev), str(test), str(out), "--smoke", smoke]) == 0
        lines = (out / "train.txt").read_text(encoding="utf8").splitlines()
        assert len(lines) == n_train and lines[7] == "Sentence number 7 , said she ."
        assert (out / "dev.txt").read_text(encoding="utf8").splitlines()[:2] == ["dev line 0", "dev line 1"]
        assert (out / "test.txt").read_text(encoding="utf8") == "one test line\nanother one\n"


def test_an_unreadable_corpus_stops_with_one_line_naming_it(splits, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf8")
    with pytest.raises(SystemExit, match=r"bad\.jsonl, line 1: expected a JSON object"):
        prepare_corpus.main([str(bad), str(splits[1]), str(splits[2]), str(tmp_path / "out")])
    assert not any((tmp_path / "out").iterdir())


def test_an_archive_is_refused_naming_it_not_copied_as_text(splits, tmp_path):
    archive = tmp_path / "mine.zip"
    archive.write_bytes(b"PK\x03\x04" + bytes(range(64)))
    with pytest.raises(SystemExit, match=r"mine\.zip: a \.zip file cannot be streamed"):
        prepare_corpus.main([str(archive), str(splits[1]), str(splits[2]), str(tmp_path / "out")])
    assert not (tmp_path / "out" / "train.txt").exists()
