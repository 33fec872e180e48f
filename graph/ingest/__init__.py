"""Stage 1, ingest: news files and strings become :class:`Document` objects.

Encodings, front matter, HTML, size limits and document identity live in :mod:`.reader`.
"""

from graph.ingest.reader import (
    MAX_BYTES,
    Document,
    InputError,
    decode,
    iter_paths,
    key_for_path,
    key_for_text,
    parse_text,
    read_bytes_limited,
    read_document,
)

__all__ = [
    "MAX_BYTES",
    "Document",
    "InputError",
    "decode",
    "iter_paths",
    "key_for_path",
    "key_for_text",
    "parse_text",
    "read_bytes_limited",
    "read_document",
]
