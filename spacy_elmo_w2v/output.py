"""Writing an output directory so that a failed run never looks finished.

Everything is written to ``<OUTPUT_DIR>.partial`` and renamed to OUTPUT_DIR
only when the run succeeds. A failed or interrupted run leaves the partial
directory (with any checkpoints) for inspection or ``--resume``.
"""
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union

from wasabi import msg

from .errors import UserInputError


def partial_dir(output_dir: Union[str, Path]) -> Path:
    """The directory a run writes into before it is finished."""
    output_dir = Path(output_dir)
    return output_dir.with_name(output_dir.name + ".partial")


def check_output_dir(output_dir: Union[str, Path], overwrite: bool = False) -> Path:
    """Raise :class:`UserInputError` if OUTPUT_DIR exists and ``overwrite`` is off."""
    output_dir = Path(output_dir)
    if output_dir.exists() and not overwrite:
        if output_dir.is_dir() and not any(output_dir.iterdir()):
            return output_dir
        raise UserInputError(
            f"Output directory {output_dir} already exists. Choose another path, "
            f"delete it, or pass --overwrite to replace it."
        )
    return output_dir


@contextmanager
def atomic_output_dir(output_dir: Union[str, Path], overwrite: bool = False, keep_partial: bool = False) -> Iterator[Path]:
    """Yield a scratch directory that becomes ``output_dir`` on success.

    keep_partial: reuse an existing ``.partial`` directory (to resume from its
        checkpoints) instead of starting from an empty one.
    """
    output_dir = check_output_dir(output_dir, overwrite)
    tmp = partial_dir(output_dir)
    if tmp.exists() and not keep_partial:
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        yield tmp
    except BaseException:
        msg.fail(f"Run did not finish; partial output kept in {tmp} (not in {output_dir}).")
        raise
    if output_dir.exists():
        shutil.rmtree(output_dir)
    tmp.rename(output_dir)
