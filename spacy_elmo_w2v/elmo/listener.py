"""The ELMo listener: a layer in a downstream component that reads the biLM layers ``elmo_vectors`` stored.

``elmo_vectors`` runs the frozen biLM once per batch and stores all L + 1
layers on each doc (:mod:`.doc_layers`); every :class:`ElmoListener` in the
pipeline reads them and applies its own task's scalar mix
(:func:`.scalar_mix.ScalarMix`), so two components share one biLM pass and
each learns its own mix. Gradients stop at the mix: the biLM stays frozen.

Unlike spaCy's own listeners, a listener never invents zeros: docs without
layers, layers of another width or depth, or layers of another biLM than the
one the mix was trained on are errors that say how to fix the pipeline.
No torch import.
"""
from typing import Any, Callable, List, Optional, Tuple

import numpy as np
from spacy.tokens import Doc
from thinc.api import Model
from thinc.types import Floats2d, Floats3d

from ..errors import UserInputError
from .doc_layers import doc_bilm_id, doc_layers
from .scalar_mix import ScalarMix

LAYER_NORM_EPS = 1e-6


class ElmoListener(Model):
    """``Model[List[Doc], List[Floats2d]]``: the task's ELMo vectors of each doc's tokens.

    width: D, the biLM's output width (checked against the stored layers).
    upstream_name: the ``elmo_vectors`` component to listen to, or ``"*"`` for any.
    dropout: dropout on the mixed vectors while training (this layer's own
        rate: ``nlp.update(drop=...)`` does not change it).
    layer_norm: normalize each layer of each token (zero mean, unit variance
        over D, no learned parameters) before mixing.
    mix_l2: L2 penalty on the mix's ``s`` (see :func:`.scalar_mix.ScalarMix`).

    ``attrs["bilm_id"]`` records which biLM the mix was trained on (set by the
    first training batch, saved with the component).
    """

    name = "elmo_listener"

    def __init__(self, width: int, upstream_name: str, *, dropout: float, layer_norm: bool, mix_l2: float) -> None:
        Model.__init__(
            self,
            self.name,
            _forward,
            init=_init,
            dims={"nO": width},
            attrs={"dropout": float(dropout), "layer_norm": bool(layer_norm), "bilm_id": None},
            layers=[ScalarMix(None, mix_l2)],
        )
        self.upstream_name = upstream_name
        self._upstream: Any = None  # the linked ElmoVectors component (not serialized)
        self._component: Optional[str] = None  # the component whose model holds this listener

    @property
    def mix(self) -> Model:
        """The task's :func:`.scalar_mix.ScalarMix` layer."""
        return self.layers[0]

    def link(self, upstream: Any, component: str) -> None:
        """Called by ``elmo_vectors`` when the pipeline is assembled: check that
        this listener can read its layers and remember where they come from."""
        width = upstream.output_width
        if self.get_dim("nO") != width:
            raise UserInputError(_width_message(component, self.get_dim("nO"), width, f"the {upstream.name!r} component's biLM"))
        trained, offered = self.attrs["bilm_id"], upstream.bilm_id
        if trained is not None and offered is not None and trained != offered:
            raise UserInputError(_other_bilm_message(component, trained, offered, upstream.name))
        n_layers = upstream.spec.n_layers + 1
        if not self.mix.has_dim("nL"):
            self.mix.set_dim("nL", n_layers)
        elif self.mix.get_dim("nL") != n_layers:
            raise UserInputError(_other_bilm_message(component, trained, offered, upstream.name))
        self._upstream = upstream
        self._component = component

    def __getstate__(self):
        # Pickling and deepcopy leave the link to the upstream component behind
        # (it is made again when the pipeline is assembled).
        state = dict(self.__dict__)
        state["_upstream"] = None
        # thinc's Model keeps its state in slots (none if a thinc version has them no more)
        slots = {name: getattr(self, name) for name in getattr(Model, "__slots__", ()) if hasattr(self, name)}
        return state, slots


def _who(model: Model) -> str:
    component = getattr(model, "_component", None)
    return f"component {component!r}" if component else "an ElmoListener"


def _width_message(component: str, width: int, actual: int, source: str) -> str:
    return (
        f"The ELMo listener of component {component!r} has width = {width}, but {source} stores "
        f"layers {actual} wide. Set width = {actual} in its [...] block with "
        f"@architectures = \"spacy_elmo_w2v.ElmoListener.v1\" (the biLM's output width, 2 x projection_size)."
    )


def _other_bilm_message(component: str, trained: Optional[str], offered: Optional[str], upstream: str) -> str:
    return (
        f"Component {component!r} learned its ELMo mix on the layers of biLM {trained}, but {upstream!r} in this "
        f"pipeline holds biLM {offered}: its mix and everything after it would read layers they were never "
        f"trained on. Source {upstream!r} from the pipeline that {component!r} was trained with "
        f"([components.{upstream}] source = THAT_PIPELINE), or train {component!r} again on this biLM."
    )


def _missing_message(model: Model, n_missing: int, is_train: bool) -> str:
    who = _who(model)
    if is_train:
        return (
            f"{who} got {n_missing} doc(s) without ELMo layers (doc._.elmo_layers is None) while training. "
            f"The layers come from the 'elmo_vectors' component, and `spacy train` runs a frozen component on "
            f"the training docs only when it is listed in [training] annotating_components. Fix the config: "
            f"[training] frozen_components = [\"elmo_vectors\"] and annotating_components = [\"elmo_vectors\"], "
            f"with 'elmo_vectors' in [nlp] pipeline before the components that listen to it and not in "
            f"[nlp] disabled. In your own training loop: "
            f"nlp.update(examples, exclude=[\"elmo_vectors\"], annotates=[\"elmo_vectors\"])."
        )
    return (
        f"{who} got {n_missing} doc(s) without ELMo layers (doc._.elmo_layers is None): the 'elmo_vectors' "
        f"component did not run on them. It must be in the pipeline, before the components that listen to it, "
        f"and enabled: don't disable or exclude it (spacy.load(..., disable=...), nlp.select_pipes), or turn it "
        f"back on with nlp.enable_pipe(\"elmo_vectors\")."
    )


def _no_upstream_message(model: Model) -> str:
    return (
        f"{_who(model)} listens to ELMo layers (upstream = {getattr(model, 'upstream_name', '*')!r}), but the "
        f"pipeline has no 'elmo_vectors' component before it to compute them. Add one before it: "
        f"[nlp] pipeline = [\"elmo_vectors\", ...] with [components.elmo_vectors] source = a pipeline with a "
        f"pretrained biLM (e.g. --paths.elmo training/elmo), or nlp.add_pipe(\"elmo_vectors\", source=..., first=True)."
    )


def _gather(model: Model, docs: List[Doc], is_train: bool) -> Floats3d:
    """All docs' stored layers as one ``[L + 1, n_tokens, D]`` float32 array on ``model.ops``."""
    arrays = [doc_layers(doc) for doc in docs]
    n_missing = sum(a is None for a in arrays)
    if n_missing:
        raise UserInputError(_missing_message(model, n_missing, is_train))
    width = model.get_dim("nO")
    trained = model.attrs["bilm_id"]
    for doc, layers in zip(docs, arrays):
        if layers.ndim != 3 or layers.shape[1] != len(doc):
            raise UserInputError(
                f"{_who(model)} got a doc of {len(doc)} tokens whose doc._.elmo_layers has shape "
                f"{tuple(layers.shape)}: the doc was changed after 'elmo_vectors' stored its layers (e.g. retokenized). "
                f"Put 'elmo_vectors' after the components that change the tokens."
            )
        if layers.shape[2] != width:
            component = getattr(model, "_component", None) or "?"
            raise UserInputError(_width_message(component, width, layers.shape[2], "'elmo_vectors'"))
        bilm_id = doc_bilm_id(doc)
        if trained is not None and bilm_id is not None and bilm_id != trained:
            component = getattr(model, "_component", None) or "?"
            raise UserInputError(_other_bilm_message(component, trained, bilm_id, "elmo_vectors"))
        if is_train and trained is None and bilm_id is not None:
            model.attrs["bilm_id"] = trained = bilm_id
    stacked = np.concatenate(arrays, axis=1) if len(arrays) > 1 else arrays[0]
    return model.ops.asarray(stacked, dtype="float32")


def _layer_norm(xp, H: Floats3d) -> Floats3d:
    mean = H.mean(axis=-1, keepdims=True)
    var = H.var(axis=-1, keepdims=True)
    return (H - mean) / xp.sqrt(var + LAYER_NORM_EPS)


def _init(model: Model, X: Optional[List[Doc]] = None, Y: Any = None) -> None:
    # A fresh mix, tied to no biLM until it is trained.
    model.attrs["bilm_id"] = None
    if X is None:
        model.mix.initialize()
        return
    docs = list(X)
    missing = [doc for doc in docs if doc_layers(doc) is None]
    if missing:
        # spaCy initializes a component on raw sample docs (a frozen 'elmo_vectors'
        # does not run then): ask the linked component for their layers.
        upstream = getattr(model, "_upstream", None)
        if upstream is None:
            raise UserInputError(_no_upstream_message(model))
        upstream.store_layers(missing)
    if docs:
        model.mix.initialize(X=_gather(model, docs, is_train=False))
    else:
        model.mix.initialize()


def _forward(model: Model, docs: List[Doc], is_train: bool) -> Tuple[List[Floats2d], Callable]:
    if not docs:
        return [], lambda d_outputs: []
    H = _gather(model, docs, is_train)
    if model.attrs["layer_norm"]:
        H = _layer_norm(model.ops.xp, H)
    Y, backprop_mix = model.layers[0](H, is_train)
    rate = model.attrs["dropout"]
    mask = model.ops.get_dropout_mask(Y.shape, rate) if is_train and rate > 0 else None
    if mask is not None:
        Y = Y * mask
    outputs = model.ops.unflatten(Y, model.ops.asarray1i([len(doc) for doc in docs]))

    def backprop(d_outputs: List[Floats2d]) -> List:
        dY = model.ops.flatten(d_outputs)
        if mask is not None:
            dY = dY * mask
        backprop_mix(dY)
        return []  # the biLM is frozen: no gradient goes to the docs

    return outputs, backprop
