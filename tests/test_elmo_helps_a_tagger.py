"""The tagger with ELMo features beats the one without, on words its training data never showed it.

A controlled version of what the `downstream` workflow measures on EWT: a tiny biLM is
pretrained (with the shipped configs/elmo.cfg) on unlabelled text where two made-up word
classes each keep their own company; then spaCy's tagger (configs/tagger.cfg) and the same
tagger with ELMo features (configs/tagger_elmo.cfg) learn to tag the class of half of each
class's words, in contexts that say nothing about the class, and are scored on the other
half. The baseline's hash embeddings of an unseen word carry nothing about its class; the
biLM's layers do, because it learnt them from the unlabelled text.
"""
import random
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import spacy
from spacy.tokens import DocBin

from ._elmo_helpers import CONFIG as ELMO_CONFIG, tiny_training
from .conftest import CONFIGS

pytestmark = pytest.mark.slow  # pretrains a biLM and runs spacy train twice (one to two minutes)

N_PER_CLASS = 12
SEEN = N_PER_CLASS // 2  # the tagger is trained on the first half of each class, scored on the rest
CONTEXT = {"A": ["eats", "grass", "barn", "farm", "feeds", "sleeps"], "B": ["drives", "road", "wheels", "fuel", "garage", "parks"]}
FILLER = ["the", "a", "near", "and", "then"]


def _made_up_words(rng: random.Random) -> Dict[str, List[str]]:
    """Two classes of distinct five-letter words whose spelling says nothing of their class."""
    letters = "bcdfghklmnprstvz"
    words = set()
    while len(words) < 2 * N_PER_CLASS:
        words.add("".join(rng.choice(letters if i % 2 == 0 else "aeiou") for i in range(5)))
    ordered = sorted(words)
    rng.shuffle(ordered)
    return {"A": ordered[:N_PER_CLASS], "B": ordered[N_PER_CLASS:]}


def _unlabelled_text(classes: Dict[str, List[str]], rng: random.Random, n: int = 2000) -> str:
    """Sentences where each class's words occur with that class's context words only."""
    lines = []
    for _ in range(n):
        label = rng.choice("AB")
        sent = [rng.choice(FILLER), rng.choice(classes[label]), rng.choice(CONTEXT[label]),
                rng.choice(FILLER), rng.choice(CONTEXT[label]), rng.choice(classes[label])]
        lines.append(" ".join(sent) + " .")
    return "\n".join(lines) + "\n"


def _tagged_docs(classes: Dict[str, List[str]], rng: random.Random, words: slice, n: int) -> list:
    """Docs 'the X and a Y .' with X, Y drawn from ``words`` of either class, each tagged with its class."""
    nlp = spacy.blank("en")
    tag = {w: label for label, ws in classes.items() for w in ws}
    pool = [w for ws in classes.values() for w in ws[words]]
    docs = []
    for _ in range(n):
        x, y = rng.choice(pool), rng.choice(pool)
        doc = nlp.make_doc(f"the {x} and a {y} .")
        for token in doc:
            token.tag_ = tag.get(token.text, "O")
            token.pos_ = "NOUN" if token.text in tag else "PUNCT" if token.text == "." else "DET"
        docs.append(doc)
    return docs


def _accuracy_on_unseen_words(model_dir: Path, docs: list, unseen: set) -> float:
    nlp = spacy.load(model_dir)
    right = total = 0
    for gold, predicted in zip(docs, nlp.pipe([d.text for d in docs])):
        for g, p in zip(gold, predicted):
            if g.text in unseen:
                total += 1
                right += g.tag_ == p.tag_
    return right / total


@pytest.fixture(scope="module")
def experiment(tmp_path_factory) -> Tuple[Path, list, set]:
    """The pretrained biLM, the tagging corpora, the unseen test docs and their unseen words."""
    from spacy_elmo_w2v.elmo.pretrain import pretrain_elmo

    root = tmp_path_factory.mktemp("elmo_helps")
    rng = random.Random(0)
    classes = _made_up_words(rng)
    (root / "lm_train.txt").write_text(_unlabelled_text(classes, rng), encoding="utf8")
    (root / "lm_dev.txt").write_text(_unlabelled_text(classes, rng, n=100), encoding="utf8")
    overrides = tiny_training(root / "lm_train.txt", root / "lm_dev.txt", epochs=6)
    overrides.update({"pretrain.batch_size": 16, "pretrain.bptt": 14})
    pretrain_elmo(ELMO_CONFIG, root / "elmo", overrides)
    DocBin(docs=_tagged_docs(classes, rng, slice(0, SEEN), 300)).to_disk(root / "train.spacy")
    DocBin(docs=_tagged_docs(classes, rng, slice(0, SEEN), 30)).to_disk(root / "dev.spacy")
    test = _tagged_docs(classes, rng, slice(SEEN, None), 100)
    unseen = {w for ws in classes.values() for w in ws[SEEN:]}
    return root, test, unseen


def _train(config: str, root: Path, out: Path, **extra: object) -> Path:
    from spacy.cli.train import train

    overrides = {"paths.train": str(root / "train.spacy"), "paths.dev": str(root / "dev.spacy"),
                 "training.max_steps": 150, "training.eval_frequency": 50, **extra}
    train(CONFIGS / config, out, overrides=overrides)
    return out / "model-last"


def test_the_tagger_with_elmo_tags_unseen_words_better_than_the_one_without(experiment, tmp_path):
    root, test, unseen = experiment
    baseline = _accuracy_on_unseen_words(_train("tagger.cfg", root, tmp_path / "baseline"), test, unseen)
    elmo = _accuracy_on_unseen_words(
        _train("tagger_elmo.cfg", root, tmp_path / "elmo", **{"paths.elmo": str(root / "elmo"),
                                                             "components.tok2vec.model.embed.elmo.width": 24}),
        test, unseen,
    )
    # without pretraining an unseen word's class is a guess; the biLM learnt it from the unlabelled text
    assert baseline < 0.75, baseline
    assert elmo >= baseline + 0.2, (elmo, baseline)
