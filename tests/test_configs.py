"""The shipped configs: spaCy's own tools keep every setting, our section names are ours."""
from pathlib import Path
from typing import Any, Dict, List

import pytest
from thinc.api import Config

from spacy_elmo_w2v.config import PRETRAIN_SECTION, load_config, pretrain_section
from spacy_elmo_w2v.errors import UserInputError

from .conftest import CONFIGS

SHIPPED = sorted(CONFIGS.glob("*.cfg"))
ELMO_PIPELINE = Path(__file__).parent / "data" / "elmo_v0_1"  # a small saved elmo_vectors pipeline
ELMO_PIPELINE_WIDTH = 24  # its biLM's output width


def _set_listener_width(section: Dict[str, Any], width: int) -> None:
    """Set ``width`` in every ElmoListener.v1 block of a config."""
    if section.get("@architectures") == "spacy_elmo_w2v.ElmoListener.v1":
        section["width"] = width
    for value in section.values():
        if isinstance(value, dict):
            _set_listener_width(value, width)


def _flat(section: Dict[str, Any], prefix: str = "") -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in section.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_fill_config_keeps_every_setting_of_a_shipped_config(path: Path, tmp_path: Path):
    from spacy.cli import fill_config

    config = Config().from_disk(path, interpolate=False)
    if "elmo" in config["paths"]:  # fill-config loads the sourced elmo_vectors: give it one, and its width
        config["paths"]["elmo"] = str(ELMO_PIPELINE)
        _set_listener_width(config, ELMO_PIPELINE_WIDTH)
        path = tmp_path / path.name
        config.to_disk(path)
    filled_path = tmp_path / "filled.cfg"
    fill_config(filled_path, path, silent=True)
    ours = _flat(config)
    filled = _flat(Config().from_disk(filled_path, interpolate=False))
    changed = {key: (value, filled.get(key, "<dropped>")) for key, value in ours.items() if filled.get(key, "<dropped>") != value}
    assert changed == {}


@pytest.mark.parametrize("name", ["skipgram.cfg", "elmo.cfg"])
def test_pretraining_settings_live_in_a_section_spacy_does_not_reserve(name: str):
    config = Config().from_disk(CONFIGS / name, interpolate=False)
    assert PRETRAIN_SECTION in config
    assert not {"training", "pretraining"} & set(config)


def test_legacy_training_overrides_set_the_pretrain_section():
    config = load_config(CONFIGS / "skipgram.cfg", {"training.max_epochs": 7})
    assert config[PRETRAIN_SECTION]["max_epochs"] == 7


def test_a_config_with_the_old_section_name_is_told_to_rename_it():
    old = Config({"paths": {"train": None}, "training": {"max_epochs": 1}})
    with pytest.raises(UserInputError, match=r"no \[pretrain\] section.*called \[training\]"):
        pretrain_section(old, "old.cfg")


# What configs/tagger_elmo.cfg may change in configs/tagger.cfg: the sourced biLM and the tok2vec's embed.
ELMO_ADDITIONS = ("components.elmo_vectors.", "components.tok2vec.model.embed.", "paths.elmo")
ELMO_LISTS = ("training.annotating_components", "training.frozen_components")


def test_the_elmo_tagger_config_is_the_tagger_config_plus_elmo():
    # spaCy's overrides cannot add sections, so tagger_elmo.cfg is a whole file: it must not drift from tagger.cfg
    base = _flat(Config().from_disk(CONFIGS / "tagger.cfg", interpolate=False))
    elmo = _flat(Config().from_disk(CONFIGS / "tagger_elmo.cfg", interpolate=False))
    differ = {key for key in base.keys() | elmo.keys() if base.get(key, "<absent>") != elmo.get(key, "<absent>")}
    assert {key for key in differ if not key.startswith(ELMO_ADDITIONS)} == {"nlp.pipeline", *ELMO_LISTS}
    assert elmo["nlp.pipeline"] == ["elmo_vectors", *base["nlp.pipeline"]]
    assert all(base[key] == [] and elmo[key] == ["elmo_vectors"] for key in ELMO_LISTS)
    assert elmo["components.tok2vec.model.embed.@architectures"] == "spacy_elmo_w2v.ElmoEmbed.v1"


def _listener_widths(section: Dict[str, Any]) -> List[int]:
    """The ``width`` of every ElmoListener.v1 block of a config."""
    widths = [section["width"]] if section.get("@architectures") == "spacy_elmo_w2v.ElmoListener.v1" else []
    for value in section.values():
        if isinstance(value, dict):
            widths += _listener_widths(value)
    return widths


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*_elmo.cfg")), ids=lambda p: p.name)
def test_every_elmo_listener_of_a_shipped_config_has_the_width_of_the_shipped_bilm(path: Path):
    from spacy_elmo_w2v.pipeline import find_pipe, nlp_from_config

    _, bilm = find_pipe(nlp_from_config(load_config(CONFIGS / "elmo.cfg", {})), "elmo_vectors")
    widths = _listener_widths(Config().from_disk(path, interpolate=False))
    assert widths and set(widths) == {bilm.output_width}, (widths, bilm.output_width)
