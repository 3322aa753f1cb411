"""``python -m spacy_elmo_w2v COMMAND``: see ``--help``."""
from .cli import app

if __name__ == "__main__":
    app()
