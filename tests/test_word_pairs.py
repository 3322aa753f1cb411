"""Reading word-pair files (WordSim-353 and its own layouts) for evaluate-similarity."""
import pytest

from spacy_elmo_w2v.errors import UserInputError
from spacy_elmo_w2v.similarity import read_pairs


@pytest.mark.parametrize("name,text", [
    ("wordsim353.txt", "love sex 6.77\ntiger cat 7.35\n"),
    ("combined.tab", "Word 1\tWord 2\tHuman (mean)\nlove\tsex\t6.77\ntiger\tcat\t7.35\n"),
    ("combined.csv", "Word 1,Word 2,Human (mean)\nlove,sex,6.77\ntiger,cat,7.35\n"),
    ("commented.txt", "# WordSim-353, relatedness\nlove  sex  6.77\n\ntiger\tcat\t7.35\n"),
])
def test_word_pairs_are_read_in_wordsim353s_own_layouts(tmp_path, name, text):
    (tmp_path / name).write_text(text, encoding="utf8")
    assert read_pairs(tmp_path / name) == [("love", "sex", 6.77), ("tiger", "cat", 7.35)]


@pytest.mark.parametrize("text,line", [("love,sex,6.77\ntiger,cat,high\n", 2), ("Word 1,Word 2,Score\nA,B,Score\n", 2), ("tiger cat\n", 1)])
def test_a_malformed_pair_line_after_the_header_is_an_error_naming_it(tmp_path, text, line):
    (tmp_path / "pairs.csv").write_text(text, encoding="utf8")
    with pytest.raises(UserInputError, match=rf"pairs\.csv, line {line}: expected `word1 word2 score`"):
        read_pairs(tmp_path / "pairs.csv")
