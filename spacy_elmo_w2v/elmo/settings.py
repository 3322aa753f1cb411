"""The ``[pretrain]`` section of ``pretrain-elmo``, checked: :class:`TrainingSettings`.

Read by the command (:mod:`.pretrain`) and by the training loop
(:func:`.train.train_epoch`); no torch import.
"""
from dataclasses import dataclass
from typing import Any, Dict, Optional

from ..config import PRETRAIN_SECTION, reject_pretrain_seed
from ..errors import UserInputError
from ..settings import above, at_least, settings_from_section


@dataclass
class TrainingSettings:
    """The pretraining section (see configs/elmo.cfg for what each value means).

    Types and bounds are checked by :func:`from_config` before any data is
    read. The vocabulary's ``min_count`` is the component's
    (``[components.elmo_vectors] min_count``), not a setting here.
    """

    train: str
    dev: str
    vectors: Optional[str]
    max_epochs: int = at_least(1)
    max_minutes: float = at_least(0)
    batch_size: int = at_least(1)
    bptt: int = at_least(1)
    eval_batch_size: int = at_least(1)
    lr: float = above(0)
    lr_decay: float = above(0)
    clip: float = above(0)
    max_vocab_size: Optional[int] = at_least(1)
    max_count_table: Optional[int] = at_least(1)
    checkpoint_every_steps: Optional[int] = at_least(1)
    max_train_sentences: Optional[int] = at_least(1)
    mixed_precision: bool
    progress: bool

    @classmethod
    def from_config(cls, section: Dict[str, Any]) -> "TrainingSettings":
        """Check every value of the section (types, bounds, no unknown keys) and build the settings."""
        if "min_count" in section:
            raise UserInputError(
                f"[{PRETRAIN_SECTION}] min_count is no longer read: the vocabulary's min_count is the component's. "
                f"Move it to [components.elmo_vectors] min_count (override: --components.elmo_vectors.min_count N)."
            )
        reject_pretrain_seed(section)
        absent = [key for key in ("train", "dev") if not section.get(key)]
        if absent:
            raise UserInputError(
                f"No {' and no '.join(absent)} corpus given: set {' and '.join(f'--paths.{key}' for key in absent)} "
                f"(one sentence per line; the dev corpus measures perplexity and picks the best epoch)."
            )
        return settings_from_section(cls, section, PRETRAIN_SECTION, "configs/elmo.cfg")
