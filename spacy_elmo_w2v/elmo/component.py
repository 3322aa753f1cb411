"""The ``elmo_vectors`` pipeline component: the frozen biLM's layers for downstream components,
and optionally contextual vectors in ``doc.tensor`` and ``.vector``.

This module is behind a ``spacy_factories`` entry point: it must not import
torch at import time. The torch modules are imported inside the methods that
build or run them.
"""
from contextlib import nullcontext
from pathlib import Path
import hashlib
import uuid
import warnings
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Dict, Iterable, List, Optional, Tuple, Union

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
from ..threads import ThreadCap
from ..vocab import Vocabulary
from .doc_layers import LAYERS_ATTR, bytes_per_token, install_extensions, set_doc_layers
from .hooks import WIDTH_KEY, install_hooks
from .listener import ElmoListener
from .lm_data import EOS
from .spec import BiLMSpec
from .thinc_model import attach_bilm, get_bilm, make_bilm_model
from .windows import doc_windows, length_batches

if TYPE_CHECKING:
    import torch

    from .bilm import BiLM

OUTPUTS = ("average", "top")
LAYERS_DTYPES = ("float32", "float16")

DEFAULT_CONFIG_STR = """
[elmo_vectors]
output = null
keep_layers = true
layers_dtype = "float32"
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


@Language.factory(
    "elmo_vectors",
    default_config=DEFAULT_CONFIG["elmo_vectors"],
    # doc.tensor (and the token/span/doc vector hooks) only when `output` is set.
    assigns=[f"doc._.{LAYERS_ATTR}", "doc._.elmo_bilm", "doc.tensor"],
)
def make_elmo_vectors(
    nlp: Language,
    name: str,
    model: Model,
    normalizer: Normalizer,
    output: Optional[Union[str, int]],
    keep_layers: bool,
    layers_dtype: str,
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
    output: what goes to ``doc.tensor`` and ``token/span/doc.vector`` (via
        hooks): ``null`` leaves both alone (another component may own
        ``doc.tensor``); ``"average"`` (the mean of the L + 1 layers),
        ``"top"`` (the last layer) or a layer index (0 = token layer).
        ``"mix"``, from configs of version 0.1, is read as ``"average"`` (what
        its never-trained mix computed) with a warning.
    keep_layers: store all layers (``[L + 1, n_tokens, D]``) in
        ``doc._.elmo_layers`` for every doc. They are stored anyway while an
        ``ElmoListener`` in the pipeline listens to this component.
    layers_dtype: ``"float32"`` or ``"float16"`` (half the memory) for the
        stored layers: (L + 1) x D x 4 or 2 bytes per token.
    batch_size: how many windows the biLM reads at once.
    max_length: the longest window, in tokens: longer sentences or docs are
        cut, so memory does not grow with doc length.
    gpu_id: -1 follows spaCy (GPU after ``spacy.require_gpu()``); N >= 0 asks
        for GPU N (CPU with a warning when there is none).
    min_count: ``nlp.initialize()`` keeps words seen at least this often.
    """
    return ElmoVectors(
        nlp.vocab, model, name, normalizer=normalizer, output=output, keep_layers=keep_layers,
        layers_dtype=layers_dtype, batch_size=batch_size, max_length=max_length, gpu_id=gpu_id, min_count=min_count,
    )


class ElmoOutputDeprecationWarning(FutureWarning):
    """A setting of version 0.1 that still works but will go away."""


def _check_output(output: Optional[Union[str, int]], n_layers: int) -> Optional[Union[str, int]]:
    if output is None or output in OUTPUTS:
        return output
    if output == "mix":
        warnings.warn(
            "elmo_vectors output = \"mix\" is deprecated: outside a downstream task there is no learned mix, and "
            "\"mix\" always computed the plain average of the layers. It is read as output = \"average\" (the same "
            "vectors); write that in the config. A task's own mix: spacy_elmo_w2v.ElmoListener.v1.",
            ElmoOutputDeprecationWarning,
            stacklevel=3,
        )
        return "average"
    try:
        index = int(output)
    except (TypeError, ValueError):
        index = None
    if index is None or isinstance(output, bool) or not -(n_layers + 1) <= index <= n_layers:
        raise UserInputError(
            f"elmo_vectors output = {output!r} is not valid: use null (leave doc.tensor alone), \"average\", "
            f"\"top\" or a layer index from 0 to {n_layers}."
        )
    return index


def _check_layers_dtype(dtype: str) -> str:
    if dtype not in LAYERS_DTYPES:
        raise UserInputError(f"elmo_vectors layers_dtype = {dtype!r} is not valid: use \"float32\" or \"float16\".")
    return dtype


class ElmoVectors(TrainablePipe):
    """Runs the biLM once per batch and stores its layers on each doc for the
    listener layers of downstream components (``doc._.elmo_layers``); with
    ``output`` set, also writes one vector per token to ``doc.tensor`` (float32)
    and installs hooks so ``token/span/doc.vector`` and ``.similarity`` use them.

    Like spaCy's ``tok2vec`` it keeps a ``listener_map`` of the components
    whose models listen to it (found when the pipeline is assembled).
    """

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "elmo_vectors",
        *,
        normalizer: Normalizer,
        output: Optional[Union[str, int]],
        keep_layers: bool,
        layers_dtype: str,
        batch_size: int,
        max_length: int,
        gpu_id: int,
        min_count: int,
    ) -> None:
        from ..settings import check_value

        for setting, value in (("batch_size", batch_size), ("max_length", max_length), ("min_count", min_count)):
            check_value(f"components.{name}.{setting}", value, int, 1)
        install_extensions()  # where the layers go: registered once a component exists, not at import
        self.vocab = vocab
        self.model = model
        self.name = name
        self.normalizer = normalizer
        spec: BiLMSpec = model.attrs["spec"]
        self.cfg: Dict[str, Any] = {
            "output": _check_output(output, spec.n_layers),
            "keep_layers": keep_layers,
            "layers_dtype": _check_layers_dtype(layers_dtype),
            "batch_size": batch_size,
            "max_length": max_length,
            "gpu_id": gpu_id,
            "min_count": min_count,
        }
        self.lm_vocab: Optional[Vocabulary] = None
        #: Identity of the biLM's weights, stored with its layers and by the listeners that learn from them.
        self.bilm_id: Optional[str] = None
        self.listener_map: Dict[str, List[ElmoListener]] = {}
        self._orth_to_id: Dict[int, int] = {}
        self._device = None
        # torch's threads capped at the free cores during the biLM pass, where nobody set them (..threads)
        self._thread_cap = ThreadCap()

    # -- the model ---------------------------------------------------------
    @property
    def spec(self) -> BiLMSpec:
        """The biLM's description (sizes, encoder, head)."""
        return self.model.attrs["spec"]

    @property
    def output_width(self) -> int:
        """D: the width of every stored layer and of the vectors written to ``doc.tensor``."""
        return self.spec.output_width

    @property
    def layer_bytes_per_token(self) -> int:
        """Memory of the stored layers per token: (L + 1) x D x bytes of ``layers_dtype``."""
        return bytes_per_token(self.spec.n_layers + 1, self.output_width, self.cfg["layers_dtype"])

    # -- listeners (the ListenedToComponent protocol spaCy's tok2vec follows) --
    @property
    def listeners(self) -> List[ElmoListener]:
        """The listener layers of all components that listen to this one."""
        return [m for c in self.listening_components for m in self.listener_map[c]]

    @property
    def listening_components(self) -> List[str]:
        """Names of the downstream components whose models hold a listener of this one."""
        return list(self.listener_map.keys())

    def add_listener(self, listener: ElmoListener, component_name: str) -> None:
        """Link ``listener`` (in ``component_name``'s model): checks its width and biLM."""
        listener.link(self, component_name)
        self.listener_map.setdefault(component_name, [])
        if listener not in self.listener_map[component_name]:
            self.listener_map[component_name].append(listener)

    def remove_listener(self, listener: ElmoListener, component_name: str) -> bool:
        """Stop feeding ``listener`` of ``component_name``; returns whether it was registered."""
        if listener in self.listener_map.get(component_name, []):
            self.listener_map[component_name].remove(listener)
            if not self.listener_map[component_name]:
                del self.listener_map[component_name]
            return True
        return False

    def find_listeners(self, component: Any) -> None:
        """Link the :class:`.listener.ElmoListener` layers of ``component``'s model
        whose ``upstream`` is this component's name or ``"*"``."""
        model = getattr(component, "model", None)
        if not isinstance(model, Model):
            return
        for node in model.walk():
            if isinstance(node, ElmoListener) and node.upstream_name in ("*", self.name):
                self.add_listener(node, component.name)

    @property
    def bilm(self) -> "BiLM":
        """The torch ``BiLM`` module; a clear error before it has weights."""
        module = get_bilm(self.model)
        if module is None or self.lm_vocab is None:
            raise UserInputError(
                f"The {self.name!r} component has no trained biLM yet: run nlp.initialize(), "
                f"pretrain one with `python -m spacy_elmo_w2v pretrain-elmo`, or load a pretrained pipeline."
            )
        return module

    def set_bilm(self, module: "BiLM", lm_vocab: Vocabulary, bilm_id: Optional[str] = None) -> None:
        """Use a torch ``BiLM`` trained on ``lm_vocab`` (as pretraining does);
        ``bilm_id`` names its weights (a new identity when not given)."""
        attach_bilm(self.model, module)
        self.lm_vocab = lm_vocab
        self.bilm_id = bilm_id or uuid.uuid4().hex
        self._orth_to_id = {}

    def torch_device(self) -> "torch.device":
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
    def predict(self, docs: Iterable[Doc]) -> List[Tuple[Optional[np.ndarray], Optional[np.ndarray]]]:
        """One biLM pass over ``docs`` (no gradients). For each doc: its vectors
        (float32 ``[len(doc), D]``, zeros for whitespace tokens; None when
        ``output`` is null) and, when layers are stored (``keep_layers`` or a
        listener), all layers ``[L + 1, len(doc), D]`` in ``layers_dtype``."""
        keep = self.cfg["keep_layers"] or bool(self.listener_map) or getattr(self, "_listened", False)
        return self._run(list(docs), self.cfg["output"], keep)

    def _run(self, docs: List[Doc], output, keep: bool) -> List[Tuple[Optional[np.ndarray], Optional[np.ndarray]]]:
        from .inference import window_vectors

        bilm = self.bilm
        device = self.torch_device()
        bilm.to(device).eval()
        D, n_layers = self.output_width, self.spec.n_layers + 1
        dtype = self.cfg["layers_dtype"]
        vectors = [np.zeros((len(doc), D), dtype=np.float32) for doc in docs] if output is not None else None
        layers = [np.zeros((n_layers, len(doc), D), dtype=dtype) for doc in docs] if keep else None
        eos = self.lm_vocab.index[EOS]
        with_chars = bilm.encoder.char_cnn is not None
        with self._thread_cap(cpu=device.type == "cpu"):
            for group in length_batches(doc_windows(docs, self.cfg["max_length"]), self.cfg["batch_size"]):
                ids = self._windows_ids(docs, group)
                words = [[self.normalizer(docs[w.doc][int(i)].text) for i in w.tokens] for w in group] if with_chars else None
                vecs, lays = window_vectors(bilm, ids, eos, output, device, words, keep, dtype)
                for k, w in enumerate(group):
                    if vectors is not None:
                        vectors[w.doc][w.tokens] = vecs[k]
                    if layers is not None:
                        layers[w.doc][:, w.tokens] = lays[k]
        return [
            (vectors[i] if vectors is not None else None, layers[i] if layers is not None else None)
            for i in range(len(docs))
        ]

    def set_annotations(self, docs: Iterable[Doc], predictions: Any) -> None:
        """Store the layers (``doc._.elmo_layers``, ``doc._.elmo_bilm``); with
        ``output`` set, write the vectors to ``doc.tensor`` and install the vector hooks."""
        for doc, (vectors, layers) in zip(docs, predictions):
            if layers is not None:
                set_doc_layers(doc, layers, self.bilm_id)
            if vectors is not None:
                if doc.tensor.size and WIDTH_KEY not in doc.user_data:
                    warnings.warn(
                        f"{self.name!r} overwrites the doc.tensor that an earlier component wrote (with output = "
                        f"{self.cfg['output']!r}). Put {self.name!r} before that component, or set its output = null "
                        f"and let downstream components read the ELMo layers with spacy_elmo_w2v.ElmoListener.v1."
                    )
                doc.tensor = vectors
                install_hooks(doc)

    def store_layers(self, docs: Iterable[Doc]) -> None:
        """Compute and store only the layers of ``docs`` (what listeners read;
        ``doc.tensor`` is left alone). Listeners use it on the raw sample docs
        that spaCy initializes components with."""
        docs = list(docs)
        for doc, (_, layers) in zip(docs, self._run(docs, None, True)):
            set_doc_layers(doc, layers, self.bilm_id)

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
        tokens, lengths = tokens_of_docs(eg.reference for eg in get_examples())
        corpus = TokenizedCorpus(tokens, lengths, source="the examples")
        self.initialize_from_vocabulary(self.build_vocabulary(corpus), vectors=vectors)

    def build_vocabulary(self, corpus: TokenizedCorpus, *, max_size: Optional[int] = None) -> Vocabulary:
        """The LM vocabulary of ``corpus``: its words seen at least ``min_count`` times
        (the most frequent ``max_size`` when given), ``<unk>`` and ``<eos>``."""
        return build_vocab(
            corpus, self.normalizer, self.cfg["min_count"], specials=(EOS,), max_size=max_size,
            min_count_setting=f"components.{self.name}.min_count",
        )

    def vocabulary_from_counts(self, counts: Dict[str, int], *, max_size: Optional[int], source: str) -> Vocabulary:
        """The LM vocabulary of normalized word ``counts`` (a streamed counting pass), with
        this component's ``min_count``: ``<unk>``, ``<eos>``, then the words (the most
        frequent ``max_size`` when given; the rest read as ``<unk>``)."""
        return Vocabulary.build(
            counts, min_count=self.cfg["min_count"], specials=(EOS,), max_size=max_size, source=source,
            min_count_setting=f"components.{self.name}.min_count",
        )

    def initialize_from_vocabulary(self, words: Vocabulary, *, vectors: Optional[str] = None) -> Optional[int]:
        """Build a fresh biLM over ``words`` (the pretraining CLI and :meth:`initialize` both come here).

        ``vectors`` (a pipeline path) sets the word embedding width to that of
        its static vectors and starts the embeddings of the words it has from
        them. Returns how many words started from ``vectors`` (None without).
        """
        from .bilm import build_bilm
        from .vectors_init import spec_for_vectors, init_word_embeddings, load_static_vectors

        spec = self.spec
        table = None
        if vectors:
            table = load_static_vectors(vectors)
            spec = spec_for_vectors(spec, table)
        module = build_bilm(spec, words.words)
        found = init_word_embeddings(module, words, table) if table is not None else None
        self.set_bilm(module, words)
        return found

    @property
    def torch_model(self) -> "BiLM":
        """The torch ``BiLM`` the pretraining loop trains (after ``initialize``); same as :attr:`bilm`."""
        return self.bilm

    def set_trained(self, module: "BiLM") -> None:
        """Take the weights a training loop produced for :attr:`torch_model` (the
        module itself or one of the same shape); they get a new ``bilm_id``."""
        current = self.bilm
        if module is not current:
            current.load_state_dict(module.state_dict())
        self.set_bilm(current.cpu().eval(), self.lm_vocab)

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
    #: ``exclude`` is neither written nor read. ``bilm`` is the weights' identity.
    SERIALIZED = {"spec": "spec.json", "lm_vocab": "lm_vocab.json", "model": "model", "bilm": "bilm.json"}

    def _payload(self, exclude: Iterable[str] = tuple()) -> Dict[str, Any]:
        self.bilm  # a clear error when there is nothing to save
        fields = {
            "spec": self.spec.to_dict,
            "lm_vocab": self.lm_vocab.to_dict,
            "model": self.model.to_bytes,
            "bilm": lambda: {"id": self.bilm_id},
        }
        return {name: get() for name, get in fields.items() if name not in exclude}

    def _load_payload(
        self,
        read: Callable[[str], Any],
        exclude: Iterable[str],
        guard: Callable[[str], ContextManager] = lambda name: nullcontext(),
    ) -> None:
        """Load the fields ``read(name)`` gives (None for one that was not saved), each decoded inside
        ``guard(name)``; excluded fields keep what the component has. Without ``model``, the
        component keeps its own biLM when spec and words match, else starts fresh."""
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
        if "model" in exclude:
            same = get_bilm(self.model) is not None and spec.to_dict() == self.spec.to_dict()
            if not (same and list(lm_vocab.words) == list(self.lm_vocab.words)):
                self.set_bilm(build_bilm(spec, lm_vocab.words), lm_vocab)
            return
        bilm = None
        if "bilm" not in exclude:
            with guard("bilm"):
                bilm = read("bilm")
        with guard("model"):
            model_bytes = read("model")
            # Pipelines of version 0.1 saved no identity: name the weights by their content.
            bilm_id = (bilm or {}).get("id") or hashlib.sha256(model_bytes).hexdigest()[:32]
            self.set_bilm(build_bilm(spec, lm_vocab.words), lm_vocab, bilm_id)
            self.model.from_bytes(model_bytes)

    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        """The biLM's spec, vocabulary, weights and their identity as bytes (:meth:`from_bytes`
        restores them exactly); ``exclude`` leaves out any of :attr:`SERIALIZED`."""
        return srsly.msgpack_dumps(self._payload(exclude))

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()) -> "ElmoVectors":
        """Load what :meth:`to_bytes` wrote, except the fields named in ``exclude``."""
        data = srsly.msgpack_loads(bytes_data)
        self._load_payload(data.get, exclude)
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> None:
        """Write ``spec.json``, ``lm_vocab.json``, ``model`` (the weights) and ``bilm.json`` (the
        weights' identity) into ``path``, except those of :attr:`SERIALIZED` named in ``exclude``."""
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
            if name == "bilm" and not file.exists():  # pipelines of version 0.1 have none
                return None
            return file.read_bytes() if name == "model" else srsly.read_json(file)

        self._load_payload(read, exclude, guard=lambda name: reading(path / self.SERIALIZED[name]))
        return self

    def __reduce__(self):
        state = self.to_bytes() if get_bilm(self.model) is not None else None
        # The listener map is made again when the pipeline is assembled; until
        # then, a copy of a listened-to component keeps storing the layers.
        listened = bool(self.listener_map) or getattr(self, "_listened", False)
        return (_unpickle, (self.vocab, self.name, self.spec, self.normalizer, self.cfg, state, listened))


def _unpickle(
    vocab: Vocab, name: str, spec: BiLMSpec, normalizer: Normalizer, cfg: dict, state: Optional[bytes], listened: bool = False
) -> ElmoVectors:
    pipe = ElmoVectors(vocab, make_bilm_model(spec), name, normalizer=normalizer, **cfg)
    if state is not None:
        pipe.from_bytes(state)
    pipe._listened = listened
    return pipe
