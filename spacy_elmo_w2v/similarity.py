"""Word-similarity evaluation of static vectors (WordSim-353 style files)."""
import re
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple, Union

import numpy as np
from spacy.strings import get_string_id
from spacy.vectors import Vectors

from .corpus import read_text
from .errors import UserInputError

Pair = Tuple[str, str, float]


def read_pairs(path: Union[str, Path]) -> List[Pair]:
    """Read ``word1 word2 score`` lines: whitespace-, tab- or comma-separated (WordSim-353's own
    ``combined.tab`` and ``combined.csv`` too), ``#`` comments and a header line skipped."""
    path = Path(path)
    if not path.exists():
        raise UserInputError(f"Word-pair file not found: {path}. It needs lines of `word1 word2 score`.")
    pairs: List[Pair] = []
    header_allowed = True
    for i, line in enumerate(read_text(path).splitlines(), start=1):
        fields = _pair_fields(line)
        if not fields or fields[0].startswith("#"):
            continue
        try:
            pairs.append((fields[0], fields[1], float(fields[2])))
        except (IndexError, ValueError):
            if header_allowed and len(fields) >= 3:  # "Word 1,Word 2,Human (mean)": the columns' names
                header_allowed = False
                continue
            raise UserInputError(f"{path}, line {i}: expected `word1 word2 score`, got {line!r}.") from None
        header_allowed = False
    if not pairs:
        raise UserInputError(f"{path} contains no word pairs.")
    return pairs


def _pair_fields(line: str) -> List[str]:
    """The fields of one line: split at tabs or commas when it has any, else at whitespace."""
    if "\t" in line or "," in line:
        return [field.strip() for field in re.split(r"[\t,]", line.strip())]
    return line.split()


def rankdata(values: Sequence[float]) -> np.ndarray:
    """Ranks 1..n, ties getting the mean of their ranks."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), dtype=np.float64)
    sorted_vals = values[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and sorted_vals[j + 1] == sorted_vals[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation (Pearson correlation of the ranks)."""
    if len(x) != len(y):
        raise ValueError("x and y differ in length")
    if len(x) < 2:
        return float("nan")
    rx, ry = rankdata(x), rankdata(y)
    rx -= rx.mean()
    ry -= ry.mean()
    denom = np.sqrt((rx**2).sum() * (ry**2).sum())
    return float((rx * ry).sum() / denom) if denom > 0 else float("nan")


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors; 0.0 when either is all zeros."""
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    return float(a @ b / (na * nb)) if na > 0 and nb > 0 else 0.0


def evaluate_pairs(vectors: Vectors, pairs: Sequence[Pair], normalize: Callable[[str], str]) -> Dict[str, float]:
    """Spearman rho between human scores and cosine similarities, over covered pairs.

    Returns ``{"spearman", "covered", "total", "coverage"}``; a pair is
    covered when both normalized words have vectors.
    """
    human: List[float] = []
    model: List[float] = []
    for w1, w2, score in pairs:
        k1, k2 = get_string_id(normalize(w1)), get_string_id(normalize(w2))
        if k1 in vectors and k2 in vectors:
            human.append(score)
            model.append(cosine(vectors[k1], vectors[k2]))
    return {
        "spearman": spearman(human, model),
        "covered": len(human),
        "total": len(pairs),
        "coverage": len(human) / len(pairs),
    }
