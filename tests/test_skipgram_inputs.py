"""Bad input gets an error that names the problem and the fix; failed runs leave no OUTPUT_DIR."""
import dataclasses
import os

import pytest

from spacy_elmo_w2v.corpus import read_corpus
from spacy_elmo_w2v.errors import UserInputError
from spacy_elmo_w2v.skipgram.pretrain import pretrain_skipgram

from .conftest import CONFIGS, TOY_SKIPGRAM_OVERRIDES, run_cli, unwrapped

CONFIG = CONFIGS / "skipgram.cfg"


def _pretrain(train, out, **extra):
    overrides = {"paths.train": str(train), **TOY_SKIPGRAM_OVERRIDES, "pretrain.max_epochs": 1, **extra}
    return pretrain_skipgram(CONFIG, out, overrides=overrides, progress=False)


def test_missing_corpus_names_the_file(tmp_path):
    with pytest.raises(UserInputError, match=r"not found: .*nope\.txt.*--paths\.train"):
        _pretrain(tmp_path / "nope.txt", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_unreadable_corpus_names_the_file(tmp_path, monkeypatch):
    path = tmp_path / "secret.txt"
    path.write_text("a b c\n")
    path.chmod(0)
    if os.geteuid() == 0:  # root reads any file (as CI does): the OS answers as it would anyone else
        import errno

        import spacy_elmo_w2v.corpus as corpus_module

        def denied(file, *args, **kwargs):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(file))

        monkeypatch.setattr(corpus_module, "open", denied, raising=False)
    with pytest.raises(UserInputError, match="permission denied"):
        read_corpus(path)


def test_a_directory_given_as_corpus_is_read_file_by_file(tmp_path):
    (tmp_path / "a.txt").write_text("one two\n")
    (tmp_path / "b.txt").write_text("three\n")
    corpus = read_corpus(tmp_path)
    assert corpus.tokens == ["one", "two", "three"] and corpus.lengths.tolist() == [2, 1]


@pytest.mark.parametrize("content", ["", "\n\n   \n"])
def test_empty_corpus_is_an_error(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_text(content)
    with pytest.raises(UserInputError, match=r"empty\.txt contains no tokens"):
        _pretrain(path, tmp_path / "out")


def test_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "gaps.txt"
    path.write_text("a b\n\n  \nc d e\n\n")
    corpus = read_corpus(path)
    assert corpus.tokens == ["a", "b", "c", "d", "e"]
    assert corpus.lengths.tolist() == [2, 3]


def test_non_utf8_bytes_name_the_line_and_the_fix(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("fine line\ncaf\xe9 au lait\n".encode("latin-1"))
    with pytest.raises(UserInputError, match=r"latin1\.txt is not UTF-8: byte 0xe9 on line 2.*iconv"):
        read_corpus(path)


def test_vocabulary_emptied_by_min_count_says_to_lower_it(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("a b c\n")
    with pytest.raises(UserInputError, match="min_count=50"):
        _pretrain(path, tmp_path / "out", **{"components.skipgram_vectors.min_count": 50})


def test_existing_output_dir_is_not_overwritten(tmp_path, toy_corpus_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    with pytest.raises(UserInputError, match="already exists.*--overwrite"):
        _pretrain(toy_corpus_path, out)
    assert (out / "keep.txt").read_text() == "precious"


def test_overwrite_replaces_an_earlier_output_dir(tmp_path, toy_corpus_path):
    out = tmp_path / "out"
    _pretrain(toy_corpus_path, out)
    (out / "old.txt").write_text("old")
    pretrain_skipgram(
        CONFIG, out, overwrite=True, progress=False,
        overrides={"paths.train": str(toy_corpus_path), **TOY_SKIPGRAM_OVERRIDES, "pretrain.max_epochs": 1},
    )
    assert (out / "config.cfg").exists() and not (out / "old.txt").exists()


def test_a_failed_save_leaves_no_output_dir(tmp_path, toy_corpus_path, monkeypatch):
    from spacy.language import Language

    def broken_to_disk(self, path, **kwargs):
        (path / "half-written").write_text("x")
        raise OSError("disk full")

    monkeypatch.setattr(Language, "to_disk", broken_to_disk)
    with pytest.raises(OSError, match="disk full"):
        _pretrain(toy_corpus_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert (tmp_path / "out.partial" / "half-written").exists()


def test_missing_train_path_says_how_to_give_one(tmp_path):
    with pytest.raises(UserInputError, match="--paths.train"):
        pretrain_skipgram(CONFIG, tmp_path / "out", overrides={}, progress=False)


def test_unknown_training_setting_is_named_with_the_setting_it_resembles(tmp_path, toy_corpus_path):
    with pytest.raises(UserInputError) as err:
        _pretrain(toy_corpus_path, tmp_path / "out", **{"pretrain.epochs": 3})
    message = str(err.value)
    assert "unknown key pretrain.epochs (did you mean pretrain.max_epochs?)" in message
    assert "missing" not in message  # nothing is missing: only what is wrong is named


def test_missing_setting_is_named_alone():
    from spacy_elmo_w2v.settings import settings_from_section
    from spacy_elmo_w2v.skipgram.pretrain import SkipGramSettings

    section = {f.name: 1 for f in dataclasses.fields(SkipGramSettings)}
    del section["sync_every"]
    with pytest.raises(UserInputError) as err:
        settings_from_section(SkipGramSettings, section, "pretrain", "configs/skipgram.cfg")
    assert "missing sync_every" in str(err.value) and "unknown" not in str(err.value)


def test_gpu_request_without_cuda_falls_back_to_cpu(capsys):
    import torch

    from spacy_elmo_w2v.device import resolve_device

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert resolve_device(0).type == "cpu"
    assert "no CUDA device is available" in unwrapped(capsys.readouterr().out)


@pytest.mark.slow  # three CLI subprocesses
def test_cli_trains_evaluates_and_exports(tmp_path, toy_corpus_path):
    out = tmp_path / "out"
    overrides = [x for k, v in TOY_SKIPGRAM_OVERRIDES.items() for x in (f"--{k}", str(v))]
    result = run_cli(
        "pretrain-skipgram", CONFIG, out, "--paths.train", toy_corpus_path, "--gpu-id", "0", "--no-progress",
        *overrides,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (out / "config.cfg").exists() and (out / "training_log.json").exists()
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("cat dog 9.0\ncar bus 8.5\ncat car 1.0\ndog truck 1.5\nunicorn cat 5.0\n")
    result = run_cli("evaluate-similarity", out, pairs, "--probes", "cat,car", "--output", tmp_path / "m.json")
    assert result.returncode == 0, result.stdout + result.stderr
    import srsly

    metrics = srsly.read_json(tmp_path / "m.json")
    assert metrics["covered"] == 4 and metrics["total"] == 5
    assert metrics["spearman"] > 0.5
    assert "cat:" in result.stdout
    result = run_cli("export-word2vec", out, tmp_path / "v.txt")
    assert result.returncode == 0, result.stdout + result.stderr
    header = (tmp_path / "v.txt").read_text().splitlines()[0]
    assert header == "27 16"  # the 27 toy words (<unk> has no vector), width 16


@pytest.mark.parametrize("flag,expected", [("--no-progress", False), ("--progress", True), (None, True)])
def test_the_progress_flag_reaches_pretraining_and_its_absence_leaves_the_default(flag, expected, monkeypatch, tmp_path):
    import inspect

    from typer.testing import CliRunner

    import spacy_elmo_w2v.skipgram.pretrain as pretrain
    from spacy_elmo_w2v.cli import app

    seen = {}

    def record(config_path, output_dir, **kwargs):
        arguments = inspect.signature(pretrain_skipgram).bind(config_path, output_dir, **kwargs)
        arguments.apply_defaults()
        seen.update(arguments.arguments)

    monkeypatch.setattr(pretrain, "pretrain_skipgram", record)
    result = CliRunner().invoke(app, ["pretrain-skipgram", str(CONFIGS / "skipgram.cfg"), str(tmp_path / "out"), *([flag] if flag else [])])
    assert result.exit_code == 0, result.output
    assert seen["progress"] is expected


def test_evaluate_similarity_without_two_covered_pairs_warns_and_writes_null(toy_skipgram_dir, tmp_path):
    import srsly
    from typer.testing import CliRunner

    from spacy_elmo_w2v.cli import app

    pairs = tmp_path / "pairs.txt"
    pairs.write_text("unicorn dragon 5.0\ncat griffin 3.0\n")
    out = tmp_path / "metrics" / "sim.json"
    result = CliRunner().invoke(app, ["evaluate-similarity", str(toy_skipgram_dir), str(pairs), "--probes", "cat", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = unwrapped(result.output)
    assert "No Spearman rho: 0 of 2 pairs" in text and "nan" not in text
    metrics = srsly.read_json(out)  # valid JSON: null, not NaN
    assert metrics["spearman"] is None and (metrics["covered"], metrics["total"]) == (0, 2)
    assert [word for word, _ in metrics["neighbours"]["cat"]]  # the probes are still reported


def test_evaluate_similarity_output_to_a_directory_is_a_one_line_error(toy_skipgram_dir, tmp_path):
    from typer.testing import CliRunner

    from spacy_elmo_w2v.cli import app

    pairs = tmp_path / "pairs.txt"
    pairs.write_text("cat dog 9.0\ncar bus 8.5\ncat car 1.0\n")
    taken = tmp_path / "taken"
    taken.mkdir()
    result = CliRunner().invoke(app, ["evaluate-similarity", str(toy_skipgram_dir), str(pairs), "-o", str(taken)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output  # an error line, not a traceback
    assert f"Cannot write {taken} (Is a directory): choose a writable file path" in unwrapped(result.output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.txt", "taken"] and not list(taken.iterdir())


def test_an_interrupted_run_leaves_no_id_file_behind(tmp_path, toy_corpus_path, monkeypatch):
    """The corpus as ids (4 bytes a token, gigabytes for a large corpus) cannot be resumed from: it goes with the run."""
    import spacy_elmo_w2v.skipgram.train as train_module

    written = []

    def interrupted(model, corpus, *args, **kwargs):
        written.append(sorted(p.name for p in corpus.directory.iterdir()))
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "train_skipgram", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _pretrain(toy_corpus_path, tmp_path / "out")
    assert written and written[0]  # the id file was there while training ran
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial" / "ids").exists()
