"""spaCy imports our entry points whenever it makes a Language: they must work without torch.

thinc imports torch whenever it is installed, so "torch not in sys.modules"
after a plain import proves nothing; these tests block the torch import instead.
"""
import textwrap

from .conftest import run_python

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


def run_without_torch(code: str) -> str:
    return run_python(BLOCK_TORCH + textwrap.dedent(code))


def test_pipelines_with_our_components_build_without_torch():
    out = run_without_torch(
        """
        import spacy
        nlp = spacy.blank("en")
        nlp.add_pipe("skipgram_vectors")
        nlp.add_pipe("elmo_vectors")
        assert "torch" not in sys.modules
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_every_entry_point_module_imports_without_torch():
    out = run_without_torch(
        """
        import importlib
        from importlib.metadata import entry_points
        groups = ("spacy_factories", "spacy_architectures", "spacy_misc")
        eps = entry_points()
        select = eps.select if hasattr(eps, "select") else lambda group: eps.get(group, ())  # Python 3.9: a dict
        modules = sorted({
            ep.value.split(":")[0] for g in groups for ep in select(group=g)
            if ep.value.startswith("spacy_elmo_w2v")
        })
        for name in modules:
            importlib.import_module(name)
        assert "torch" not in sys.modules
        print(len(modules))
        """
    )
    assert int(out.strip()) >= 5  # normalizer, two components, two architecture modules
