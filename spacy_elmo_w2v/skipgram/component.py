"""The ``skipgram_vectors`` pipeline component.

A trainable pipe whose word vectors live in ``nlp.vocab.vectors``, so
``doc[i].vector``, ``doc.similarity`` and ``nlp.vocab.vectors.most_similar``
work. The table is keyed by the tokens' own text (ORTH, spaCy's default), with
extra keys for the surface forms of each normalized word (see ``lookup.py``):
the component never changes what other components see, unless
``set_norms = true`` asks it to write ``token.norm_``. The fast
pretraining loop (``python -m spacy_elmo_w2v pretrain-skipgram``) and
``nlp.update`` train the same torch module.

This module is behind the ``spacy_factories`` entry point: it must not import
torch at import time.
"""
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

import numpy as np
import srsly
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc
from spacy.strings import get_string_id
from spacy.training import Example
from spacy.util import ensure_path
from spacy.vectors import Vectors
from spacy.vocab import Vocab
from thinc.api import Config, Model, Optimizer

from ..corpus import TokenizedCorpus, build_vocab, encode_corpus, tokens_of_docs
from ..errors import UserInputError
from ..normalize import Normalizer
from ..vocab import Vocabulary
from ..wrapping import load_torch_weights, save_torch_weights, wrapped_torch_module
from .lookup import add_surface_keys, build_vectors_table

if TYPE_CHECKING:
    from .model import SkipGramModel

DEFAULT_MODEL_CONFIG = """
[model]
@architectures = "spacy_elmo_w2v.SkipGram.v1"
width = 100
"""
DEFAULT_MODEL = Config().from_str(DEFAULT_MODEL_CONFIG)["model"]


@Language.factory(
    "skipgram_vectors",
    default_config={
        "model": DEFAULT_MODEL,
        "normalizer": {"@misc": "spacy_elmo_w2v.PTBNormalizer.v1"},
        "set_norms": False,
        "min_count": 10,
        "window": 5,
        "negative": 5,
        "subsample": 1e-4,
        "noise_samples": 32,
        "noise_groups": 64,
        "seed": 0,
    },
    default_score_weights={},
)
def make_skipgram_vectors(
    nlp: Language,
    name: str,
    model: Model,
    normalizer: Normalizer,
    set_norms: bool,
    min_count: int,
    window: int,
    negative: int,
    subsample: float,
    noise_samples: int,
    noise_groups: int,
    seed: int,
) -> "SkipGramVectors":
    """Create a ``skipgram_vectors`` component.

    model: the skip-gram model (``spacy_elmo_w2v.SkipGram.v1``; its ``width``
        is the vector width).
    normalizer: maps a token's text to its vocabulary key, the same way in
        training and in lookups (default: lowercase, numbers -> "N").
    set_norms: also set every token's ``norm_`` to its normalized form (the
        behaviour of earlier versions). Off by default: NORM is a feature of spaCy's
        tok2vec, and a tagger after this component would see "N" for every
        number. Vector lookups work either way.
    min_count: words seen fewer times become ``<unk>``, which has no vector.
    window: the largest window radius; each center draws one from 1..window.
    negative: noise words per (center, context) pair.
    subsample: threshold t of frequent-word subsampling (keep probability
        sqrt(t / f)); 0 turns it off.
    noise_samples: noise words each center scores, shared by its group.
    noise_groups: a batch's centers are cut into this many consecutive
        groups, each scoring its own ``noise_samples`` noise words (1: one
        set for the whole batch, which costs quality; see the README).
    seed: seeds the samplers used by ``update``.
    """
    return SkipGramVectors(
        nlp.vocab,
        model,
        name,
        normalizer=normalizer,
        set_norms=set_norms,
        min_count=min_count,
        window=window,
        negative=negative,
        subsample=subsample,
        noise_samples=noise_samples,
        noise_groups=noise_groups,
        seed=seed,
    )


class SkipGramVectors(TrainablePipe):
    """Skip-gram (word2vec SGNS) vectors, trained in spaCy, stored in ``vocab.vectors``.

    The settings are those of :func:`make_skipgram_vectors`; their defaults
    live only in the factory's ``default_config``.
    """

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "skipgram_vectors",
        *,
        normalizer: Normalizer,
        set_norms: bool,
        min_count: int,
        window: int,
        negative: int,
        subsample: float,
        noise_samples: int,
        noise_groups: int,
        seed: int,
    ) -> None:
        from ..settings import check_value

        for setting, value, kind, minimum in (
            ("min_count", min_count, int, 1), ("window", window, int, 1), ("negative", negative, int, 1),
            ("subsample", subsample, float, 0), ("noise_samples", noise_samples, int, 1),
            ("noise_groups", noise_groups, int, 1), ("seed", seed, int, 0),
        ):
            check_value(f"components.{name}.{setting}", value, kind, minimum)
        self.vocab = vocab
        self.model = model
        self.name = name
        self.normalizer = normalizer
        self.set_norms = set_norms
        self.words: Optional[Vocabulary] = None
        self.cfg: Dict[str, Any] = {
            "min_count": min_count,
            "window": window,
            "negative": negative,
            "subsample": subsample,
            "noise_samples": noise_samples,
            "noise_groups": noise_groups,
            "seed": seed,
        }
        self._generator = None
        self._table: Optional[Vectors] = None  # the vocab.vectors table built by sync_vectors

    # -- running -----------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        """Make the doc's tokens find their vectors; the doc itself is not changed.

        Each surface form whose normalized word has a vector ("1,987.5" ->
        "N") becomes a key of that vector in ``vocab.vectors``. With
        ``set_norms``, ``token.norm_`` is also set to the normalized form.
        """
        if doc.vocab is not self.vocab and self.is_initialized:
            # Sourced from another pipeline: our vectors belong in this one's vocab.
            self.vocab = doc.vocab
            self.sync_vectors()
        if self.is_initialized:
            add_surface_keys(self.vocab.vectors, doc, self.normalizer)
        if self.set_norms:
            normalize = self.normalizer
            for token in doc:
                token.norm_ = normalize(token.text)
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterable[Doc]:
        """Apply the component to each doc of ``stream`` in turn (``batch_size`` is unused)."""
        for doc in stream:
            yield self(doc)

    # -- training ----------------------------------------------------------
    @property
    def is_initialized(self) -> bool:
        """Whether the component has a vocabulary and tables (after ``initialize`` or pretraining)."""
        return self.words is not None

    @property
    def torch_model(self) -> "SkipGramModel":
        """The torch ``SkipGramModel`` (after ``initialize``)."""
        self._require_initialized()
        return wrapped_torch_module(self.model)

    def initialize(
        self,
        get_examples: Optional[Callable[[], Iterable[Example]]] = None,
        *,
        nlp: Optional[Language] = None,
        corpus: Optional[TokenizedCorpus] = None,
        words: Optional[Vocabulary] = None,
    ) -> None:
        """Build the vocabulary and a fresh model.

        get_examples: training examples (as from ``spacy train``); their
            reference docs' tokens are the corpus.
        corpus: alternatively, a :class:`TokenizedCorpus` in memory.
        words: alternatively, a ready vocabulary (same as
            :meth:`initialize_from_vocabulary`).
        """
        if words is None:
            if corpus is None:
                if get_examples is None:
                    raise UserInputError(f"{self.name}.initialize needs get_examples or a corpus to build its vocabulary.")
                tokens, lengths = tokens_of_docs(eg.reference for eg in get_examples())
                corpus = TokenizedCorpus(tokens, lengths, source="the training examples")
            words = self.build_vocabulary(corpus)
        self.initialize_from_vocabulary(words)

    def build_vocabulary(self, corpus: TokenizedCorpus, *, max_size: Optional[int] = None) -> Vocabulary:
        """The vocabulary of ``corpus``: its words seen at least ``min_count`` times
        (the most frequent ``max_size`` when given) and ``<unk>``."""
        return build_vocab(
            corpus, self.normalizer, self.cfg["min_count"], max_size=max_size,
            min_count_setting=f"components.{self.name}.min_count",
        )

    def vocabulary_from_counts(self, counts: Dict[str, int], *, max_size: Optional[int], source: str) -> Vocabulary:
        """The vocabulary of normalized word ``counts`` (a streamed counting pass), with this component's ``min_count``."""
        return Vocabulary.build(
            counts, min_count=self.cfg["min_count"], max_size=max_size, source=source,
            min_count_setting=f"components.{self.name}.min_count",
        )

    def initialize_from_vocabulary(self, words: Vocabulary, *, defer_vectors: bool = False) -> None:
        """Build fresh tables over ``words`` (the pretraining CLI and :meth:`initialize` both come here).

        defer_vectors: leave ``vocab.vectors`` to :meth:`set_trained`. The
            pretraining CLI has no use for the spaCy table (its keys and strings
            cost about as much as one more table) until training ends, so it
            never holds it beside training's working memory.
        """
        self.words = words
        self.model.set_dim("nV", len(self.words))
        self.model.initialize()
        if not defer_vectors:
            self.sync_vectors()

    def set_trained(self, module: "SkipGramModel") -> None:
        """Take the weights a training loop produced for :attr:`torch_model` (the
        module itself or one of the same shape) and copy them into ``vocab.vectors``."""
        current = self.torch_model
        if module is not current:
            current.load_state_dict(module.state_dict())
        current.to("cpu")
        self.sync_vectors()

    def _require_initialized(self) -> None:
        if self.words is None:
            raise UserInputError(
                f"The {self.name} component is not initialized: call nlp.initialize() "
                f"or train it with `python -m spacy_elmo_w2v pretrain-skipgram`."
            )

    def encode(self, corpus: TokenizedCorpus) -> Tuple[np.ndarray, np.ndarray]:
        """Ids and sentence index of a corpus, in this component's vocabulary."""
        self._require_initialized()
        encoded = encode_corpus(corpus, self.words, self.normalizer)
        return encoded.ids, encoded.sentence_index()

    def update(
        self,
        examples: Iterable[Example],
        *,
        drop: float = 0.0,
        sgd: Optional[Optimizer] = None,
        losses: Optional[Dict[str, float]] = None,
    ) -> Dict[str, float]:
        """One skip-gram step on the examples' predicted docs (all their pairs in one batch)."""
        import torch

        from .sampler import keep_probabilities, noise_distribution, noise_table, sample_epoch
        from .batching import iter_batches, make_stream

        if losses is None:
            losses = {}
        losses.setdefault(self.name, 0.0)
        self._require_initialized()
        tokens, lengths = tokens_of_docs(eg.predicted for eg in examples)
        if not tokens:
            return losses
        ids, sentences = self.encode(TokenizedCorpus(tokens, lengths))
        device = next(self.torch_model.parameters()).device
        stream = make_stream(ids, sentences, self.words.unk_id, device)
        if len(stream.ids) == 0:
            return losses
        if self._generator is None or self._generator.device != device:
            self._generator = torch.Generator(device=device).manual_seed(self.cfg["seed"])
        counts = self.words.counts.copy()
        counts[self.words.unk_id] = 0
        sample = sample_epoch(
            stream.ids, stream.sentences, keep_probabilities(counts, self.cfg["subsample"]).to(device),
            self.cfg["window"], self._generator,
        )
        if len(sample) == 0:
            return losses
        # one batch, its capacity rounded up to a power of two: few distinct shapes over many updates
        # (each new one costs oneDNN a kept kernel, see SGNSBatch.capacity)
        (batch,) = iter_batches(
            sample, self.cfg["window"], 1 << (len(sample) - 1).bit_length(), noise_table(noise_distribution(counts)).to(device),
            self.cfg["noise_samples"], self.cfg["noise_groups"], self.cfg["negative"], self._generator,
        )
        loss, backprop = self.model.begin_update(batch)
        backprop(np.ones((), dtype="float32"))
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += float(loss)
        return losses

    def finish_update(self, sgd: Optimizer) -> None:
        """Apply the accumulated gradients with ``sgd`` and copy the new vectors into ``vocab.vectors``."""
        super().finish_update(sgd)
        self.sync_vectors()

    def get_loss(self, examples: Iterable[Example], scores: Any) -> Tuple[float, Any]:  # pragma: no cover
        """Not used: the skip-gram loss is computed inside :meth:`update` (spaCy's API asks for the method)."""
        raise NotImplementedError("skipgram_vectors computes its loss inside update()")

    # -- vectors -----------------------------------------------------------
    def sync_vectors(self) -> None:
        """Put the trained input vectors into ``vocab.vectors`` (``<unk>`` excluded).

        For a float32 model on the CPU, ``vocab.vectors.data`` is a view of the
        model's input table (no second copy of a large vocabulary's vectors),
        so it follows the training; elsewhere it is a copy.

        The table this component built last gets the new values in place (so
        the surface forms added by ``__call__`` stay keys); any other table
        (none yet, loaded from disk, another vocab) is replaced by one from
        :func:`lookup.build_vectors_table`.
        """
        self._require_initialized()
        weights = self.torch_model.input.weight.detach().float().cpu().numpy()
        unk = self.words.unk_id
        # <unk> is the first word (Vocabulary puts it first): the rows after it are a view of the
        # input table, not a copy, for a float32 table on the CPU (the table's memory is shared).
        data = weights[1:] if unk == 0 else np.concatenate([weights[:unk], weights[unk + 1 :]])
        if self.vocab.vectors is self._table and self._table.shape == data.shape:
            self._table.data = data
            return
        words = self.words.words[:unk] + self.words.words[unk + 1 :]
        self._table = build_vectors_table(self.vocab.strings, data, words, self.normalizer, self.name)
        self.vocab.vectors = self._table

    def most_similar(self, word: str, n: int = 5) -> List[Tuple[str, float]]:
        """The ``n`` words nearest to ``word`` by cosine similarity, with their scores.

        ``word`` is normalized first ("Chip" finds "chip") and never listed
        itself, so fewer than ``n`` words come back when the vocabulary is
        smaller. Raises ``KeyError`` if it has no vector and
        :class:`UserInputError` if ``n`` is not a positive integer.
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise UserInputError(f"most_similar: n must be a positive integer (how many neighbours), not {n!r}.")
        self._require_initialized()
        vectors = self.vocab.vectors
        norm = self.normalizer(word)
        key = get_string_id(norm)
        if key not in vectors:
            raise KeyError(f"{word!r} (normalized: {norm!r}) has no vector in {self.name}")
        data = vectors.data
        norms = np.linalg.norm(data, axis=1)
        norms[norms == 0] = 1.0
        query = vectors[key]
        sims = data @ query / (norms * max(float(np.linalg.norm(query)), 1e-12))
        row = vectors.find(key=key)
        order = np.argsort(-sims)
        top = order[order != row][:n]
        unk = self.words.unk_id
        return [(self.words.words[int(r) + (r >= unk)], float(sims[r])) for r in top]

    def to_word2vec(self, path: Union[str, Path]) -> None:
        """Write the vectors in word2vec text format (``spacy init vectors``, gensim read it).

        Raises :class:`UserInputError` before training (there are no vectors
        to write) or when ``path`` cannot be written; missing parent
        directories are created.
        """
        from .export import write_word2vec

        self._require_initialized()

        write_word2vec(self.vocab.vectors, self.vocab.strings, path)

    # -- serialization -----------------------------------------------------
    def _state(self) -> Dict[str, Any]:
        self._require_initialized()
        return {"cfg": self.cfg, "words": self.words.to_dict(), "width": self.model.get_dim("nO")}

    def _load_state(self, state: Dict[str, Any]) -> None:
        self.cfg.update(state["cfg"])
        self.words = Vocabulary.from_dict(state["words"])
        if self.model.get_dim("nO") != state["width"]:
            raise UserInputError(
                f"{self.name}: saved vectors have width {state['width']} but the config says "
                f"{self.model.get_dim('nO')}; set [components.{self.name}.model] width = {state['width']}."
            )
        if not self.model.has_dim("nV") or self.model.get_dim("nV") is None:
            self.model.set_dim("nV", len(self.words))
        self.model.initialize()

    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        """Serialize the component: its state and, unless named in ``exclude``, the ``model`` and the ``vocab``."""
        self.sync_vectors()
        data = {"state": self._state()}
        if "model" not in exclude:
            data["model"] = self.model.to_bytes()
        if "vocab" not in exclude:
            data["vocab"] = self.vocab.to_bytes(exclude=exclude)
        return srsly.msgpack_dumps(data)

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()) -> "SkipGramVectors":
        """Load what :meth:`to_bytes` wrote, except ``model`` (the component keeps its own weights) or ``vocab`` when named in ``exclude``."""
        data = srsly.msgpack_loads(bytes_data)
        if "vocab" in data and "vocab" not in exclude:
            self.vocab.from_bytes(data["vocab"], exclude=exclude)
        self._load_state(data["state"])
        if "model" in data and "model" not in exclude:
            self.model.from_bytes(data["model"])
        self.sync_vectors()
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> None:
        """Write ``state.json`` and, unless named in ``exclude``, ``model`` and ``vocab`` under ``path``."""
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.sync_vectors()
        srsly.write_json(path / "state.json", self._state())
        if "model" not in exclude:
            save_torch_weights(self.model, path / "model")
        if "vocab" not in exclude:
            self.vocab.to_disk(path / "vocab", exclude=exclude)

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> "SkipGramVectors":
        """Read what :meth:`to_disk` wrote, except ``model`` (the component keeps its own weights) or
        ``vocab`` when named in ``exclude``; a missing or corrupt file is a :class:`UserInputError` that names it."""
        from ..storage import reading

        path = ensure_path(path)
        if (path / "vocab").exists() and "vocab" not in exclude:
            self.vocab.from_disk(path / "vocab", exclude=exclude)
        with reading(path / "state.json") as file:
            self._load_state(srsly.read_json(file))
        if "model" not in exclude:
            with reading(path / "model") as file:
                load_torch_weights(self.model, file)
        self.sync_vectors()
        return self
