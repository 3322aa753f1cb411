"""Packaging: entry points resolve, and nothing behind them needs torch at import time."""
import subprocess
import sys
from importlib.metadata import entry_points


def _group(name):
    return {ep.name: ep for ep in entry_points(group=name)}


def test_factories_and_architectures_are_registered_as_entry_points():
    assert "skipgram_vectors" in _group("spacy_factories")
    assert "spacy_elmo_w2v.SkipGram.v1" in _group("spacy_architectures")
    assert "spacy_elmo_w2v.PTBNormalizer.v1" in _group("spacy_misc")
    for group in ("spacy_factories", "spacy_architectures", "spacy_misc"):
        for ep in _group(group).values():
            if ep.value.startswith("spacy_elmo_w2v"):
                assert callable(ep.load())


def _run_python(code: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def test_add_pipe_works_without_importing_our_package():
    code = (
        "import spacy, sys\n"
        "nlp = spacy.blank('en')\n"
        "nlp.add_pipe('skipgram_vectors')\n"
        "print(nlp.pipe_names)\n"
    )
    assert "skipgram_vectors" in _run_python(code).stdout


def test_entry_point_modules_do_not_import_torch():
    """With torch unimportable, spaCy still builds pipelines with our components.

    (thinc itself imports torch whenever it is installed, so 'torch not in
    sys.modules' cannot be the check; blocking the import can.)
    """
    code = (
        "import sys\n"
        "sys.modules['torch'] = None  # any 'import torch' now raises ImportError\n"
        "import spacy\n"
        "nlp = spacy.blank('en')\n"
        "for name in ('skipgram_vectors', 'elmo_vectors'):\n"
        "    if name in spacy.registry.factories:\n"
        "        nlp.add_pipe(name)\n"
        "print('ok', nlp.pipe_names)\n"
    )
    assert "skipgram_vectors" in _run_python(code).stdout
