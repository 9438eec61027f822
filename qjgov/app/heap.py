"""The process's heap, kept out of the garbage collector's way.

Streamlit collects garbage in full after every script run (`runner.postScriptGC`), so that
memory a run left behind comes back at once. A full collection walks every object the
process tracks, and most of them are the libraries' own (Streamlit, its server, pandas,
pyarrow, polars, Altair and its schema): about 145,000 objects, 70-100 ms of CPU after each
run, two runs a visitor (the overview, then an area page). That was more than half of what
a visitor cost the server. Frozen once (`gc.freeze`), the objects alive at the first run
are left out of every later collection, which then walks only what was made since: a few
milliseconds. Collections still run after every run and still return what a session leaves.
"""

from __future__ import annotations

import gc
import threading

_LOCK = threading.Lock()
_frozen = False


def freeze_once() -> None:
    """Freeze the heap the first time a script run asks (once the server and the app's
    libraries are loaded); nothing after."""
    global _frozen
    if _frozen:
        return
    with _LOCK:
        if not _frozen:
            gc.freeze()
            _frozen = True
