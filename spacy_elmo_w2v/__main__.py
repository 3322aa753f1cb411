"""``python -m spacy_elmo_w2v COMMAND``: see ``--help``."""
from .threads import configure_threads

if __name__ == "__main__":
    configure_threads()  # before anything imports torch
    from .cli import app

    app()
