"""scripts/assemble_pipeline.py: the packaged pipeline keeps contextual doc.tensor and doc[i].vector,
and its meta names the corpus the run actually read."""
import hashlib

import numpy as np
import spacy
import srsly

from ._elmo_helpers import tiny_nlp
from ._project_helpers import import_script

assemble = import_script("assemble_pipeline")


def project_with_asset(tmp_path, text: str):
    (tmp_path / "assets").mkdir()
    asset = tmp_path / "assets" / "ptb.train.txt"
    asset.write_text(text, encoding="utf8")
    md5 = hashlib.md5(text.encode("utf8")).hexdigest()
    srsly.write_yaml(tmp_path / "project.yml", {
        "title": "t",
        "assets": [{"dest": "assets/ptb.train.txt", "url": "https://example.org/ptb.train.txt",
                    "checksum": md5, "description": "Penn Treebank training split"}],
    })
    return asset


def test_a_project_asset_with_its_checksum_is_named_by_its_description_and_url(tmp_path):
    asset = project_with_asset(tmp_path, "the cat sat\n")
    assert assemble.corpus_sources([asset], tmp_path) == [
        {"name": "Penn Treebank training split", "url": "https://example.org/ptb.train.txt"}
    ]


def test_another_file_is_named_by_its_path_and_md5_and_the_meta_does_not_say_penn_treebank(tmp_path):
    asset = project_with_asset(tmp_path, "the cat sat\n")
    mine = tmp_path / "my.train.txt"
    mine.write_text("a dog ran\n", encoding="utf8")
    changed = tmp_path / "assets" / "ptb.train.txt"
    changed.write_text("not the asset\n", encoding="utf8")
    sources = assemble.corpus_sources([mine, asset], tmp_path)
    assert sources == [
        {"name": str(mine), "md5": hashlib.md5(b"a dog ran\n").hexdigest()},
        {"name": str(asset), "md5": hashlib.md5(b"not the asset\n").hexdigest()},
    ]
    meta = assemble.package_meta(spacy.blank("en"), "mine", "1.0.0", sources, False, None)
    assert "Penn Treebank" not in meta["description"] and str(mine) in meta["description"]
    assert meta["sources"] == sources and (meta["name"], meta["version"]) == ("mine", "1.0.0")


def test_a_smoke_run_says_it_read_a_slice(tmp_path):
    asset = project_with_asset(tmp_path, "the cat sat\n")
    sources = assemble.corpus_sources([asset], tmp_path)
    meta = assemble.package_meta(spacy.blank("en"), "x", "0.1.0", sources, True, {"ppl": 1.0})
    assert "smoke-run slice" in meta["description"] and "Penn Treebank training split" in meta["description"]
    assert meta["performance"] == {"ppl": 1.0}


def test_assembled_pipeline_writes_doc_tensor_even_from_a_layers_only_biLM(toy_skipgram_dir, tmp_path):
    elmo = tiny_nlp(output=None)  # stores layers only, leaves doc.tensor alone
    elmo.to_disk(tmp_path / "elmo")
    nlp = assemble.assemble(toy_skipgram_dir, tmp_path / "elmo")
    assert nlp.pipe_names == ["skipgram_vectors", "elmo_vectors"]
    pipe = nlp.get_pipe("elmo_vectors")
    assert pipe.cfg["output"] == "average" and nlp.config["components"]["elmo_vectors"]["output"] == "average"
    assert pipe.bilm_id == elmo.get_pipe("elmo_vectors").bilm_id
    doc = nlp("the cat eats grass")
    assert doc.tensor.shape == (4, 24) and np.array_equal(doc[1].vector, doc.tensor[1])
    assert np.allclose(doc.tensor, elmo("the cat eats grass")._.elmo_layers.mean(axis=0), atol=1e-6)
