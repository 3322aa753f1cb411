"""The downstream workflow's scripts: EWT slices, variant overrides, the results table, one tagger run."""
import json
import os
import subprocess
import sys

import pytest
import spacy
from spacy.cli.convert import convert

from ._project_helpers import ROOT, SCRIPTS, import_script
from .conftest import shared_file

slice_conllu = import_script("slice_conllu")
downstream_table = import_script("downstream_table")
downstream_variants = import_script("downstream_variants")
presets = import_script("presets")


def conllu_sentence(i: int) -> str:
    return f"# sent_id = s{i}\n# text = word{i} .\n1\tword{i}\tword\tNOUN\tNN\t_\t0\troot\t_\t_\n2\t.\t.\tPUNCT\t.\t_\t1\tpunct\t_\t_\n\n"


@pytest.fixture
def treebank(tmp_path):
    paths = []
    for split in slice_conllu.SPLITS:
        path = tmp_path / f"{split}.conllu"
        path.write_text("".join(conllu_sentence(i) for i in range(500)), encoding="utf8")
        paths.append(path)
    return paths


def test_full_mode_keeps_every_sentence(treebank, tmp_path):
    assert slice_conllu.main([*map(str, treebank), str(tmp_path / "out"), "--smoke", "false"]) == 0
    for split, path in zip(slice_conllu.SPLITS, treebank):
        assert (tmp_path / "out" / f"{split}.conllu").read_text(encoding="utf8") == path.read_text(encoding="utf8")


def test_smoke_mode_keeps_the_first_sentences(treebank, tmp_path):
    assert slice_conllu.main([*map(str, treebank), str(tmp_path / "out"), "--smoke", "true"]) == 0
    for split in slice_conllu.SPLITS:
        text = (tmp_path / "out" / f"{split}.conllu").read_text(encoding="utf8")
        assert text == "".join(conllu_sentence(i) for i in range(presets.SMOKE_SENTENCES[split]))


def test_a_file_without_sentences_stops_with_a_message(treebank, tmp_path):
    treebank[1].write_text("\n\n", encoding="utf8")
    with pytest.raises(SystemExit, match="no CoNLL-U sentence"):
        slice_conllu.main([*map(str, treebank), str(tmp_path / "out")])
    assert not (tmp_path / "out" / "dev.conllu").exists()
    assert sorted(f.name for f in (tmp_path / "out").iterdir()) == ["train.conllu"]  # nothing half-written left


SMALL_ELMO = ROOT / "tests" / "data" / "elmo_v0_1"  # a saved elmo_vectors pipeline whose biLM layers are 24 wide


def test_only_the_variants_with_pretraining_get_its_overrides():
    overrides = {
        name: downstream_variants.feature_overrides(variant, "SG", SMALL_ELMO)
        for name, variant in downstream_variants.VARIANTS.items()
    }
    assert overrides["baseline"] == []
    assert overrides["static"] == ["--paths.vectors", "SG", "--components.tok2vec.model.embed.include_static_vectors", "true"]
    assert overrides["elmo"] == ["--paths.elmo", str(SMALL_ELMO), "--components.tok2vec.model.embed.elmo.width", "24"]
    assert set(overrides["both"]) == set(overrides["static"]) | set(overrides["elmo"])


def test_the_listener_width_is_read_from_the_elmo_pipeline():
    assert downstream_variants.elmo_width(SMALL_ELMO) == 24


def test_error_reduction_is_relative_to_the_baseline_error():
    assert downstream_table.error_reduction(0.90, 0.91) == pytest.approx(0.10)
    assert downstream_table.error_reduction(0.90, 0.88) == pytest.approx(-0.20)
    assert downstream_table.error_reduction(1.0, 1.0) is None


def write_result(path, variant, seeds, accs, seconds):
    runs = [
        {"seed": s, "train_seconds": t, "tag_acc": a, "pos_acc": a, "morph_acc": a, "words_per_second": 1000.0}
        for s, a, t in zip(seeds, accs, seconds)
    ]
    path.write_text(json.dumps({"variant": variant, "description": variant, "runs": runs}), encoding="utf8")


def test_table_gives_mean_spread_error_reduction_and_time_ratio(tmp_path):
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    write_result(metrics / "baseline.json", "baseline", [0, 1, 2], [0.89, 0.90, 0.91], [10, 10, 10])
    write_result(metrics / "elmo.json", "elmo", [0, 1, 2], [0.90, 0.91, 0.92], [25, 25, 25])
    out, md = tmp_path / "table.json", tmp_path / "table.md"
    assert downstream_table.main([str(metrics), "--output", str(out), "--markdown", str(md)]) == 0
    table = json.loads(out.read_text(encoding="utf8"))
    assert list(table) == ["baseline", "elmo"]
    assert table["elmo"]["tag_acc"]["mean"] == pytest.approx(0.91)
    assert table["elmo"]["tag_acc"]["std"] == pytest.approx(0.01)
    assert table["elmo"]["tag_acc_error_reduction"] == pytest.approx(0.10)
    assert table["elmo"]["train_time_ratio"] == pytest.approx(2.5)
    assert "| elmo (elmo) | 3 | 91.00 ± 1.00 |" in md.read_text(encoding="utf8")


def test_runs_of_one_variant_in_several_files_are_merged_by_seed(tmp_path):
    for seed in (2, 0):
        write_result(tmp_path / f"static.seed-{seed}.json", "static", [seed], [0.9], [5])
    results = downstream_table.read_results(tmp_path)
    assert [run["seed"] for run in results["static"]["runs"]] == [0, 2]


def test_no_results_stops_with_a_message(tmp_path):
    with pytest.raises(SystemExit, match="no results"):
        downstream_table.main([str(tmp_path), "--output", str(tmp_path / "t.json"), "--markdown", str(tmp_path / "t.md")])


def test_static_variant_trains_on_our_vectors_and_reports_test_scores(tmp_path, toy_skipgram_dir):
    """scripts/train_tagger.py in smoke mode: spacy train with the skip-gram pipeline as static vectors."""
    corpus = tmp_path / "corpus"
    ewt = [shared_file("ud_english_ewt", f"en_ewt-ud-{split}.conllu") for split in slice_conllu.SPLITS]
    assert slice_conllu.main([*map(str, ewt), str(corpus), "--smoke", "true"]) == 0
    for split in slice_conllu.SPLITS:  # what `spacy convert -c conllu -n 10` does, in this process
        convert(corpus / f"{split}.conllu", corpus, converter="conllu", n_sents=10, file_type="spacy", silent=True)
    metrics = tmp_path / "static.json"
    result = subprocess.run(
        [
            sys.executable, str(SCRIPTS / "train_tagger.py"), "static", "--corpus", str(corpus),
            "--output", str(tmp_path / "taggers"), "--metrics", str(metrics), "--skipgram", str(toy_skipgram_dir),
            "--seeds", "3,4", "--smoke", "true",
        ],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (run,) = json.loads(metrics.read_text(encoding="utf8"))["runs"]  # smoke: the first seed only
    assert run["seed"] == 3 and 0 < run["tag_acc"] <= 1 and 0 < run["pos_acc"] <= 1 and run["train_seconds"] > 0
    tagger = spacy.load(tmp_path / "taggers" / "static" / "seed-3" / "model-best")
    assert tagger.config["components"]["tok2vec"]["model"]["embed"]["include_static_vectors"] is True
    assert tagger.vocab.vectors.shape == spacy.load(toy_skipgram_dir).vocab.vectors.shape
    assert tagger.make_doc("Cat")[0].has_vector  # our vectors, found through spaCy's own lookup


@pytest.mark.parametrize("variant,option", [("static", "--skipgram"), ("elmo", "--elmo"), ("both", "--skipgram")])
def test_a_variant_without_the_pipeline_it_needs_is_refused_naming_the_option(variant, option, tmp_path, capsys):
    train_tagger = import_script("train_tagger")
    given = {"static": [], "elmo": [], "both": ["--elmo", str(tmp_path / "elmo")]}[variant]
    with pytest.raises(SystemExit) as stopped:
        train_tagger.main([variant, "--corpus", str(tmp_path), "--output", str(tmp_path / "out"),
                           "--metrics", str(tmp_path / "m.json"), "--seeds", "0", *given])
    assert stopped.value.code == 2 and f"needs {option} PIPELINE" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "SPACY_ELMO_W2V_THREADS")


@pytest.mark.parametrize(
    "user,expected",
    [
        ({}, {"GOMP_SPINCOUNT": "10000"}),  # and OMP_NUM_THREADS: the free cores
        ({"OMP_NUM_THREADS": "3", "OMP_WAIT_POLICY": "PASSIVE"}, {"OMP_NUM_THREADS": "3", "OMP_WAIT_POLICY": "PASSIVE"}),
        ({"SPACY_ELMO_W2V_THREADS": "0"}, {"SPACY_ELMO_W2V_THREADS": "0"}),
    ],
)
def test_spacy_runs_get_our_thread_defaults_unless_the_user_set_them(user, expected, monkeypatch):
    """With torch's defaults one busy process made `spacy train` of the ELMo tagger 2-7x slower:
    the workflow's `spacy train` and `spacy evaluate` start with the command line's thread defaults."""
    train_tagger = import_script("train_tagger")
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in user.items():
        monkeypatch.setenv(name, value)
    seen = []

    def fake_run(argv, **kwargs):
        seen.append(kwargs.get("env"))
        return subprocess.CompletedProcess(argv, 0)

    monkeypatch.setattr(train_tagger.subprocess, "run", fake_run)
    train_tagger.run([sys.executable, "-m", "spacy", "train", "config.cfg"])
    (env,) = seen
    assert env is not None and env["PATH"] == os.environ["PATH"]
    given = {name: env[name] for name in THREAD_VARIABLES if name in env}
    if not user:
        assert int(given.pop("OMP_NUM_THREADS")) >= 1
    assert given == expected
    assert {name: os.environ.get(name) for name in THREAD_VARIABLES} == {n: user.get(n) for n in THREAD_VARIABLES}
