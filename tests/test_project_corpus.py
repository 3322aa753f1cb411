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
