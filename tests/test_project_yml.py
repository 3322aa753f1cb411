"""project.yml: the workflow, its commands' deps and outputs, and the PTB assets."""
from pathlib import Path

import pytest
from weasel.util import load_project_config

from ._project_helpers import ROOT

PTB_MD5 = {
    "assets/ptb.train.txt": "f26c4b92c5fdc7b3f8c7cdcb991d8420",
    "assets/ptb.valid.txt": "aa0affc06ff7c36e977d7cd49e3839bf",
    "assets/ptb.test.txt": "8b80168b89c18661a38ef683c0dc3721",
}


@pytest.fixture(scope="module")
def project():
    return load_project_config(ROOT)


def test_pretrain_workflow_runs_every_step_in_order(project):
    assert project["workflows"]["pretrain"] == [
        "check-assets", "corpus", "pretrain-skipgram", "pretrain-elmo", "evaluate", "assemble", "package",
    ]


def test_every_step_after_the_check_has_deps_and_outputs_so_reruns_skip(project):
    commands = {c["name"]: c for c in project["commands"]}
    for name in project["workflows"]["pretrain"][1:]:
        assert commands[name].get("deps"), name
        assert commands[name].get("outputs"), name


def test_each_dep_is_an_earlier_output_an_asset_or_a_tracked_file(project):
    commands = {c["name"]: c for c in project["commands"]}
    produced = {a["dest"] for a in project["assets"]}
    for name in project["workflows"]["pretrain"]:
        for dep in commands[name].get("deps", []):
            dep = str(Path(dep))
            assert dep in produced or (ROOT / dep).exists(), f"{name}: {dep} is made by no earlier step"
        produced.update(str(Path(o)) for o in commands[name].get("outputs", []))


def test_ptb_assets_have_the_design_checksums_and_public_urls(project):
    assets = {a["dest"]: a for a in project["assets"]}
    for dest, md5 in PTB_MD5.items():
        assert assets[dest]["checksum"] == md5
        assert assets[dest]["url"].startswith("https://")


def test_defaults_use_the_gpu_and_the_full_run(project):
    assert project["vars"]["gpu_id"] == 0
    assert project["vars"]["smoke"] is False
