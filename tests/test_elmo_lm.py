"""Behaviour of the language-model API and ``evaluate-perplexity``."""
import math

import pytest
import srsly
from typer.testing import CliRunner

from ._elmo_helpers import CONFIG, TOY_TEXTS, tiny_overrides, write_toy_corpus
from .conftest import unwrapped
from spacy_elmo_w2v.cli import app
from spacy_elmo_w2v.elmo.lm import LanguageModel
from spacy_elmo_w2v.elmo.pretrain import pretrain_elmo
from spacy_elmo_w2v.errors import UserInputError


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("lm")
    train = write_toy_corpus(root / "train.txt", 5)
    overrides = {
        "paths.train": str(train),
        "paths.dev": str(train),
        "pretrain.max_epochs": 4,
        "pretrain.batch_size": 4,
        "pretrain.bptt": 8,
        "pretrain.eval_batch_size": 2,
        "pretrain.lr": 0.02,
        "pretrain.progress": False,
        **tiny_overrides(),
    }
    pretrain_elmo(CONFIG, root / "model", overrides)
    return root / "model"


@pytest.fixture(scope="module")
def lm(model_dir):
    return LanguageModel.from_pipeline(model_dir)


def test_perplexity_of_training_text_is_far_below_vocabulary_size(lm):
    ppl = lm.perplexity(TOY_TEXTS, pretokenized=True)
    assert math.isfinite(ppl.mean)
    assert ppl.fwd < len(lm.vocab) / 2 and ppl.bwd < len(lm.vocab) / 2
    assert ppl.mean == pytest.approx((ppl.fwd + ppl.bwd) / 2)


def test_perplexity_of_shuffled_words_is_higher_than_of_real_text(lm):
    real = lm.perplexity(TOY_TEXTS[:6], pretokenized=True).mean
    shuffled = lm.perplexity([" ".join(reversed(t.split())) for t in TOY_TEXTS[:6]], pretokenized=True).fwd
    assert shuffled > real


def test_the_progress_bar_counts_every_batch_and_changes_no_score(lm, tmp_path, capsys):
    from spacy_elmo_w2v.corpus import read_corpus
    from spacy_elmo_w2v.elmo.batching import n_stream_batches
    from spacy_elmo_w2v.elmo.lm_data import stream_ids

    corpus = read_corpus(write_toy_corpus(tmp_path / "t.txt", 3))
    quiet = lm.corpus_perplexity(corpus, batch_size=2, bptt=5)
    assert "perplexity" not in capsys.readouterr().err
    shown = lm.corpus_perplexity(corpus, batch_size=2, bptt=5, progress=True)
    assert shown == quiet
    n = n_stream_batches(len(stream_ids(corpus, lm.vocab, lm.normalizer)), 2, 5)
    assert n > 1 and f"{n}/{n}" in capsys.readouterr().err


def test_next_words_returns_k_words_most_probable_first(lm):
    top = lm.next_words("the cat sat on the", k=3)
    assert len(top) == 3
    probs = [p for _, p in top]
    assert probs == sorted(probs, reverse=True)
    assert all(w in lm.vocab for w, _ in top)


def test_next_words_after_a_learned_prefix_predicts_the_learned_word(lm):
    assert lm.next_words("the stock market fell", k=1)[0][0] == "sharply"


def test_generation_with_the_same_seed_repeats(lm):
    assert lm.generate("the", n_words=15, temperature=1.0, seed=7) == lm.generate("the", n_words=15, temperature=1.0, seed=7)


def test_generation_with_other_seeds_varies(lm):
    texts = {lm.generate("the", n_words=15, temperature=2.0, seed=s, stop_at_eos=False) for s in range(5)}
    assert len(texts) > 1


def test_generation_rejects_non_positive_temperature(lm):
    with pytest.raises(UserInputError, match="temperature"):
        lm.generate("the", temperature=0)


def test_evaluate_perplexity_cli_prints_and_writes_json(model_dir, tmp_path):
    data = write_toy_corpus(tmp_path / "test.txt")
    out = tmp_path / "metrics.json"
    result = CliRunner().invoke(app, ["evaluate-perplexity", str(model_dir), str(data), "--output", str(out)])
    assert result.exit_code == 0, result.output
    metrics = srsly.read_json(out)
    assert set(metrics) >= {"ppl_fwd", "ppl_bwd", "ppl_mean"}
    assert f"{metrics['ppl_mean']:.2f}" in result.output


def test_evaluate_perplexity_output_that_cannot_be_written_is_a_one_line_error(model_dir, tmp_path):
    data = write_toy_corpus(tmp_path / "test.txt")
    result = CliRunner().invoke(app, ["evaluate-perplexity", str(model_dir), str(data), "--output", str(tmp_path), "--no-progress"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output  # not a traceback
    assert f"Cannot write {tmp_path} (Is a directory): choose a writable file path" in unwrapped(result.output)


def test_evaluate_perplexity_of_missing_model_is_a_clear_error(tmp_path):
    data = write_toy_corpus(tmp_path / "test.txt")
    result = CliRunner().invoke(app, ["evaluate-perplexity", str(tmp_path / "nomodel"), str(data)])
    assert result.exit_code == 1
    assert "pretrain-elmo" in unwrapped(result.output)


def test_evaluate_perplexity_cli_exclude_unk_scores_only_known_words(model_dir, tmp_path):
    data = tmp_path / "mixed.txt"
    data.write_text("the stock market fell sharply\nzzqx blorf the market\n", encoding="utf8")
    scores = {}
    for flag in ([], ["--exclude-unk"]):
        out = tmp_path / f"metrics{len(flag)}.json"
        result = CliRunner().invoke(app, ["evaluate-perplexity", str(model_dir), str(data), "--output", str(out), *flag])
        assert result.exit_code == 0, result.output
        scores[bool(flag)] = srsly.read_json(out)
    assert scores[True]["exclude_unk"] and not scores[False]["exclude_unk"]
    assert scores[True]["ppl_mean"] != scores[False]["ppl_mean"]
    assert "left out of the score" in unwrapped(result.output)


def test_exclude_unk_changes_nothing_where_every_word_is_known_and_leaves_out_exactly_the_unknown(lm):
    known = TOY_TEXTS[:4]
    assert lm.perplexity(known, pretokenized=True, exclude_unk=True) == lm.perplexity(known, pretokenized=True)
    # two unknown words, each a target once in each direction: the scores stay finite and change
    mixed = [known[0] + " zzqx", "blorf " + known[1]]
    assert lm.perplexity(mixed, pretokenized=True, exclude_unk=True) != lm.perplexity(mixed, pretokenized=True)


def test_evaluate_perplexity_tokenizes_a_jsonl_file_in_the_pipelines_language(tmp_path):
    import spacy

    from ._elmo_helpers import tiny_nlp

    text = "we're gonna win, aren't we?"
    tiny_nlp(spacy.blank("de")).to_disk(tmp_path / "de")
    data = tmp_path / "test.jsonl"
    srsly.write_jsonl(data, [{"text": text}])
    out = tmp_path / "metrics.json"
    result = CliRunner().invoke(app, ["evaluate-perplexity", str(tmp_path / "de"), str(data), "--output", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    german = len(spacy.blank("de").make_doc(text))
    assert german != len(spacy.blank("en").make_doc(text))  # English splits "we're" and "gonna"
    assert srsly.read_json(out)["n_tokens"] == german


def test_evaluate_perplexity_help_states_the_layout_the_api_uses():
    import inspect

    from spacy_elmo_w2v.cli.evaluate_perplexity import evaluate_perplexity_cli
    from spacy_elmo_w2v.elmo.lm_data import EVAL_BPTT, EVAL_ROWS

    options = inspect.signature(evaluate_perplexity_cli).parameters
    assert f"(default {EVAL_ROWS})" in options["batch_size"].default.help
    assert f"(default {EVAL_BPTT})" in options["bptt"].default.help
    assert inspect.signature(LanguageModel.corpus_perplexity).parameters["batch_size"].default == EVAL_ROWS
