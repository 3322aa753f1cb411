"""The tagger variants of the downstream workflow, in one place.

Each variant is a config that `python -m spacy train` runs as it is, plus the
overrides that switch the pretrained features on. Every variant trains the
same tok2vec, tagger and morphologizer on the same data with the same budget;
only the embed layer's inputs differ:

- ``baseline``: no pretraining (``configs/tagger.cfg``);
- ``static``: our skip-gram vectors as static vectors in ``MultiHashEmbed``;
- ``elmo``: ELMo features of our biLM (``configs/tagger_elmo.cfg``);
- ``both``: ELMo features and the static vectors.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

BASELINE = "baseline"


@dataclass(frozen=True)
class Variant:
    """One row of the downstream table: its config and which pretrained features it adds."""

    config: Path
    static_vectors: bool
    elmo: bool
    description: str


VARIANTS: Dict[str, Variant] = {
    BASELINE: Variant(Path("configs/tagger.cfg"), False, False, "no pretraining"),
    "static": Variant(Path("configs/tagger.cfg"), True, False, "skip-gram static vectors"),
    "elmo": Variant(Path("configs/tagger_elmo.cfg"), False, True, "ELMo features"),
    "both": Variant(Path("configs/tagger_elmo.cfg"), True, True, "ELMo features + skip-gram static vectors"),
}


def feature_overrides(variant: Variant, skipgram: Path, elmo: Path) -> List[str]:
    """The `spacy train` overrides that give ``variant`` its pretrained features.

    skipgram: a pipeline made by ``pretrain-skipgram`` (its ``vocab.vectors``);
    elmo: a pipeline made by ``pretrain-elmo`` (sourced by ``tagger_elmo.cfg``).
    """
    overrides: List[str] = []
    if variant.static_vectors:
        overrides += ["--paths.vectors", str(skipgram), "--components.tok2vec.model.embed.include_static_vectors", "true"]
    if variant.elmo:
        overrides += ["--paths.elmo", str(elmo), "--components.tok2vec.model.embed.elmo.width", str(elmo_width(elmo))]
    return overrides


def elmo_width(elmo: Path) -> int:
    """The width of the layers of the biLM in the pipeline at ``elmo`` (an ElmoListener's ``width``).

    Read from the pipeline's config.cfg, so a smaller smoke biLM or the GPU
    preset fits the same tagger config.
    """
    from spacy.util import load_config, registry

    config = load_config(Path(elmo) / "config.cfg", interpolate=True)
    model = registry.resolve({"model": config["components"]["elmo_vectors"]["model"]})["model"]
    return int(model.attrs["spec"].output_width)
