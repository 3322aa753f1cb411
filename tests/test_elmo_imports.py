"""spaCy imports our entry points whenever it makes a Language: they must work without torch."""
import subprocess
import sys
import textwrap

BLOCK_TORCH = textwrap.dedent(
    """
    import importlib.abc, sys

    class BlockTorch(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "torch" or name.startswith("torch."):
                raise ImportError("torch is blocked in this test")

    sys.meta_path.insert(0, BlockTorch())
    """
)


def run_without_torch(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCK_TORCH + textwrap.dedent(code)], capture_output=True, text=True, timeout=120)


def test_blank_pipeline_and_elmo_entry_points_load_without_torch():
    result = run_without_torch(
        """
        import spacy
        from spacy.util import registry
        nlp = spacy.blank("en")
        registry.architectures.get("spacy_elmo_w2v.BiLM.v1")
        nlp.add_pipe("elmo_vectors")
        import spacy_elmo_w2v.elmo.component, spacy_elmo_w2v.elmo.architectures
        assert "torch" not in sys.modules
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_entry_point_modules_do_not_import_torch_at_import_time():
    result = run_without_torch(
        """
        import importlib
        for name in ("spacy_elmo_w2v.elmo.component", "spacy_elmo_w2v.elmo.architectures", "spacy_elmo_w2v.elmo.hooks"):
            importlib.import_module(name)
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
