"""project.yml's `downstream` workflow: EWT assets, its steps, and the scripts they run."""
import shlex
from pathlib import Path

import pytest
import srsly
from weasel.util import get_checksum, load_project_config

from .conftest import shared_file
from ._project_helpers import ROOT

EWT_SPLITS = ("train", "dev", "test")


@pytest.fixture(scope="module")
def project():
    return load_project_config(ROOT)


@pytest.fixture(scope="module")
def commands(project):
    return {c["name"]: c for c in project["commands"]}


def test_downstream_workflow_trains_every_variant_then_writes_the_table(project):
    assert project["workflows"]["downstream"] == [
        "check-ewt", "corpus-ewt", "tagger-baseline", "tagger-static", "tagger-elmo", "tagger-both", "downstream-table",
    ]


@pytest.mark.parametrize("split", EWT_SPLITS)
def test_ewt_assets_have_the_checksum_of_the_release_and_its_url(project, split):
    assets = {a["dest"]: a for a in project["assets"]}
    asset = assets[f"assets/en_ewt-ud-{split}.conllu"]
    assert get_checksum(shared_file("ud_english_ewt", f"en_ewt-ud-{split}.conllu")) == asset["checksum"]
    assert asset["url"] == (
        f"https://raw.githubusercontent.com/UniversalDependencies/UD_English-EWT/r2.16/en_ewt-ud-{split}.conllu"
    )


def test_every_downstream_step_depends_on_the_scripts_and_configs_it_runs(project, commands):
    for name in project["workflows"]["downstream"]:
        deps = set(commands[name].get("deps", []))
        for line in commands[name]["script"]:
            for word in shlex.split(line):
                if word.startswith(("scripts/", "configs/")):
                    assert word in deps, f"{name} runs {word} but does not list it in deps"


def test_every_tagger_step_depends_on_the_helpers_its_script_imports(project, commands):
    for name in project["workflows"]["downstream"]:
        if name.startswith("tagger-"):
            deps = set(commands[name]["deps"])
            assert {"scripts/downstream_variants.py", "scripts/presets.py", "scripts/pretrain.py"} <= deps, name


def test_each_downstream_dep_is_made_by_pretrain_or_an_earlier_step_or_is_tracked(project, commands):
    produced = {a["dest"] for a in project["assets"]}
    for name in project["workflows"]["pretrain"] + project["workflows"]["downstream"]:
        for dep in commands[name].get("deps", []):
            dep = str(Path(dep))
            assert dep in produced or (ROOT / dep).exists(), f"{name}: {dep} is made by no earlier step"
        produced.update(str(Path(o)) for o in commands[name].get("outputs", []))


def test_every_step_after_the_check_has_outputs_so_reruns_skip(project, commands):
    for name in project["workflows"]["downstream"][1:]:
        assert commands[name].get("outputs"), name


def test_tagger_steps_pass_the_seeds_and_the_shared_budget():
    raw = srsly.read_yaml(ROOT / "project.yml")  # before the vars are substituted
    for command in raw["commands"]:
        if command["name"].startswith("tagger-"):
            (line,) = command["script"]
            for var in ("seeds", "tagger_max_steps", "tagger_eval_frequency", "smoke", "gpu_id"):
                assert f"${{vars.{var}}}" in line, (command["name"], var)
    assert raw["vars"]["seeds"] == "0,1,2"


def _flat_config(path: Path) -> dict:
    from thinc.api import Config

    def flat(section, prefix=""):
        out = {}
        for key, value in section.items():
            out.update(flat(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value})
        return out

    return flat(Config().from_disk(path, interpolate=False))


# What configs/tagger_elmo.cfg may change in configs/tagger.cfg: the ELMo component and its wiring.
ELMO_ONLY = ("paths.elmo", "nlp.pipeline", "training.frozen_components", "training.annotating_components")
ELMO_SECTIONS = ("components.elmo_vectors.", "components.tok2vec.model.embed.")


def test_elmo_tagger_differs_from_the_baseline_only_in_its_elmo_features():
    """The downstream comparison is fair: same tok2vec, heads, data, budget and scores."""
    baseline, elmo = _flat_config(ROOT / "configs" / "tagger.cfg"), _flat_config(ROOT / "configs" / "tagger_elmo.cfg")
    differing = {k for k in set(baseline) | set(elmo) if baseline.get(k, "<absent>") != elmo.get(k, "<absent>")}
    unexpected = {k for k in differing if k not in ELMO_ONLY and not k.startswith(ELMO_SECTIONS)}
    assert unexpected == set()
    for key in ("width", "attrs", "rows", "include_static_vectors"):
        assert elmo[f"components.tok2vec.model.embed.{key}"] == baseline[f"components.tok2vec.model.embed.{key}"]
    assert elmo["nlp.pipeline"] == ["elmo_vectors", *baseline["nlp.pipeline"]]
