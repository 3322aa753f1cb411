"""scripts/assemble_pipeline.py: the packaged pipeline keeps contextual doc.tensor and doc[i].vector."""
import importlib.util

import numpy as np

from ._elmo_helpers import tiny_nlp
from .conftest import ROOT


def load_script():
    spec = importlib.util.spec_from_file_location("assemble_pipeline", ROOT / "scripts" / "assemble_pipeline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_assembled_pipeline_writes_doc_tensor_even_from_a_layers_only_biLM(toy_skipgram_dir, tmp_path):
    elmo = tiny_nlp(output=None)  # stores layers only, leaves doc.tensor alone
    elmo.to_disk(tmp_path / "elmo")
    nlp = load_script().assemble(toy_skipgram_dir, tmp_path / "elmo")
    assert nlp.pipe_names == ["skipgram_vectors", "elmo_vectors"]
    pipe = nlp.get_pipe("elmo_vectors")
    assert pipe.cfg["output"] == "average" and nlp.config["components"]["elmo_vectors"]["output"] == "average"
    assert pipe.bilm_id == elmo.get_pipe("elmo_vectors").bilm_id
    doc = nlp("the cat eats grass")
    assert doc.tensor.shape == (4, 24) and np.array_equal(doc[1].vector, doc.tensor[1])
    assert np.allclose(doc.tensor, elmo("the cat eats grass")._.elmo_layers.mean(axis=0), atol=1e-6)
