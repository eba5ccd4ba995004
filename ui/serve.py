"""``python -m ui.serve [streamlit run options]``: serve the dashboard as ``streamlit run app.py`` does, ready for
its first visitors.

Streamlit runs app.py only when someone visits, so after a plain ``streamlit run`` the first visitors wait while the
server loads the pages' modules (pandas, geopandas, esda, altair, pydeck: seconds) and works out every view. Here,
as soon as the server is up, a background thread loads the modules and warms the store's standard views
(``ui.warmup``), so a visitor arriving a little later finds them ready. (The modules are loaded once the server's
runtime exists, because their cached loaders attach to its caches.) ``make run`` serves this way.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"
SERVER_START_TIMEOUT = 300  # seconds to wait for the server to come up before giving the warm-up up

_log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> None:
    """Load the modules, start the warm-up's watcher, then hand over to ``streamlit run app.py``."""
    from streamlit.web import cli

    threading.Thread(target=_warm_when_serving, name="csp-serve-warm-up", daemon=True).start()
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


def _warm_when_serving() -> None:
    """Wait for the server to be up (the caches belong to its runtime), then warm the store's standard views."""
    from streamlit.runtime import Runtime, RuntimeState

    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while not (Runtime.exists() and Runtime.instance().state in
               (RuntimeState.NO_SESSIONS_CONNECTED, RuntimeState.ONE_OR_MORE_SESSIONS_CONNECTED)):
        if time.monotonic() > deadline:
            _log.warning("the server did not start within %d s: the standard views were not warmed",
                         SERVER_START_TIMEOUT)
            return
        time.sleep(0.2)
    # Every section's modules, loaded now (seconds) rather than by the first visitor, behind the lock a visitor's
    # app.py waits on (ui.preload).
    from ui.preload import load_page_modules

    load_page_modules()
    from lib.store.access import PUBLIC
    from lib.store.db import store_path
    from ui.data import Store, store_version
    from ui.warmup import warm_in_background

    path = store_path()
    if path.exists():  # a missing store is the first visitor's to build (the demo) or to be told about
        warm_in_background(Store(str(path), store_version(path), PUBLIC))


if __name__ == "__main__":
    main()
