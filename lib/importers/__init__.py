"""Reading files into the store: one module per kind of file, on the shared base in ``base``.

Each import is one transaction; see ``lib.core.import_kinds`` for the registry of kinds."""
