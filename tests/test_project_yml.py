"""project.yml: the workflow, its commands' deps and outputs, and the PTB assets."""
import re
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


def scripts_used(command: dict) -> set:
    """The scripts/ files a command runs, and the scripts/ modules those import by bare name."""
    found = set()
    todo = [m for line in command.get("script", []) for m in re.findall(r"scripts/(\w+)\.py", line)]
    while todo:
        name = todo.pop()
        if name in found or not (ROOT / "scripts" / f"{name}.py").exists():
            continue
        found.add(name)
        text = (ROOT / "scripts" / f"{name}.py").read_text(encoding="utf8")
        todo += re.findall(r"^(?:from|import) (\w+)", text, re.M)
    return {f"scripts/{name}.py" for name in found}


def test_every_step_depends_on_the_scripts_it_runs_so_editing_one_reruns_it(project):
    for command in project["commands"]:
        missing = scripts_used(command) - {str(Path(d)) for d in command.get("deps", [])}
        assert not missing, f"{command['name']} runs {sorted(missing)} but does not list them in deps"


def test_assemble_step_is_told_the_corpus_files_of_the_run(project):
    (assemble,) = [c for c in project["commands"] if c["name"] == "assemble"]
    script = " ".join(assemble["script"])
    for var in ("train", "dev", "test"):
        assert project["vars"][var] in script.split("--corpus", 1)[1]
