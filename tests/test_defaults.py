"""Defaults live once: the factories' default configs; the shipped configs, presets, README and benchmarks follow them."""
import importlib.util
import re
import textwrap

import pytest
import spacy
from spacy.util import load_config

from ._project_helpers import ROOT, import_script
from spacy_elmo_w2v.config import parse_overrides
from spacy_elmo_w2v.overrides import parse_value
from spacy_elmo_w2v.pipeline import nlp_from_config

presets = import_script("presets")
FACTORIES = {"skipgram": "skipgram_vectors", "elmo": "elmo_vectors"}


def factory_defaults(factory: str) -> dict:
    """The component's config as spaCy fills it from the factory's ``default_config``."""
    nlp = spacy.blank("en")
    nlp.add_pipe(factory)
    return nlp.config.interpolate()["components"][factory]


# Settings a shipped config sets on purpose to something else than the factory
# default: the pretrained ELMo pipeline writes doc.tensor and the vector hooks
# (output "average", no stored layers), while the factory's default serves
# downstream listeners (layers only).
CHOSEN_BY_THE_CONFIG = {"skipgram": set(), "elmo": {"output", "keep_layers"}}


@pytest.mark.parametrize("command", sorted(FACTORIES))
def test_shipped_config_component_section_is_the_factory_default(command):
    factory = FACTORIES[command]
    shipped = dict(load_config(ROOT / presets.CONFIGS[command], interpolate=True)["components"][factory])
    defaults = dict(factory_defaults(factory))
    assert shipped.keys() == defaults.keys()
    differ = {key for key in shipped if shipped[key] != defaults[key]}
    assert differ == CHOSEN_BY_THE_CONFIG[command]


@pytest.mark.parametrize("kind", ["GPU_OVERRIDES", "SMOKE_OVERRIDES"])
@pytest.mark.parametrize("command", sorted(FACTORIES))
def test_every_preset_override_names_an_existing_setting_of_its_config(kind, command):
    config = load_config(ROOT / presets.CONFIGS[command])
    for key, value in parse_overrides(getattr(presets, kind)[command]).items():
        section = config
        *path, name = key.split(".")
        for part in path:
            section = section[part]
        assert name in section, f"{kind}[{command!r}]: {key} is not a setting of {presets.CONFIGS[command]}"
        assert section[name] != value, f"{kind}[{command!r}]: {key} = {value!r} changes nothing"


def test_gpu_preset_is_the_cpu_config_with_a_bigger_biLM():
    config = load_config(ROOT / presets.CONFIGS["elmo"], overrides=parse_overrides(presets.GPU_OVERRIDES["elmo"]))
    nlp = nlp_from_config(config)
    spec = nlp.get_pipe("elmo_vectors").spec
    assert (spec.hidden_size, spec.projection_size, spec.encoder.word_width) == (2048, 512, 512)
    cpu = nlp_from_config(load_config(ROOT / presets.CONFIGS["elmo"])).get_pipe("elmo_vectors").spec
    assert spec.head == cpu.head and spec.n_layers == cpu.n_layers


def readme_settings_table(heading: str) -> dict:
    """``{setting: value}`` from the first ``| `setting` | default | meaning |`` table after ``heading``."""
    text = (ROOT / "README.md").read_text(encoding="utf8")
    section = text[text.index(heading):]
    table_text = section[section.index("| setting |"):]
    table_text = table_text[: table_text.index("\n\n")]
    rows = re.findall(r"^\| `([\w.]+)` \| ([^|]+?) \|", table_text, re.M)
    return {name: parse_value(value.strip().strip("`")) for name, value in rows}


def test_readme_skipgram_settings_table_shows_the_factory_defaults():
    table = readme_settings_table("## The `skipgram_vectors` component")
    defaults = factory_defaults("skipgram_vectors")
    expected = {k: v for k, v in defaults.items() if k not in ("factory", "model", "normalizer")}
    expected["model.width"] = defaults["model"]["width"]
    expected["normalizer"] = defaults["normalizer"]["@misc"]
    assert table == expected


def test_skipgram_benchmark_reads_its_settings_from_the_config(tmp_path):
    spec = importlib.util.spec_from_file_location("skipgram_vs_gensim", ROOT / "benchmarks" / "skipgram_vs_gensim.py")
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    shipped = load_config(ROOT / presets.CONFIGS["skipgram"], interpolate=True)
    assert benchmark.read_settings()["min_count"] == shipped["components"]["skipgram_vectors"]["min_count"]
    changed = tmp_path / "skipgram.cfg"
    text = (ROOT / presets.CONFIGS["skipgram"]).read_text(encoding="utf8")
    changed.write_text(text.replace("min_count = 10", "min_count = 3").replace("width = 100", "width = 7"), encoding="utf8")
    settings = benchmark.read_settings(changed)
    assert (settings["min_count"], settings["width"]) == (3, 7)


def test_readme_char_cnn_block_gives_the_elmo_config_a_char_cnn():
    from spacy.util import load_config_from_str

    readme = (ROOT / "README.md").read_text(encoding="utf8")
    found = re.search(r"```ini\n( *\[components\.elmo_vectors\.model\.encoder\.char_cnn\]\n.*?\n) *```", readme, re.S)
    block = textwrap.dedent(found.group(1))
    shipped = (ROOT / presets.CONFIGS["elmo"]).read_text(encoding="utf8")
    assert shipped.count("char_cnn = null\n") == 1  # the line the README says to replace
    pipe = nlp_from_config(load_config_from_str(shipped.replace("char_cnn = null\n", block))).get_pipe("elmo_vectors")
    pipe.initialize_from_vocabulary(pipe.vocabulary_from_counts({"the": 3, "cat": 2}, max_size=None, source="test"))
    max_chars = int(re.search(r"max_chars = (\d+)", block).group(1))
    assert pipe.torch_model.encoder.word_chars.shape == (len(pipe.lm_vocab), max_chars)
