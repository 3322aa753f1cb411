"""Skip-gram with negative sampling: samplers, torch model, training loop, spaCy component.

Nothing here imports torch at package import time: ``component`` is behind a
spaCy entry point.
"""
