"""scripts/check_assets.py: missing or wrong input files stop the workflow with a clear message."""
import hashlib

import pytest
import srsly

from ._project_helpers import import_script
from .conftest import unwrapped

check_assets = import_script("check_assets")


@pytest.fixture
def project_dir(tmp_path):
    content = b"a b c\n"
    srsly.write_yaml(
        tmp_path / "project.yml",
        {"title": "t", "assets": [{"dest": "assets/data.txt", "url": "https://example.invalid/data.txt",
                                   "checksum": hashlib.md5(content).hexdigest()}]},
    )
    (tmp_path / "assets").mkdir()
    return tmp_path, content


def printed(capsys) -> str:
    """What the script printed, with wasabi's line wrapping undone."""
    return unwrapped(capsys.readouterr().out)


def run(project_dir, *files):
    return check_assets.main([*map(str, files), "--project-dir", str(project_dir)])


def test_file_with_matching_checksum_passes(project_dir):
    root, content = project_dir
    (root / "assets" / "data.txt").write_bytes(content)
    assert run(root, root / "assets" / "data.txt") == 0


def test_missing_asset_names_the_file_and_says_how_to_fetch_it(project_dir, capsys):
    root, _ = project_dir
    assert run(root, root / "assets" / "data.txt") == 1
    out = printed(capsys)
    assert "data.txt is missing" in out and "spacy project assets" in out


def test_checksum_mismatch_names_the_file_and_both_checksums(project_dir, capsys):
    root, content = project_dir
    (root / "assets" / "data.txt").write_bytes(content + b"truncated?")
    assert run(root, root / "assets" / "data.txt") == 1
    out = printed(capsys)
    assert "data.txt has MD5" in out and hashlib.md5(content).hexdigest() in out and "Delete it" in out


def test_own_corpus_without_checksum_only_needs_to_exist(project_dir, capsys):
    root, _ = project_dir
    own = root / "mine.txt"
    assert run(root, own) == 1
    assert "mine.txt is missing" in printed(capsys)
    own.write_text("my own corpus\n")
    assert run(root, own) == 0


def test_empty_file_is_a_problem(project_dir, capsys):
    root, _ = project_dir
    (root / "assets" / "data.txt").write_bytes(b"")
    assert run(root, root / "assets" / "data.txt") == 1
    assert "is empty" in printed(capsys)
