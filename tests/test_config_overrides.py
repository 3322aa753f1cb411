"""Dotted config overrides on the command line, read as spaCy's CLI reads them."""
import pytest

from spacy_elmo_w2v.config import load_config, parse_overrides
from spacy_elmo_w2v.errors import UserInputError
from spacy_elmo_w2v.overrides import ENV_VAR

from .conftest import CONFIGS


@pytest.fixture(autouse=True)
def no_env_overrides(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


def test_space_and_equals_forms_give_the_same_override():
    assert parse_overrides(["--pretrain.max_epochs", "3"]) == parse_overrides(["--pretrain.max_epochs=3"]) == {
        "pretrain.max_epochs": 3
    }


def test_values_are_read_as_json_where_they_are_json_and_as_text_otherwise():
    args = [
        "--a.int", "1", "--a.float", "1e-4", "--a.bool", "false", "--a.null", "null",
        "--a.list", "[2000, 6000]", "--a.quoted", '"7"', "--a.path", "corpus/train.txt", "--a.neg", "-1",
    ]
    assert parse_overrides(args) == {
        "a.int": 1, "a.float": 1e-4, "a.bool": False, "a.null": None,
        "a.list": [2000, 6000], "a.quoted": "7", "a.path": "corpus/train.txt", "a.neg": -1,
    }


def test_a_setting_without_a_value_is_a_true_flag():
    assert parse_overrides(["--pretrain.progress", "--paths.train", "t.txt"]) == {
        "pretrain.progress": True, "paths.train": "t.txt"
    }
    assert parse_overrides(["--pretrain.progress"]) == {"pretrain.progress": True}


def test_equals_sign_inside_the_value_is_kept():
    assert parse_overrides(["--paths.train=a=b.txt"]) == {"paths.train": "a=b.txt"}


@pytest.mark.parametrize("args", [["--epochs", "1"], ["pretrain.max_epochs", "1"]])
def test_an_override_that_names_no_section_is_a_clear_error(args):
    with pytest.raises(UserInputError, match="--pretrain.max_epochs 1"):
        parse_overrides(args)


def test_the_environment_variable_adds_overrides_and_wins(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "--pretrain.max_epochs 2 --paths.dev 'my dev.txt'")
    assert parse_overrides(["--pretrain.max_epochs", "5", "--paths.train", "t.txt"]) == {
        "pretrain.max_epochs": 2, "paths.train": "t.txt", "paths.dev": "my dev.txt"
    }


def test_the_parser_agrees_with_spacys_own_where_spacy_has_one():
    spacy_util = pytest.importorskip("spacy.cli._util")
    args = ["--a.b", "1", "--a.c=[1, 2]", "--a.d", "--a.e", "text", "--a.f", "0.5"]
    assert parse_overrides(list(args)) == spacy_util.parse_config_overrides(list(args))


@pytest.mark.parametrize(
    "override,suggested",
    [("pretrainn.max_epochs", "--pretrain.max_epochs"), ("components.skipgram_vector.window", "--components.skipgram_vectors.window")],
)
def test_an_override_of_a_misspelt_section_suggests_the_section_it_resembles(override, suggested):
    with pytest.raises(UserInputError) as err:
        load_config(CONFIGS / "skipgram.cfg", {override: 3})
    assert f"(did you mean {suggested}?)" in str(err.value)


def test_an_override_of_an_unrelated_section_suggests_nothing():
    with pytest.raises(UserInputError) as err:
        load_config(CONFIGS / "skipgram.cfg", {"zzzzqqq.x": 3})
    assert "did you mean" not in str(err.value) and "zzzzqqq" in str(err.value)
