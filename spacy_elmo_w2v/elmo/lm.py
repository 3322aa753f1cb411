"""The biLM as a language model people can use: perplexity, next words, generation.

>>> lm = LanguageModel.from_pipeline("path/to/elmo-pipeline")
>>> lm.perplexity(["the stock market fell ."], pretokenized=True).mean
>>> lm.next_words("the stock", k=5)          # [(word, probability), ...]
>>> lm.generate("the company said", n_words=20, temperature=0.8, seed=1)
"""
import math
import numbers
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from spacy.language import Language
from tqdm import tqdm

from ..corpus import TokenizedCorpus
from ..errors import UserInputError
from ..normalize import Normalizer
from ..pipeline import find_pipe
from ..vocab import Vocabulary
from .batching import n_stream_batches
from .bilm import BiLM
from .hooks import FACTORY
from .lm_data import EOS, EVAL_BPTT, EVAL_ROWS, stream_ids
from ..storage import load_pipeline
from .objective import Perplexity, evaluate_stream

Tokenizer = Callable[[str], List[str]]


class LanguageModel:
    """A trained :class:`.bilm.BiLM` with its vocabulary, normalizer and tokenizer.

    tokenizer: splits raw text into token strings (the pipeline's tokenizer
        when built with :meth:`from_pipeline`); ``pretokenized=True`` in the
        methods splits on whitespace instead (PTB files).
    """

    def __init__(
        self,
        bilm: BiLM,
        vocab: Vocabulary,
        normalizer: Normalizer,
        tokenizer: Optional[Tokenizer] = None,
        device: Union[str, torch.device] = "cpu",
        lang: Optional[str] = None,
    ) -> None:
        self.device = torch.device(device)
        self.bilm = bilm.to(self.device).eval()
        self.vocab = vocab
        self.normalizer = normalizer
        self.tokenizer: Tokenizer = tokenizer or str.split
        #: The language of the pipeline the model comes from (None without one): ``.jsonl``
        #: and ``.spacy`` corpora are tokenized as that pipeline tokenizes.
        self.lang = lang

    @classmethod
    def from_pipeline(
        cls, nlp_or_path: Union[Language, str, Path], component: Optional[str] = None, device: Union[str, torch.device] = "cpu"
    ) -> "LanguageModel":
        """The language model of a pipeline's (a ``Language`` or a path) ``elmo_vectors`` pipe:
        the first one made by that factory, whatever its name, or the one called ``component``."""
        nlp, made_by = nlp_or_path, None
        if isinstance(nlp_or_path, (str, Path)):
            nlp, made_by = load_pipeline(nlp_or_path, "MODEL", "pretrain-elmo"), "pretrain-elmo"
        _, pipe = find_pipe(nlp, FACTORY, component, made_by=made_by)

        def tokenize(text: str) -> List[str]:
            return [t.text for t in nlp.make_doc(text) if not t.is_space]

        return cls(pipe.bilm, pipe.lm_vocab, pipe.normalizer, tokenize, device, lang=nlp.lang)

    def _tokens(self, text: str, pretokenized: bool) -> List[str]:
        return text.split() if pretokenized else self.tokenizer(text)

    def _ids(self, tokens: Sequence[str]) -> np.ndarray:
        return self.vocab.encode([self.normalizer(t) for t in tokens])

    def corpus_perplexity(
        self,
        corpus: TokenizedCorpus,
        batch_size: int = EVAL_ROWS,
        bptt: int = EVAL_BPTT,
        exclude_unk: bool = False,
        progress: bool = False,
    ) -> Perplexity:
        """Perplexity of a corpus read as one stream with ``<eos>`` after each sentence,
        with the number of tokens and of out-of-vocabulary tokens (``n_oov``, ``oov_rate``).

        exclude_unk: do not score out-of-vocabulary words (``<unk>`` targets),
            as open-vocabulary LM evaluations do; they are still read as context.
        progress: show a bar of the stream's batches (on stderr).
        """
        _check_count("batch_size", batch_size)
        _check_count("bptt", bptt)
        ids = stream_ids(corpus, self.vocab, self.normalizer)
        n_oov = int((ids == self.vocab.unk_id).sum())
        if exclude_unk and n_oov == len(corpus):
            raise UserInputError("Every word is out of the vocabulary: with exclude_unk=True there is nothing to score.")
        ignore = self.vocab.unk_id if exclude_unk else None
        total = n_stream_batches(len(ids), batch_size, bptt)
        with tqdm(total=total, unit="batch", desc="perplexity", disable=not progress, dynamic_ncols=True) as bar:
            ppl = evaluate_stream(
                self.bilm, ids, batch_size, bptt, self.device, ignore_target=ignore, on_batch=lambda: bar.update(1)
            )
        return replace(ppl, n_tokens=len(corpus), n_oov=n_oov)

    def perplexity(
        self,
        texts: Union[str, Iterable[str]],
        pretokenized: bool = False,
        batch_size: int = EVAL_ROWS,
        bptt: int = EVAL_BPTT,
        exclude_unk: bool = False,
    ) -> Perplexity:
        """Forward, backward and mean perplexity of ``texts`` (one sentence each, ``<eos>`` after each).

        A single string is one text. Unknown words are scored as ``<unk>``: read
        the result with its ``oov_rate`` (a text of unknown words looks easy),
        or pass ``exclude_unk=True`` to leave them out of the score.
        """
        if isinstance(texts, str):
            texts = [texts]
        sentences = [self._tokens(t, pretokenized) for t in texts]
        sentences = [s for s in sentences if s]
        tokens = [t for s in sentences for t in s]
        if not tokens:
            raise UserInputError("No tokens to score: the texts are empty.")
        corpus = TokenizedCorpus(tokens, np.asarray([len(s) for s in sentences], dtype=np.int64), "texts")
        return self.corpus_perplexity(corpus, batch_size, bptt, exclude_unk)

    @torch.no_grad()
    def _prompt_state(self, prompt: str, pretokenized: bool):
        ids = np.concatenate([[self.vocab.index[EOS]], self._ids(self._tokens(prompt, pretokenized))])
        inputs = torch.as_tensor(ids, dtype=torch.int64, device=self.device).unsqueeze(0)
        return self.bilm.next_log_probs(inputs)

    def next_words(self, prompt: str, k: int = 10, pretokenized: bool = False) -> List[Tuple[str, float]]:
        """The ``k`` most probable next words after ``prompt`` (forward LM), with their probabilities."""
        _check_count("k", k)
        log_probs, _ = self._prompt_state(prompt, pretokenized)
        top = torch.topk(log_probs[0], min(k, log_probs.shape[-1]))
        return [(self.vocab.words[int(i)], float(p)) for p, i in zip(top.values.exp(), top.indices)]

    @torch.no_grad()
    def generate(
        self,
        prompt: str = "",
        n_words: int = 20,
        temperature: float = 1.0,
        seed: int = 0,
        stop_at_eos: bool = True,
        pretokenized: bool = False,
    ) -> str:
        """Continue ``prompt`` by sampling from the forward LM; the same seed gives the same text.

        temperature: divides the log-probabilities (< 1 is more conservative).
        Returns the generated words (normalized, space-separated), without the prompt.
        """
        _check_count("n_words", n_words, minimum=0)
        _check_count("seed", seed, minimum=0)
        if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real) or not math.isfinite(temperature) or temperature <= 0:
            raise UserInputError(f"temperature must be a finite number > 0 (1.0 samples the model as it is), not {temperature!r}.")
        generator = torch.Generator(device=self.device).manual_seed(seed)
        log_probs, state = self._prompt_state(prompt, pretokenized)
        words: List[str] = []
        eos = self.vocab.index[EOS]
        for _ in range(n_words):
            probs = torch.softmax(log_probs[0] / temperature, dim=-1)
            next_id = int(torch.multinomial(probs, 1, generator=generator))
            if next_id == eos and stop_at_eos:
                break
            words.append(self.vocab.words[next_id])
            inputs = torch.tensor([[next_id]], dtype=torch.int64, device=self.device)
            log_probs, state = self.bilm.next_log_probs(inputs, state)
        return " ".join(words)


def _check_count(name: str, value: object, minimum: int = 1) -> None:
    """Raise :class:`UserInputError` unless ``value`` is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise UserInputError(f"{name} must be an integer >= {minimum}, not {value!r}.")
