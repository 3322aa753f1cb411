"""``python -m spacy_elmo_w2v COMMAND``: see ``--help``."""
import gc

from .threads import configure_threads


def main() -> None:
    """Run the command line named by ``sys.argv``; exits the process with the command's status.

    The thread settings are made before anything imports torch
    (:func:`.threads.configure_threads`). When the command has ended, its
    outputs written and closed, the objects that exist are frozen
    (``gc.freeze``): the interpreter's collections while it exits would
    otherwise walk everything torch and spaCy made at import only to free
    it by reference count anyway: a PTB skip-gram run now exits 0.15 s after
    its last output instead of 0.73 s (README, "Skip-gram at scale").
    """
    configure_threads()
    from .cli import app

    try:
        app()
    finally:
        gc.freeze()


if __name__ == "__main__":
    main()
