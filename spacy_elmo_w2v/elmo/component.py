"""The ``elmo_vectors`` pipeline component: contextual ELMo vectors in ``doc.tensor`` and ``.vector``.

This module is behind a ``spacy_factories`` entry point: it must not import
torch at import time. The torch modules are imported inside the methods that
build or run them.
"""
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Callable, ContextManager, Dict, Iterable, List, Optional, Tuple, Union

import numpy as np
import srsly
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import ensure_path
from spacy.vocab import Vocab
from thinc.api import Config, Model, Optimizer

from ..corpus import TokenizedCorpus, build_vocab, tokens_of_docs
from ..errors import UserInputError
from ..normalize import Normalizer
from ..vocab import Vocabulary
from .hooks import install_hooks
from .lm_data import EOS
from .spec import BiLMSpec
from .thinc_model import attach_bilm, get_bilm, make_bilm_model
from .windows import doc_windows, length_batches

LAYERS_ATTR = "elmo_layers"

DEFAULT_CONFIG_STR = """
[elmo_vectors]
output = "mix"
keep_layers = false
batch_size = 64
max_length = 128
gpu_id = -1
min_count = 1

[elmo_vectors.normalizer]
@misc = "spacy_elmo_w2v.PTBNormalizer.v1"
lowercase = true
number_token = "N"

[elmo_vectors.model]
@architectures = "spacy_elmo_w2v.BiLM.v1"
n_layers = 2
hidden_size = 256
projection_size = 128
residual = true
dropout = 0.1

[elmo_vectors.model.encoder]
@architectures = "spacy_elmo_w2v.TokenEncoder.v1"
word_width = 128
char_cnn = null

[elmo_vectors.model.head]
@architectures = "spacy_elmo_w2v.SoftmaxHead.v1"
kind = "adaptive"
cutoffs = [2000, 6000]
div_value = 2.0
tie_embeddings = false
"""
DEFAULT_CONFIG = Config().from_str(DEFAULT_CONFIG_STR)

if not Doc.has_extension(LAYERS_ATTR):
    Doc.set_extension(LAYERS_ATTR, default=None)


@Language.factory("elmo_vectors", default_config=DEFAULT_CONFIG["elmo_vectors"])
def make_elmo_vectors(
    nlp: Language,
    name: str,
    model: Model,
    normalizer: Normalizer,
    output: Union[str, int],
    keep_layers: bool,
    batch_size: int,
    max_length: int,
    gpu_id: int,
    min_count: int,
) -> "ElmoVectors":
    """Create an ``elmo_vectors`` component.

    model: the biLM (``spacy_elmo_w2v.BiLM.v1``); its weights come from
        ``pretrain-elmo``, ``nlp.initialize()`` or disk.
    normalizer: maps ``token.text`` to a vocabulary key, as in pretraining
        (unknown keys read as ``<unk>``).
    output: which vector goes to ``doc.tensor``: ``"mix"`` (the learned scalar
        mix of all layers), ``"top"``, ``"average"``, or a layer index
        (0 = token layer).
    keep_layers: also store all layers (float32 ``[L + 1, n_tokens, D]``) in
        ``doc._.elmo_layers``.
    batch_size: how many windows the biLM reads at once.
    max_length: the longest window, in tokens: longer sentences or docs are
        cut, so memory does not grow with doc length.
    gpu_id: -1 follows spaCy (GPU after ``spacy.require_gpu()``); N >= 0 asks
        for GPU N (CPU with a warning when there is none).
    min_count: ``nlp.initialize()`` keeps words seen at least this often.
    """
    return ElmoVectors(
        nlp.vocab, model, name, normalizer=normalizer, output=output, keep_layers=keep_layers,
        batch_size=batch_size, max_length=max_length, gpu_id=gpu_id, min_count=min_count,
    )


def _check_output(output: Union[str, int], n_layers: int) -> Union[str, int]:
    if output in ("mix", "top", "average"):
        return output
    try:
        index = int(output)
    except (TypeError, ValueError):
        index = None
    if index is None or not -(n_layers + 1) <= index <= n_layers:
        raise UserInputError(
            f"elmo_vectors output = {output!r} is not valid: use \"mix\", \"top\", \"average\" "
            f"or a layer index from 0 to {n_layers}."
        )
    return index


class ElmoVectors(TrainablePipe):
    """Writes ELMo vectors to ``doc.tensor`` (float32, one row per token) and
    installs hooks so ``token/span/doc.vector`` and ``.similarity`` use them."""

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "elmo_vectors",
        *,
        normalizer: Normalizer,
        output: Union[str, int],
        keep_layers: bool,
        batch_size: int,
        max_length: int,
        gpu_id: int,
        min_count: int,
    ) -> None:
        from ..settings import check_value

        for setting, value in (("batch_size", batch_size), ("max_length", max_length), ("min_count", min_count)):
            check_value(f"components.{name}.{setting}", value, int, 1)
        self.vocab = vocab
        self.model = model
        self.name = name
        self.normalizer = normalizer
        spec: BiLMSpec = model.attrs["spec"]
        self.cfg: Dict[str, Any] = {
            "output": _check_output(output, spec.n_layers),
            "keep_layers": keep_layers,
            "batch_size": batch_size,
            "max_length": max_length,
            "gpu_id": gpu_id,
            "min_count": min_count,
        }
        self.lm_vocab: Optional[Vocabulary] = None
        self._orth_to_id: Dict[int, int] = {}
        self._device = None

    # -- the model ---------------------------------------------------------
    @property
    def spec(self) -> BiLMSpec:
        """The biLM's description (sizes, encoder, head)."""
        return self.model.attrs["spec"]

    @property
    def output_width(self) -> int:
        """D: the width of the vectors written to ``doc.tensor``."""
        return self.spec.output_width

    @property
    def bilm(self):
        """The torch ``BiLM`` module; a clear error before it has weights."""
        module = get_bilm(self.model)
        if module is None or self.lm_vocab is None:
            raise UserInputError(
                f"The {self.name!r} component has no trained biLM yet: run nlp.initialize(), "
                f"pretrain one with `python -m spacy_elmo_w2v pretrain-elmo`, or load a pretrained pipeline."
            )
        return module

    def set_bilm(self, module, lm_vocab: Vocabulary) -> None:
        """Use a torch ``BiLM`` trained on ``lm_vocab`` (as pretraining does)."""
        attach_bilm(self.model, module)
        self.lm_vocab = lm_vocab
        self._orth_to_id = {}

    def torch_device(self):
        """Where the biLM runs: GPU ``gpu_id``, else the device of spaCy's current ops
        (the GPU after ``spacy.require_gpu()``), else the CPU."""
        from thinc.api import get_torch_default_device

        from ..device import resolve_device

        if self.cfg["gpu_id"] >= 0:
            if self._device is None:  # resolve (and warn about a missing GPU) once
                self._device = resolve_device(self.cfg["gpu_id"])
            return self._device
        return get_torch_default_device()

    # -- tokens to ids -----------------------------------------------------
    def token_ids(self, doc: Doc) -> np.ndarray:
        """Vocabulary ids of all tokens of ``doc`` (normalized; unknown -> ``<unk>``)."""
        orths = doc.to_array("ORTH").tolist()
        cache = self._orth_to_id
        vocab = self.lm_vocab
        for orth in set(orths) - cache.keys():
            cache[orth] = vocab.index.get(self.normalizer(doc.vocab.strings[orth]), vocab.unk_id)
        return np.fromiter(map(cache.__getitem__, orths), dtype=np.int64, count=len(orths))

    def _windows_ids(self, docs: List[Doc], windows) -> List[np.ndarray]:
        doc_ids = {d: self.token_ids(docs[d]) for d in {w.doc for w in windows}}
        return [doc_ids[w.doc][w.tokens] for w in windows]

    # -- running -----------------------------------------------------------
    def predict(self, docs: Iterable[Doc]) -> List[Tuple[np.ndarray, Optional[np.ndarray]]]:
        """For each doc: its ELMo vectors (float32 ``[len(doc), D]``, zeros for
        whitespace tokens) and, with ``keep_layers``, all layers ``[L + 1, len(doc), D]``."""
        from .inference import window_vectors

        docs = list(docs)
        bilm = self.bilm
        device = self.torch_device()
        bilm.to(device).eval()
        D, n_layers = self.output_width, self.spec.n_layers + 1
        keep = self.cfg["keep_layers"]
        vectors = [np.zeros((len(doc), D), dtype=np.float32) for doc in docs]
        layers = [np.zeros((n_layers, len(doc), D), dtype=np.float32) for doc in docs] if keep else None
        eos = self.lm_vocab.index[EOS]
        with_chars = bilm.encoder.char_cnn is not None
        for group in length_batches(doc_windows(docs, self.cfg["max_length"]), self.cfg["batch_size"]):
            ids = self._windows_ids(docs, group)
            words = [[self.normalizer(docs[w.doc][int(i)].text) for i in w.tokens] for w in group] if with_chars else None
            vecs, lays = window_vectors(bilm, ids, eos, self.cfg["output"], device, words, keep)
            for k, w in enumerate(group):
                vectors[w.doc][w.tokens] = vecs[k]
                if layers is not None:
                    layers[w.doc][:, w.tokens] = lays[k]
        return [(v, layers[i] if layers is not None else None) for i, v in enumerate(vectors)]

    def set_annotations(self, docs: Iterable[Doc], predictions) -> None:
        """Write the vectors to ``doc.tensor`` (and ``doc._.elmo_layers``) and install the vector hooks."""
        for doc, (vectors, layers) in zip(docs, predictions):
            doc.tensor = vectors
            if layers is not None:
                doc._.set(LAYERS_ATTR, layers)
            install_hooks(doc)

    # -- training ----------------------------------------------------------
    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]],
        *,
        nlp: Optional[Language] = None,
        vectors: Optional[str] = None,
    ) -> None:
        """Build the LM vocabulary from the example docs (words seen at least
        ``min_count`` times) and a freshly initialised biLM; ``vectors`` (a
        pipeline path) starts the word embeddings from its static vectors."""
        from .bilm import build_bilm
        from .vectors_init import spec_for_vectors, init_word_embeddings, load_static_vectors

        tokens, lengths = tokens_of_docs(eg.reference for eg in get_examples())
        corpus = TokenizedCorpus(tokens, lengths, source="the examples")
        lm_vocab = build_vocab(
            corpus, self.normalizer, self.cfg["min_count"], specials=(EOS,), min_count_setting=f"components.{self.name}.min_count"
        )
        spec = self.spec
        table = None
        if vectors:
            table = load_static_vectors(vectors)
            spec = spec_for_vectors(spec, table)
        module = build_bilm(spec, lm_vocab.words)
        if table is not None:
            init_word_embeddings(module, lm_vocab, table)
        self.set_bilm(module, lm_vocab)

    def update(
        self,
        examples: Iterable[Example],
        *,
        drop: float = 0.0,
        sgd: Optional[Optimizer] = None,
        losses: Optional[Dict[str, float]] = None,
    ) -> Dict[str, float]:
        """Fine-tune the biLM as a language model on the examples' text (both
        directions, sentence by sentence); adds the loss to ``losses[name]``.
        Dropout is the model's own (``model.dropout``); ``drop`` is not used."""
        from .batching import sequence_batch

        losses = {} if losses is None else losses
        losses.setdefault(self.name, 0.0)
        docs = [eg.predicted for eg in examples]
        windows = doc_windows(docs, self.cfg["max_length"])
        if not windows:
            return losses
        bilm = self.bilm
        device = next(bilm.parameters()).device
        batch = sequence_batch(self._windows_ids(docs, windows), self.lm_vocab.index[EOS]).to(device)
        loss, backprop = self.model.begin_update(batch)
        backprop(self.model.ops.xp.ones_like(loss))
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += float(loss)
        return losses

    # -- serialization -----------------------------------------------------
    #: What to_disk/to_bytes write (and the file of each in to_disk); a name in
    #: ``exclude`` is neither written nor read.
    SERIALIZED = {"spec": "spec.json", "lm_vocab": "lm_vocab.json", "model": "model"}

    def _payload(self, exclude: Iterable[str] = tuple()) -> Dict[str, Any]:
        self.bilm  # a clear error when there is nothing to save
        fields = {"spec": self.spec.to_dict, "lm_vocab": self.lm_vocab.to_dict, "model": self.model.to_bytes}
        return {name: get() for name, get in fields.items() if name not in exclude}

    def _load_payload(
        self,
        read: Callable[[str], Any],
        exclude: Iterable[str],
        guard: Callable[[str], ContextManager] = lambda name: nullcontext(),
    ) -> None:
        """Load the fields ``read(name)`` gives, each decoded inside ``guard(name)``; excluded fields
        keep what the component has. Without ``model``, the component keeps its own biLM when spec
        and words match, else starts fresh."""
        from .bilm import build_bilm

        if "spec" in exclude:
            spec = self.spec
        else:
            with guard("spec"):
                spec = BiLMSpec.from_dict(read("spec"))
        if "lm_vocab" in exclude:
            self.bilm  # there must be a vocabulary to keep
            lm_vocab = self.lm_vocab
        else:
            with guard("lm_vocab"):
                lm_vocab = Vocabulary.from_dict(read("lm_vocab"))
        same = get_bilm(self.model) is not None and spec.to_dict() == self.spec.to_dict() and list(lm_vocab.words) == list(self.lm_vocab.words)
        if not (same and "model" in exclude):
            self.set_bilm(build_bilm(spec, lm_vocab.words), lm_vocab)
        if "model" not in exclude:
            with guard("model"):
                self.model.from_bytes(read("model"))

    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        """The biLM's spec, vocabulary and weights as bytes (:meth:`from_bytes` restores them exactly);
        ``exclude`` leaves out any of :attr:`SERIALIZED`."""
        return srsly.msgpack_dumps(self._payload(exclude))

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()) -> "ElmoVectors":
        """Load what :meth:`to_bytes` wrote, except the fields named in ``exclude``."""
        data = srsly.msgpack_loads(bytes_data)
        self._load_payload(data.__getitem__, exclude)
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> None:
        """Write ``spec.json``, ``lm_vocab.json`` and ``model`` (the weights) into ``path``,
        except those of :attr:`SERIALIZED` named in ``exclude``."""
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        for name, data in self._payload(exclude).items():
            file = path / self.SERIALIZED[name]
            if name == "model":
                file.write_bytes(data)
            else:
                srsly.write_json(file, data)

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> "ElmoVectors":
        """Read what :meth:`to_disk` wrote, except the fields named in ``exclude``; a missing or
        corrupt file is a :class:`UserInputError` that names it."""
        from ..storage import reading

        path = ensure_path(path)

        def read(name: str) -> Any:
            file = path / self.SERIALIZED[name]
            return file.read_bytes() if name == "model" else srsly.read_json(file)

        self._load_payload(read, exclude, guard=lambda name: reading(path / self.SERIALIZED[name]))
        return self

    def __reduce__(self):
        state = self.to_bytes() if get_bilm(self.model) is not None else None
        return (_unpickle, (self.vocab, self.name, self.spec, self.normalizer, self.cfg, state))


def _unpickle(vocab: Vocab, name: str, spec: BiLMSpec, normalizer: Normalizer, cfg: dict, state: Optional[bytes]) -> ElmoVectors:
    pipe = ElmoVectors(vocab, make_bilm_model(spec), name, normalizer=normalizer, **cfg)
    if state is not None:
        pipe.from_bytes(state)
    return pipe
