__title__ = "spacy-elmo-w2v"
__version__ = "0.1.0"
