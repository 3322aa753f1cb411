"""Bad input, as a new user gives it: nothing lost, nothing silent.

Read the tables top to bottom: each row is one thing a user can get wrong,
what they type, and the one line the command answers with (exit code 1, no
traceback, no output directory left behind). Below them, the behaviours
that are not a one-line error: what is kept, what is refused, what is
reported.
"""
import math
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Tuple

import pytest
import spacy

from ._elmo_helpers import CONFIG as ELMO_CONFIG
from ._elmo_helpers import cli_args, interrupted_run, tiny_training, write_toy_corpus
from .conftest import CONFIGS, TOY_SKIPGRAM_OVERRIDES, run_cli, unwrapped
from spacy_elmo_w2v.elmo.checkpoint import checkpoint_path
from spacy_elmo_w2v.errors import UserInputError

SKIPGRAM = ["pretrain-skipgram", CONFIGS / "skipgram.cfg"]
ELMO = ["pretrain-elmo", ELMO_CONFIG]


def toy_skipgram_args(corpus: Path) -> List[str]:
    """The toy corpus and toy sizes for pretrain-skipgram, one epoch."""
    return ["--paths.train", str(corpus), "--no-progress", *cli_args({**TOY_SKIPGRAM_OVERRIDES, "pretrain.max_epochs": 1})]


def readonly_dir(root: Path) -> Path:
    """A directory nobody can create files in (root ignores permissions, but not /sys's)."""
    if os.geteuid() == 0:
        return Path("/sys")
    path = root / "readonly"
    path.mkdir()
    path.chmod(0o555)
    return path


@dataclass
class Case:
    """One bad input: ``args(d)`` builds the command line in the empty directory ``d``
    (the command runs there); ``says`` is a regex the error line must match."""

    id: str
    args: Callable[[Path], List[str]]
    says: str


def _corpus(d: Path, name: str = "train.txt") -> Path:
    return write_toy_corpus(d / name, 2)


def _elmo_args(d: Path, **changes: object) -> List[str]:
    train = _corpus(d)
    return cli_args({**tiny_training(train, train, epochs=1), **changes})


def _empty(d: Path, name: str) -> Path:
    (d / name).write_text("\n")
    return d / name


def _binary_in_folder(d: Path) -> Path:
    folder = d / "corpus"
    folder.mkdir()
    _corpus(folder, "a.txt")
    (folder / "b.bin").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    return folder


def _text_folder(d: Path) -> Path:
    folder = d / "corpus"
    folder.mkdir()
    _corpus(folder, "a.txt")
    return folder


def _hidden_only(d: Path) -> Path:
    (d / "devdir" / ".git").mkdir(parents=True)
    (d / "devdir" / ".DS_Store").write_bytes(b"\x00\x01")
    return d / "devdir"


def _foreign_dir(d: Path) -> Path:
    (d / "notes").mkdir()
    (d / "notes" / "thesis.txt").write_text("years of work")
    return d / "notes"


def _our_output(d: Path) -> Path:
    """A finished output directory, written the way our commands write one."""
    from spacy_elmo_w2v.output import atomic_output_dir

    with atomic_output_dir(d / "elmo") as tmp:
        (tmp / "config.cfg").write_text("")
    return d / "elmo"


def _not_a_pipeline(d: Path) -> Path:
    (d / "vectors").mkdir()
    (d / "vectors" / "junk.txt").write_text("x")
    return d / "vectors"


CLI_CASES = [
    Case("skipgram: OUT in a read-only directory", lambda d: [*SKIPGRAM, readonly_dir(d) / "out", *toy_skipgram_args(_corpus(d))], r"Cannot write to .*Choose an OUTPUT_DIR in a writable directory"),
    Case("skipgram: OUT is an existing file", lambda d: [*SKIPGRAM, _corpus(d, "out"), *toy_skipgram_args(_corpus(d))], r"OUTPUT_DIR \S*out is a file, not a directory"),
    Case("skipgram: OUT is the current directory", lambda d: [*SKIPGRAM, ".", *toy_skipgram_args(_corpus(d))], r"OUTPUT_DIR \. is the current directory"),
    Case("skipgram: OUT inside the corpus folder", lambda d: [*SKIPGRAM, _text_folder(d) / "out", *toy_skipgram_args(d / "corpus")], r"OUTPUT_DIR \S*corpus/out is inside \S*corpus, the corpus directory of --paths\.train: .* Choose an OUTPUT_DIR outside"),
    Case("skipgram: --overwrite on a directory we did not write", lambda d: [*SKIPGRAM, _foreign_dir(d), "--overwrite", *toy_skipgram_args(_corpus(d))], r"not written by spacy_elmo_w2v, so it is not replaced, even with --overwrite"),
    Case("skipgram: max_epochs is not a number", lambda d: [*SKIPGRAM, "out", *toy_skipgram_args(_corpus(d)), "--training.max_epochs", "abc"], r"--pretrain\.max_epochs must be an integer >= 1, not 'abc'"),
    Case("skipgram: max_epochs is a fraction", lambda d: [*SKIPGRAM, "out", *toy_skipgram_args(_corpus(d)), "--pretrain.max_epochs", "1.5"], r"--pretrain\.max_epochs must be an integer >= 1, not 1\.5"),
    Case("skipgram: learn_rate is not a number", lambda d: [*SKIPGRAM, "out", *toy_skipgram_args(_corpus(d)), "--pretrain.learn_rate", "abc"], r"--pretrain\.learn_rate must be a number > 0, not 'abc'"),
    Case("skipgram: window 0", lambda d: [*SKIPGRAM, "out", *toy_skipgram_args(_corpus(d)), "--components.skipgram_vectors.window", "0"], r"--components\.skipgram_vectors\.window must be an integer >= 1, not 0"),
    Case("skipgram: a misspelt setting", lambda d: [*SKIPGRAM, "out", *toy_skipgram_args(_corpus(d)), "--pretrain.max_epoch", "2"], r"unknown key pretrain\.max_epoch \(did you mean pretrain\.max_epochs\?\)\. See configs/skipgram\.cfg"),
    Case("skipgram: missing corpus file", lambda d: [*SKIPGRAM, "out", "--paths.train", d / "missing.txt"], r"Corpus file not found: \S*missing\.txt"),
    Case("skipgram: a vector width of 0", lambda d: [*SKIPGRAM, "out", *toy_skipgram_args(_corpus(d)), "--components.skipgram_vectors.model.width", "0"], r"--components\.skipgram_vectors\.model\.width must be an integer >= 1, not 0"),
    Case("skipgram: a misspelt component setting", lambda d: [*SKIPGRAM, "out", *toy_skipgram_args(_corpus(d)), "--components.skipgram_vectors.windw", "3"], r"--components\.skipgram_vectors\.windw: unexpected argument: 'windw' \(did you mean --components\.skipgram_vectors\.window\?\)"),
    Case("elmo: no corpus given", lambda d: [*ELMO, "out"], r"No train and no dev corpus given: set --paths\.train and --paths\.dev"),
    Case("elmo: missing training file", lambda d: [*ELMO, "out", *_elmo_args(d, **{"paths.train": d / "nope.txt"})], r"Corpus file not found: \S*nope\.txt"),
    Case("elmo: empty training file", lambda d: [*ELMO, "out", *_elmo_args(d, **{"paths.train": _empty(d, "empty.txt")})], r"empty\.txt contains no tokens"),
    Case("elmo: no dev corpus", lambda d: [*ELMO, "out", *_elmo_args(d, **{"paths.dev": ""})], r"No dev corpus given: set --paths\.dev \("),
    Case("elmo: empty dev file", lambda d: [*ELMO, "out", *_elmo_args(d, **{"paths.dev": _empty(d, "dev.txt")})], r"dev\.txt contains no tokens .* Point --paths\.dev at a file"),
    Case("elmo: a dev folder of hidden files only", lambda d: [*ELMO, "out", *_elmo_args(d, **{"paths.dev": _hidden_only(d)})], r"Corpus directory \S*devdir \(--paths\.dev\) contains no files \(names starting with '\.' are skipped\)"),
    Case("elmo: OUT inside the dev folder", lambda d: [*ELMO, _text_folder(d) / "runs" / "out", *_elmo_args(d, **{"paths.dev": d / "corpus"})], r"OUTPUT_DIR \S*corpus/runs/out is inside \S*corpus, the corpus directory of --paths\.dev"),
    Case("elmo: binary file in the corpus folder", lambda d: [*ELMO, "out", *_elmo_args(d, **{"paths.train": _binary_in_folder(d)})], r"b\.bin is a binary file .* Remove it from the corpus"),
    Case("elmo: a misspelt setting of an architecture", lambda d: [*ELMO, "out", *_elmo_args(d), "--components.elmo_vectors.model.head.kindd", "full"], r"--components\.elmo_vectors\.model\.head\.kindd: unexpected argument: 'kindd' \(did you mean --components\.elmo_vectors\.model\.head\.kind\?\)"),
    Case("elmo: dropout of 1.5", lambda d: [*ELMO, "out", *_elmo_args(d), "--components.elmo_vectors.model.dropout", "1.5"], r"--components\.elmo_vectors\.model\.dropout must be a number >= 0 and < 1, not 1\.5"),
    Case("elmo: tied embeddings with the adaptive softmax", lambda d: [*ELMO, "out", *_elmo_args(d), "--components.elmo_vectors.model.head.tie_embeddings", "true"], r"tie_embeddings works with the full softmax only: set kind = \"full\" or tie_embeddings = false"),
    Case("elmo: a token encoder with nothing to encode", lambda d: [*ELMO, "out", *_elmo_args(d), "--components.elmo_vectors.model.encoder.word_width", "0"], r"neither word embeddings \(word_width = 0\) nor a char CNN .* set \[components\.elmo_vectors\.model\.encoder\] word_width > 0"),
    Case("elmo: min_count in the old place", lambda d: [*ELMO, "out", *_elmo_args(d), "--pretrain.min_count", "5"], r"\[pretrain\] min_count is no longer read.*--components\.elmo_vectors\.min_count N"),
    Case("elmo: min_count empties the vocabulary", lambda d: [*ELMO, "out", *_elmo_args(d), "--components.elmo_vectors.min_count", "1000"], r"min_count=1000 .* Lower it \(--components\.elmo_vectors\.min_count \d+\)"),
    Case("elmo: --paths.vectors is not a pipeline", lambda d: [*ELMO, "out", *_elmo_args(d, **{"paths.vectors": _not_a_pipeline(d)})], r"--paths\.vectors .*pretrain-skipgram"),
    Case("elmo: OUT exists", lambda d: [*ELMO, _our_output(d), *_elmo_args(d)], r"already exists\. .*--overwrite"),
    Case("elmo: --resume without a checkpoint", lambda d: [*ELMO, "out", "--resume", *_elmo_args(d)], r"no checkpoint .*without --resume"),
    Case("elmo: --resume and --restart together", lambda d: [*ELMO, "out", "--resume", "--restart", *_elmo_args(d)], r"pass only one of them"),
]


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.id for c in CLI_CASES])
def test_bad_cli_input_is_one_line_naming_the_fix(case, tmp_path):
    result = run_cli(*case.args(tmp_path), cwd=tmp_path)
    output = unwrapped(result.stdout)
    assert result.returncode == 1, output + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert re.search(case.says, output), output
    assert not (tmp_path / "out.partial").exists() and not (tmp_path / "out").is_dir()


# The rows above meet only the confection of the spaCy installed; these give `_one_line` the error
# of a misspelt architecture setting as each confection our spaCy range brings writes it.
CONFECTION_ERRORS = {
    "confection 1.x": dict(title="Config error for 'spacy_elmo_w2v.SoftmaxHead.v1'", errors=[{"loc": ["elmo_vectors.model.head", "kindd"], "msg": "unexpected argument: 'kindd'"}]),
    "confection 0.1.x": dict(parent="elmo_vectors.model.head", errors=[{"loc": ("kindd",), "msg": "extra fields not permitted", "type": "value_error.extra"}]),
}


@pytest.mark.parametrize("fields", CONFECTION_ERRORS.values(), ids=list(CONFECTION_ERRORS))
def test_a_misspelt_architecture_setting_gets_its_hint_from_either_confection(fields):
    from confection import ConfigValidationError

    from spacy_elmo_w2v.pipeline import _one_line

    config = spacy.util.load_config(ELMO_CONFIG)
    assert _one_line(ConfigValidationError(config=config, **fields), config) == (
        "--components.elmo_vectors.model.head.kindd: unexpected argument: 'kindd' "
        "(did you mean --components.elmo_vectors.model.head.kind?). Fix it in the config or the override."
    )


# -- an interrupted ELMo run -------------------------------------------------


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory) -> Tuple[Path, dict]:
    return interrupted_run(tmp_path_factory.mktemp("interrupted"))


def _copy_run(interrupted, tmp_path: Path) -> Path:
    out, _ = interrupted
    shutil.copytree(out.with_name(out.name + ".partial"), tmp_path / "elmo.partial")
    return tmp_path / "elmo"


def _resume(out: Path, overrides: dict, cwd: Path) -> str:
    """Run pretrain-elmo --resume; assert it fails with one line, and return that line."""
    result = run_cli(*ELMO, out, "--resume", *cli_args(overrides), cwd=cwd)
    output = unwrapped(result.stdout)
    assert result.returncode == 1 and "Traceback" not in result.stderr, output + result.stderr
    return output


RESUME_CASES = [
    ("a different learning rate", lambda d: {"pretrain.lr": 0.5}, r"pretrain\.lr: 0\.01 -> 0\.5"),
    ("a bigger model", lambda d: {"components.elmo_vectors.model.hidden_size": 32}, r"hidden_size: 24 -> 32"),
]


@pytest.mark.parametrize("what,changes,says", RESUME_CASES, ids=[c[0] for c in RESUME_CASES])
def test_resume_refuses_a_different_run_and_says_what_differs(interrupted, tmp_path, what, changes, says):
    out = _copy_run(interrupted, tmp_path)
    output = _resume(out, {**interrupted[1], **changes(tmp_path)}, tmp_path)
    assert "Cannot --resume" in output and re.search(says, output) and "--restart" in output, output


def test_resume_refuses_a_corpus_file_whose_content_changed(tmp_path):
    out, overrides = interrupted_run(tmp_path)
    train = Path(overrides["paths.train"])
    train.write_text(train.read_text() + "one more line .\n")
    output = _resume(out, overrides, tmp_path)
    assert "the files of --paths.train changed" in output and "--restart" in output, output


def test_rerun_without_resume_keeps_the_checkpoint_and_says_how_to_resume(interrupted, tmp_path):
    out = _copy_run(interrupted, tmp_path)
    before = checkpoint_path(out).read_bytes()
    result = run_cli(*ELMO, out, *cli_args(interrupted[1]), cwd=tmp_path)
    output = unwrapped(result.stdout)
    assert result.returncode == 1, output
    assert "Pass --resume to continue it, or --restart" in output
    assert checkpoint_path(out).read_bytes() == before


def test_restart_discards_the_checkpoint_and_trains_from_scratch(interrupted, tmp_path, capsys):
    from spacy_elmo_w2v.elmo.pretrain import pretrain_elmo

    out = _copy_run(interrupted, tmp_path)
    history = pretrain_elmo(ELMO_CONFIG, out, interrupted[1], restart=True)["history"]
    assert [h["epoch"] for h in history] == [1] and "Resuming" not in capsys.readouterr().out
    assert (out / "config.cfg").exists() and not checkpoint_path(out).exists()


# -- output directories and exports -------------------------------------------


def test_overwrite_never_deletes_a_directory_we_did_not_write(tmp_path):
    from spacy_elmo_w2v.output import atomic_output_dir

    notes = _foreign_dir(tmp_path)
    with pytest.raises(UserInputError, match="not written by spacy_elmo_w2v"):
        with atomic_output_dir(notes, overwrite=True):
            pass
    assert (notes / "thesis.txt").read_text() == "years of work"


def test_a_pipeline_saved_before_the_marker_existed_counts_as_ours_unless_it_holds_other_files(tmp_path):
    from spacy_elmo_w2v.output import is_our_output

    spacy.blank("en").to_disk(tmp_path / "old")
    assert is_our_output(tmp_path / "old")
    (tmp_path / "old" / "thesis.txt").write_text("years of work")
    assert not is_our_output(tmp_path / "old")


def test_export_into_a_missing_directory_creates_it(toy_skipgram_dir, tmp_path):
    target = tmp_path / "new" / "dir" / "vectors.txt"
    result = run_cli("export-word2vec", toy_skipgram_dir, target)
    assert result.returncode == 0, result.stdout + result.stderr
    assert target.read_text().splitlines()[0] == "27 16"


# -- the Python API ------------------------------------------------------------


def test_to_word2vec_before_training_is_an_error_not_an_empty_file(tmp_path):
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("skipgram_vectors")
    with pytest.raises(UserInputError, match="not initialized"):
        pipe.to_word2vec(tmp_path / "v.txt")
    assert not (tmp_path / "v.txt").exists()


@pytest.fixture(scope="module")
def skipgram_pipe(toy_skipgram_dir):
    nlp = spacy.load(toy_skipgram_dir)
    return nlp.get_pipe("skipgram_vectors")


def test_most_similar_with_n_above_the_vocabulary_lists_every_other_word_once(skipgram_pipe):
    n_vectors = len(skipgram_pipe.vocab.vectors)
    neighbours = skipgram_pipe.most_similar("cat", n=n_vectors + 10)
    words = [w for w, _ in neighbours]
    assert len(words) == n_vectors - 1 and "cat" not in words and len(set(words)) == len(words)
    assert all(math.isfinite(score) for _, score in neighbours)


@pytest.mark.parametrize("n", [0, -1, 2.5])
def test_most_similar_rejects_n_that_is_not_a_positive_integer(skipgram_pipe, n):
    with pytest.raises(UserInputError, match="n must be a positive integer"):
        skipgram_pipe.most_similar("cat", n=n)


@pytest.fixture(scope="module")
def trained_elmo(interrupted, tmp_path_factory) -> Path:
    """A tiny trained ELMo pipeline (the interrupted run's settings, run to the end)."""
    from spacy_elmo_w2v.elmo.pretrain import pretrain_elmo

    out = tmp_path_factory.mktemp("lm") / "elmo"
    pretrain_elmo(ELMO_CONFIG, out, interrupted[1])
    return out


@pytest.fixture(scope="module")
def lm(trained_elmo):
    from spacy_elmo_w2v.elmo.lm import LanguageModel

    return LanguageModel.from_pipeline(trained_elmo)


LM_CASES = [
    ("next_words k=-1", lambda lm: lm.next_words("the cat", k=-1), r"k must be an integer >= 1, not -1"),
    ("generate temperature=nan", lambda lm: lm.generate("the", temperature=float("nan")), r"temperature must be a finite number > 0"),
    ("generate n_words=1e6", lambda lm: lm.generate("the", n_words=1e6), r"n_words must be an integer >= 0, not 1000000\.0"),
    ("perplexity batch_size=0", lambda lm: lm.perplexity(["the cat"], batch_size=0), r"batch_size must be an integer >= 1"),
]


@pytest.mark.parametrize("what,call,says", LM_CASES, ids=[c[0] for c in LM_CASES])
def test_language_model_rejects_bad_arguments_with_one_line(lm, what, call, says):
    with pytest.raises(UserInputError, match=says):
        call(lm)


def test_perplexity_of_a_bare_string_scores_it_as_one_text(lm):
    assert lm.perplexity("the cat sat on the mat .").to_dict() == lm.perplexity(["the cat sat on the mat ."]).to_dict()


def test_perplexity_reports_the_out_of_vocabulary_rate(lm):
    unknown = lm.perplexity(["zzqx blorf quuxle"], pretokenized=True)
    known = lm.perplexity(["the cat sat on the mat ."], pretokenized=True)
    assert (unknown.n_oov, unknown.n_tokens, unknown.oov_rate) == (3, 3, 1.0)
    assert known.n_oov == 0 and known.oov_rate == 0.0
    assert "OOV 3/3" in str(unknown)


def test_exclude_unk_leaves_unknown_words_out_of_the_score(lm):
    mixed = ["zzqx the cat blorf sat on the mat . quuxle"]
    assert lm.perplexity(mixed, pretokenized=True, exclude_unk=True).mean != lm.perplexity(mixed, pretokenized=True).mean
    with pytest.raises(UserInputError, match="nothing to score"):
        lm.perplexity(["zzqx blorf quuxle"], pretokenized=True, exclude_unk=True)


@pytest.mark.parametrize("name", ["lm_vocab.json", "model"])
def test_a_corrupt_component_file_is_named_when_loading(trained_elmo, tmp_path, name):
    from spacy_elmo_w2v.storage import load_pipeline

    copy = shutil.copytree(trained_elmo, tmp_path / "elmo")
    (copy / "elmo_vectors" / name).write_bytes(b"\x93\x00garbage")
    with pytest.raises(UserInputError, match=rf"elmo_vectors/{name} is corrupt"):
        load_pipeline(copy, "MODEL", "pretrain-elmo")


def test_a_corpus_too_large_for_the_memory_fails_before_reading(tmp_path, monkeypatch):
    from spacy_elmo_w2v import memory
    from spacy_elmo_w2v.corpus import read_corpus

    corpus = _corpus(tmp_path)
    monkeypatch.setattr(memory, "available_memory", lambda: corpus.stat().st_size)
    with pytest.raises(UserInputError, match=r"needs about .* of memory .* only .* is available"):
        read_corpus(corpus)


# -- a pipeline without the component a command needs -------------------------


def test_a_pipeline_without_the_component_says_how_to_add_one_in_code():
    from spacy_elmo_w2v.pipeline import find_pipe

    with pytest.raises(UserInputError, match=r"has no 'skipgram_vectors' component \(it has: none\)\. Add one with nlp\.add_pipe"):
        find_pipe(spacy.blank("en"), "skipgram_vectors")


def test_a_command_given_the_wrong_pipeline_names_the_command_that_writes_the_right_one(toy_skipgram_dir, tmp_path):
    result = run_cli("evaluate-perplexity", toy_skipgram_dir, write_toy_corpus(tmp_path / "t.txt"), cwd=tmp_path)
    output = unwrapped(result.stdout)
    assert result.returncode == 1 and "Traceback" not in result.stderr, output + result.stderr
    assert "has no 'elmo_vectors' component (it has: skipgram_vectors). Give a pipeline written by `python -m spacy_elmo_w2v pretrain-elmo`" in output


def _bilm_settings(**changes: object) -> dict:
    from spacy_elmo_w2v.elmo.architectures import softmax_head, token_encoder

    settings = dict(
        encoder=token_encoder(word_width=8, char_cnn=None), head=softmax_head("full", [], 4.0, False),
        n_layers=2, hidden_size=16, projection_size=8, residual=True, dropout=0.1,
    )
    settings.update(changes)
    return settings


@pytest.mark.parametrize("build,says", [
    (lambda a: a.bilm(**_bilm_settings(n_layers=0)), r"model\.n_layers must be an integer >= 1, not 0"),
    (lambda a: a.bilm(**_bilm_settings(hidden_size=-4)), r"model\.hidden_size must be an integer >= 1, not -4"),
    (lambda a: a.bilm(**_bilm_settings(projection_size=-1)), r"model\.projection_size must be an integer >= 0, not -1"),
    (lambda a: a.bilm(**_bilm_settings(dropout=1.0)), r"model\.dropout must be a number >= 0 and < 1, not 1\.0"),
    (lambda a: a.token_encoder(word_width=-5, char_cnn=None), r"model\.encoder\.word_width must be an integer >= 0, not -5"),
    (lambda a: a.char_cnn(char_width=0, filters=[[1, 4]], n_highway=1, max_chars=10), r"model\.encoder\.char_cnn\.char_width must be an integer >= 1, not 0"),
    (lambda a: a.char_cnn(char_width=4, filters=[[1, 4]], n_highway=1, max_chars=2), r"model\.encoder\.char_cnn\.max_chars must be an integer >= 3, not 2"),
    (lambda a: a.char_cnn(char_width=4, filters=[], n_highway=1, max_chars=10), r"model\.encoder\.char_cnn\.filters must be a non-empty list of \[kernel_width, n_filters\] pairs"),
    (lambda a: a.char_cnn(char_width=4, filters=[[12, 4]], n_highway=1, max_chars=10), r"model\.encoder\.char_cnn\.filters must be .* kernel_width at most max_chars \(10\), not \[\[12, 4\]\]"),
    (lambda a: a.softmax_head("adaptive", [2000, 0], 4.0, False), r"model\.head\.cutoffs must be a list of word ids >= 1"),
    (lambda a: a.softmax_head("adaptive", [2000], 0.0, False), r"model\.head\.div_value must be a number > 0, not 0\.0"),
])
def test_a_biLM_setting_out_of_range_is_one_line_naming_it_before_any_torch(build, says):
    """What torch would say later (a negative dimension, 'hidden_size must be greater than zero', an
    IndexError for n_layers 0) is said when the config is built, naming the setting to change."""
    from spacy_elmo_w2v.elmo import architectures

    with pytest.raises(UserInputError, match=r"--components\.elmo_vectors\." + says):
        build(architectures)


@pytest.mark.parametrize("build,says", [
    (lambda a: a.elmo_listener(256, dropout=1.5), r"dropout of spacy_elmo_w2v\.ElmoListener\.v1 must be a number >= 0 and < 1, not 1\.5\. .*--components\.tok2vec\.model\.embed\.elmo\.dropout"),
    (lambda a: a.elmo_listener(0), r"width of spacy_elmo_w2v\.ElmoListener\.v1 must be an integer >= 1, not 0"),
    (lambda a: a.elmo_listener(256, mix_l2=-0.1), r"mix_l2 of spacy_elmo_w2v\.ElmoListener\.v1 must be a number >= 0, not -0\.1"),
])
def test_a_listener_setting_out_of_range_names_it_and_its_block(build, says):
    """A dropout of 1.5 used to train silently; the listener sits wherever a config puts it."""
    from spacy_elmo_w2v.elmo import architectures

    with pytest.raises(UserInputError, match=says):
        build(architectures)
