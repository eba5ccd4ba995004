"""The Streamlit side of the dashboard: what the pages share, split by what each part does.

Only this package, ``app.py`` and the page files import streamlit; the logic is in ``lib``, which knows nothing
of Streamlit. Pages import the modules they use (``from ui import shell, widgets``) and call them by name.

Each module below uses only modules listed above it.

The app around every page:
    preload      before any page runs: app.py's router in charge (every page's first line), and every module the
                 app and pages import, imported once, one thread at a time
    widgets      what every page draws: safe text, caveats, tables, downloads, metrics and status badges
    link         the one rule for a choice kept in the link, and the page widgets built on it
    signin       who is signed in: partner or editor, and the sidebar's sign-in and sign-out
    modes        presentation and public mode: the switches, the banner, and what this viewer may see
    data         the store as the pages read it (Store, Selection), the cache bounds, the loaders sections share
    editing      where editing controls go, the save form, and one way to write a change and say how it went
    uploads      the upload form, the Data page's fetch from police.uk, and what the last import did
    sidebar      the area and period pickers, kept in the session and the link, and the source line
    shell        failing in plain words, an indicator page's start, the demo notice

The sections, as the navigation groups the pages:
    performance  Partnership at a glance, Trends and Measures, and the comparator a comparison opens on
    similar      Similar areas: who a CSP is compared with, and its rank when the peers allow one
    hotspots     Hotspots (and the guided presentation's map)
    priorities   the Priority matrix
    actions      the Action plan
    present      the guided presentation and the committee pack
    area_setup   the Data page's "Set up your area": the files a CSP's store needs, what is held, templates

After the sections:
    warmup       every area's opening views worked out in the background, once per store version
    serve        `python -m ui.serve`: streamlit run app.py, with the modules loaded and the views warmed at the start
"""
