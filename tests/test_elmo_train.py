"""Behaviour of ``pretrain-elmo``: a loadable pipeline, reproducibility, resume, vectors, clear errors."""

from pathlib import Path

import numpy as np
import pytest
import spacy
import srsly
from typer.testing import CliRunner

from ._elmo_helpers import CONFIG, SHARED_DATA, cli_args, tiny_training, write_toy_corpus
from .conftest import unwrapped
from spacy_elmo_w2v.cli import app
from spacy_elmo_w2v.elmo.pretrain import pretrain_elmo
from spacy_elmo_w2v.output import staging_dir

TEXT = "the cat sat on the mat ."


class CliResult:
    """Exit code and output of a CLI run, with the output's line wrapping undone."""

    def __init__(self, *args) -> None:
        result = CliRunner().invoke(app, [str(a) for a in args])
        self.exit_code = result.exit_code
        self.output = unwrapped(result.output)


def run_cli(*args) -> CliResult:
    return CliResult(*args)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    return write_toy_corpus(root / "train.txt", 3), write_toy_corpus(root / "dev.txt")


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "elmo"
    result = run_cli("pretrain-elmo", CONFIG, out, *cli_args(tiny_training(*corpus)))
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("flag,expected", [("--no-progress", False), ("--progress", True), (None, "absent")])
def test_progress_flag_sets_the_configs_progress_setting(flag, expected, monkeypatch, tmp_path):
    import spacy_elmo_w2v.elmo.pretrain as elmo_pretrain

    seen = {}
    monkeypatch.setattr(elmo_pretrain, "pretrain_elmo", lambda config, out, overrides, **kw: seen.update(overrides))
    result = run_cli("pretrain-elmo", CONFIG, tmp_path / "out", "--pretrain.max_epochs", "2", *([flag] if flag else []))
    assert result.exit_code == 0, result.output
    assert seen.get("pretrain.progress", "absent") == expected
    assert seen["pretrain.max_epochs"] == 2


def test_pretrain_writes_a_pipeline_that_spacy_loads(trained):
    nlp = spacy.load(trained)
    assert nlp.pipe_names == ["elmo_vectors"]
    doc = nlp(TEXT)
    assert doc.tensor.shape == (len(doc), 24)


def test_pretrain_output_holds_no_checkpoint_and_no_partial_dir(trained):
    assert not (trained / "checkpoint").exists()
    assert not trained.with_name(trained.name + ".partial").exists()


def test_pretrain_leaves_no_staged_ids_beside_the_output(trained):
    assert [p.name for p in trained.parent.iterdir()] == [trained.name]


def test_dev_perplexity_is_recorded_per_epoch_and_falls(trained):
    meta = srsly.read_json(trained / "meta.json")
    history = meta["elmo"]["history"]
    assert [h["epoch"] for h in history] == [1, 2]
    assert history[1]["ppl_mean"] < history[0]["ppl_mean"]
    assert meta["performance"]["dev_ppl_mean"] == pytest.approx(min(h["ppl_mean"] for h in history))


def test_the_saved_model_is_the_best_epoch_even_when_that_is_not_the_last(corpus, tmp_path, monkeypatch):
    import spacy_elmo_w2v.elmo.pretrain as pretrain_module
    from spacy_elmo_w2v.elmo.objective import Perplexity

    scripted = iter([50.0, 40.0, 90.0])  # epoch 2 is best; epoch 3 is last and worse
    weights = []

    def scripted_evaluation(bilm, *args, **kwargs):
        weights.append({k: v.detach().clone() for k, v in bilm.state_dict().items()})
        ppl = next(scripted)
        return Perplexity(ppl, ppl)

    monkeypatch.setattr(pretrain_module, "evaluate_stream", scripted_evaluation)
    metrics = pretrain_elmo(CONFIG, tmp_path / "out", tiny_training(*corpus, epochs=3))
    assert metrics["dev_ppl_mean"] == 40.0
    saved = spacy.load(tmp_path / "out").get_pipe("elmo_vectors").bilm.state_dict()
    assert all(np.array_equal(saved[k].numpy(), v.numpy()) for k, v in weights[1].items())
    assert not all(np.array_equal(saved[k].numpy(), v.numpy()) for k, v in weights[2].items())


def test_same_seed_gives_the_same_model(corpus, trained, tmp_path):
    again = tmp_path / "again"
    pretrain_elmo(CONFIG, again, tiny_training(*corpus))
    assert np.array_equal(spacy.load(again)(TEXT).tensor, spacy.load(trained)(TEXT).tensor)


def test_resume_continues_from_the_last_checkpoint(corpus, tmp_path, monkeypatch):
    out = tmp_path / "interrupted"

    def crash(self, *args, **kwargs):
        raise KeyboardInterrupt("simulated interruption")

    with monkeypatch.context() as patch:
        patch.setattr(spacy.language.Language, "to_disk", crash)
        with pytest.raises(KeyboardInterrupt):
            pretrain_elmo(CONFIG, out, tiny_training(*corpus, epochs=2))
    checkpoint = out.with_name(out.name + ".partial") / "checkpoint" / "elmo.pt"
    assert checkpoint.exists()
    import spacy_elmo_w2v.elmo.pretrain as pretrain_module

    staged = []  # output dirs a staging directory was made for: the resumed run reads no text to stage

    def recording_staging_dir(output_dir):
        staged.append(Path(output_dir).name)
        return staging_dir(output_dir)

    monkeypatch.setattr(pretrain_module, "staging_dir", recording_staging_dir)
    metrics = pretrain_elmo(CONFIG, out, tiny_training(*corpus, epochs=3), resume=True)
    history = metrics["history"]
    assert [h["epoch"] for h in history] == [1, 2, 3]
    uninterrupted = pretrain_elmo(CONFIG, tmp_path / "straight", tiny_training(*corpus, epochs=3))["history"]
    assert staged == ["straight"]
    assert [h["ppl_mean"] for h in history] == pytest.approx([h["ppl_mean"] for h in uninterrupted], rel=1e-4)


def test_word_embeddings_start_from_skipgram_vectors(corpus, tmp_path):
    from spacy_elmo_w2v.elmo.bilm import build_bilm
    from spacy_elmo_w2v.elmo.spec import BiLMSpec, EncoderSpec, HeadSpec
    from spacy_elmo_w2v.elmo.vectors_init import init_word_embeddings, load_static_vectors, spec_for_vectors
    from spacy_elmo_w2v.vocab import Vocabulary

    vectors_nlp = spacy.blank("en")
    vectors_nlp.vocab.set_vector("cat", np.arange(6, dtype=np.float32))
    vectors_nlp.vocab.set_vector("mat", -np.arange(6, dtype=np.float32))
    vectors_nlp.to_disk(tmp_path / "sg")
    static = load_static_vectors(tmp_path / "sg")
    vocab = Vocabulary(["<unk>", "<eos>", "cat", "dog", "mat"], [0, 0, 3, 2, 1])
    spec = spec_for_vectors(BiLMSpec(EncoderSpec(4, None), HeadSpec("full", [], 1.0, False), 1, 8, 4, True, 0.0), static)
    bilm = build_bilm(spec, vocab.words)
    assert init_word_embeddings(bilm, vocab, static) == 2
    assert np.array_equal(bilm.encoder.word_embed.weight[2].detach().numpy(), np.arange(6, dtype=np.float32))
    assert np.array_equal(bilm.encoder.word_embed.weight[4].detach().numpy(), -np.arange(6, dtype=np.float32))


def test_pretrain_with_vectors_path_uses_their_width(corpus, tmp_path):
    vectors_nlp = spacy.blank("en")
    vectors_nlp.vocab.set_vector("cat", np.ones(6, dtype=np.float32))
    vectors_nlp.to_disk(tmp_path / "sg")
    overrides = {**tiny_training(*corpus, epochs=1), "paths.vectors": str(tmp_path / "sg")}
    pretrain_elmo(CONFIG, tmp_path / "out", overrides)
    assert srsly.read_json(tmp_path / "out" / "elmo_vectors" / "spec.json")["encoder"]["word_width"] == 6


PTB = SHARED_DATA / "ptb"


@pytest.mark.skipif(not (PTB / "ptb.train.txt").exists(), reason=f"PTB not found at {PTB} (the shared/ data folder beside the repo)")
def test_ptb_stream_has_the_standard_10k_vocabulary_and_one_eos_per_line():
    from spacy_elmo_w2v.corpus import build_vocab, read_corpus
    from spacy_elmo_w2v.elmo.lm_data import EOS, stream_ids
    from spacy_elmo_w2v.normalize import PTBNormalizer

    normalizer = PTBNormalizer()
    train = read_corpus(PTB / "ptb.train.txt")
    vocab = build_vocab(train, normalizer, 1, specials=(EOS,))
    assert len(vocab) == 10000
    ids = stream_ids(train, vocab, normalizer)
    assert len(ids) == 929589
    assert int((ids == vocab.index[EOS]).sum()) == train.n_sentences


def test_pretrained_component_can_be_sourced_into_another_pipeline(trained):
    source = spacy.load(trained)
    nlp = spacy.blank("en")
    nlp.add_pipe("elmo_vectors", source=source)
    assert np.array_equal(nlp("the zebra sat on a mat .").tensor, source("the zebra sat on a mat .").tensor)
