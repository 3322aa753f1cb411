"""scripts/collect_metrics.py: one metrics JSON from the evaluation outputs and training logs."""
import pytest
import srsly

from ._project_helpers import import_script
from .conftest import unwrapped

collect_metrics = import_script("collect_metrics")


def test_metrics_json_holds_similarity_perplexity_and_training(tmp_path):
    srsly.write_json(tmp_path / "sim.json", {"spearman": 0.3, "covered": 2, "total": 4, "coverage": 0.5, "neighbours": {}})
    srsly.write_json(tmp_path / "ppl.json", {"ppl_fwd": 120.0, "ppl_bwd": 130.0, "ppl_mean": 125.0})
    skipgram, elmo = tmp_path / "skipgram", tmp_path / "elmo"
    skipgram.mkdir()
    elmo.mkdir()
    srsly.write_json(skipgram / "training_log.json", {"epoch_losses": [0.6]})
    srsly.write_json(elmo / "meta.json", {"performance": {"dev_ppl_mean": 140.5}, "elmo": {"history": [{"epoch": 1}]}})
    out = tmp_path / "metrics" / "metrics.json"
    argv = [str(out), "--similarity", str(tmp_path / "sim.json"), "--perplexity", str(tmp_path / "ppl.json")]
    assert collect_metrics.main(argv + ["--skipgram", str(skipgram), "--elmo", str(elmo)]) == 0
    metrics = srsly.read_json(out)
    assert metrics["word_similarity"] == pytest.approx({"spearman": 0.3, "covered": 2, "total": 4, "coverage": 0.5})
    assert metrics["perplexity"]["ppl_mean"] == 125.0
    assert metrics["training"]["skipgram"]["epoch_losses"] == pytest.approx([0.6])
    assert metrics["training"]["elmo"] == {"dev": {"dev_ppl_mean": 140.5}, "history": [{"epoch": 1}]}


def test_training_logs_are_optional(tmp_path):
    srsly.write_json(tmp_path / "sim.json", {"spearman": 0.1, "covered": 1, "total": 1, "coverage": 1.0})
    srsly.write_json(tmp_path / "ppl.json", {"ppl_mean": 10.0})
    metrics = collect_metrics.collect(tmp_path / "sim.json", tmp_path / "ppl.json", None, None)
    assert metrics["training"] == {}


def test_a_similarity_without_a_rho_is_carried_as_null(tmp_path, capsys):
    srsly.write_json(tmp_path / "sim.json", {"spearman": None, "covered": 0, "total": 353, "coverage": 0.0})
    srsly.write_json(tmp_path / "ppl.json", {"ppl_mean": 10.0})
    out = tmp_path / "metrics.json"
    assert collect_metrics.main([str(out), "--similarity", str(tmp_path / "sim.json"), "--perplexity", str(tmp_path / "ppl.json")]) == 0
    assert srsly.read_json(out)["word_similarity"]["spearman"] is None
    # wasabi wraps its messages at the terminal's width: compare the words, not the line breaks
    assert "word similarity rho n/a" in unwrapped(capsys.readouterr().out)
