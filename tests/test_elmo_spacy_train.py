"""`python -m spacy train` with the shipped ELMo-feature configs, on a tiny biLM and a tiny DocBin."""
import os
import subprocess
import sys

import pytest
import spacy
from spacy.tokens import DocBin

from ._elmo_helpers import TOY_TEXTS, tiny_nlp, toy_tag
from .conftest import CONFIGS
from spacy_elmo_w2v.errors import UserInputError

TINY = {"components.tok2vec.model.embed.elmo.width": 24, "training.max_steps": 4, "training.eval_frequency": 2}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A tiny biLM pipeline (as pretrain-elmo writes it: doc.tensor on) and tagged (TAG and POS), NER and textcat DocBins."""
    root = tmp_path_factory.mktemp("train")
    elmo = tiny_nlp(output="average")
    elmo.to_disk(root / "elmo")
    nlp = spacy.blank("en")
    docs = []
    for i, text in enumerate(TOY_TEXTS):
        doc = nlp.make_doc(text)
        for token in doc:
            token.tag_ = toy_tag(token.text)
            token.pos_ = {"DET": "DET", "PUNCT": "PUNCT", "LONG": "NOUN"}.get(token.tag_, "VERB")
        doc.ents = [doc.char_span(0, len(doc[1].text) + len(doc[0].text) + 1, label="X")]
        doc.cats = {"A": float(i % 2), "B": float(1 - i % 2)}
        docs.append(doc)
    DocBin(docs=docs, store_user_data=True).to_disk(root / "train.spacy")
    DocBin(docs=docs[:6], store_user_data=True).to_disk(root / "dev.spacy")
    return root


def paths(data):
    return {"paths.train": str(data / "train.spacy"), "paths.dev": str(data / "dev.spacy"), "paths.elmo": str(data / "elmo")}


def test_spacy_train_runs_the_tagger_elmo_config_and_saves_a_working_pipeline(data, tmp_path):
    args = [f"--{k}={v}" for k, v in {**paths(data), **TINY}.items()]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "train", str(CONFIGS / "tagger_elmo.cfg"), "--output", str(tmp_path / "out"), *args],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    nlp = spacy.load(tmp_path / "out" / "model-last")
    assert nlp.pipe_names[:3] == ["elmo_vectors", "tok2vec", "tagger"]
    doc = nlp("the cat sat on the mat .")
    assert all(t.tag_ in {"DET", "PUNCT", "LONG", "SHORT"} for t in doc)
    assert nlp.get_pipe("elmo_vectors").listening_components == ["tok2vec"]
    listener = next(n for n in nlp.get_pipe("tok2vec").model.walk() if n.name == "elmo_listener")
    assert listener.attrs["bilm_id"] == nlp.get_pipe("elmo_vectors").bilm_id == spacy.load(data / "elmo").get_pipe("elmo_vectors").bilm_id


@pytest.mark.parametrize("config,component", [("ner_elmo.cfg", "ner"), ("textcat_elmo.cfg", "textcat")])
def test_ner_and_textcat_example_configs_train(data, tmp_path, config, component):
    from spacy.cli.train import train

    overrides = {**paths(data), **TINY}
    if component == "textcat":
        overrides = {**paths(data), "components.textcat.model.tok2vec.width": 24, "training.max_steps": 4, "training.eval_frequency": 2}
    train(CONFIGS / config, tmp_path / "out", overrides=overrides)
    nlp = spacy.load(tmp_path / "out" / "model-last")
    assert nlp.get_pipe("elmo_vectors").listening_components == [component if component == "textcat" else "tok2vec"]
    nlp("the cat sat on the mat .")


@pytest.mark.parametrize("overrides,fix", [
    ({"training.annotating_components": []}, "annotating_components"),
    ({"nlp.disabled": ["elmo_vectors"]}, "not in \\[nlp\\] disabled"),
    ({"components.tok2vec.model.embed.elmo.width": 10}, "Set width = 24"),
])
def test_spacy_train_misconfiguration_is_one_clear_error(data, tmp_path, overrides, fix):
    from spacy.cli.train import train

    with pytest.raises(UserInputError, match=fix):
        train(CONFIGS / "tagger_elmo.cfg", tmp_path / "out", overrides={**paths(data), **TINY, **overrides})
