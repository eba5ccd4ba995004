"""Reading police.uk street files: plain, gzipped, or the members of a bulk archive, into one frame.

A file that is not a police.uk street file at all (missing columns, ragged rows, text where a coordinate should be,
a damaged archive) raises ImportFileError naming the row and column; ``lib.importers.police_uk`` imports what is read.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from lib.importers.base import ImportFileError, read_member, read_unpacked, readable_name

COLUMNS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]
REQUIRED = ["Month", "Longitude", "Latitude", "LSOA code", "LSOA name", "Crime type"]
# What reading a damaged archive or gzip stream can raise besides OSError: a bad CRC (BadZipFile), damaged
# deflate data (zlib.error), an encrypted member (RuntimeError), an unknown compression method
# (NotImplementedError), a member name that is not the UTF-8 its flag claims (UnicodeDecodeError).
_DAMAGED = (OSError, EOFError, zlib.error, zipfile.BadZipFile, RuntimeError, NotImplementedError, ValueError)
# A zip archive starts with a local file header (or, when empty, the end-of-archive record).
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


@dataclass
class StreetSource:
    """One CSV to read: a plain or gzipped file, or a member of a zip archive."""

    file: Path
    member: str = ""

    @property
    def label(self) -> str:
        name = readable_name(self.file)
        return f"{name}:{self.member}" if self.member else name

    def open_bytes(self) -> bytes:
        if self.member:
            try:
                with zipfile.ZipFile(self.file) as archive:
                    return read_member(archive, self.member, self.label)
            except _DAMAGED as error:
                raise ImportFileError(self.label, f"the zip member cannot be read ({error})") from None
        if self.file.suffix == ".gz":
            try:
                return read_unpacked(self.file, gzipped=True, label=self.label)
            except _DAMAGED as error:
                raise ImportFileError(self.label, f"not a readable gzip file ({error})") from None
        return self.file.read_bytes()


def sources_in(path: Path) -> Iterator[StreetSource]:
    if not path.exists():
        raise ImportFileError(readable_name(path), "no such file")
    if path.is_dir():
        raise ImportFileError(readable_name(path), "a folder, not a file: name the files in it (such as folder/*.csv)")
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as handle:
            if handle.read(4) in _ZIP_MAGIC:
                raise ImportFileError(readable_name(path), "not a readable zip archive (is it cut short?)")
        yield StreetSource(path)
        return
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted(n for n in archive.namelist() if n.endswith("-street.csv"))
    except _DAMAGED as error:
        raise ImportFileError(readable_name(path), f"not a readable zip archive ({error})") from None
    if not members:
        raise ImportFileError(readable_name(path), "the zip archive holds no *-street.csv files")
    for member in members:
        yield StreetSource(path, member)


_TEXT = pa.dictionary(pa.int32(), pa.string())
_COLUMN_TYPES = dict.fromkeys(COLUMNS, _TEXT) | {
    "Crime ID": pa.string(), "Context": pa.string(), "Longitude": pa.float64(), "Latitude": pa.float64(),
}


def read_street_table(data: bytes, source: StreetSource) -> pa.Table:
    """Parse one police.uk street CSV; raise ImportFileError naming the row and column of any damage.

    Text columns are dictionary-encoded (police.uk repeats months, places and categories on every row);
    Longitude and Latitude are floats (null where empty). Adds the ``member`` and ``row`` of each record.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data and b"\n" not in data and b"\r" not in data:
        data += b"\n"  # a header alone, without its line end: pyarrow cannot tell its columns otherwise
    options = pacsv.ConvertOptions(
        column_types=_COLUMN_TYPES, null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True
    )
    header = _header(data)
    reading = pacsv.ReadOptions(block_size=1 << 22, **({"column_names": header, "skip_rows": 1} if header else {}))
    try:
        table = pacsv.read_csv(pa.BufferReader(data), read_options=reading, convert_options=options)
        names = table.column_names  # (a header that is not UTF-8 fails here, as the names become str)
    # pyarrow raises UnicodeDecodeError, not ArrowInvalid, when its message or a column name holds bytes that are
    # not UTF-8.
    except (pa.ArrowInvalid, pa.ArrowKeyError, UnicodeDecodeError) as error:
        raise _locate_parse_error(data, source.label, error) from None
    twice = [c for c in COLUMNS if names.count(c) > 1]
    if twice:
        raise ImportFileError(source.label, "the column appears twice in the header", row=1, column=twice[0])
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ImportFileError(source.label, "not a police.uk street file: column missing", row=1, column=missing[0])
    columns = [
        table.column(c) if c in table.column_names else pa.nulls(table.num_rows, _COLUMN_TYPES[c]) for c in COLUMNS
    ]
    extra = [pa.array(np.full(table.num_rows, source.member, dtype=object), _TEXT),
             pa.array(np.arange(2, table.num_rows + 2, dtype=np.int32))]
    return pa.table(columns + extra, names=[*COLUMNS, "member", "row"])


def street_frame(tables: list[pa.Table]) -> pd.DataFrame:
    """Join parsed street tables into one frame: text as pandas categoricals, Crime ID as a 64-bit key."""
    table = pa.concat_tables(tables).unify_dictionaries().combine_chunks()
    frame = table.drop_columns(["Crime ID", "Context"]).to_pandas()
    ids = table.column("Crime ID")
    frame["crime_key"] = crime_keys(ids.chunk(0) if ids.num_chunks else pa.array([], pa.string()))
    frame["Context"] = table.column("Context").to_numpy(zero_copy_only=False)
    return frame


_HEX = np.full(256, 255, dtype=np.uint8)
for _digit, _char in enumerate(b"0123456789abcdef"):
    _HEX[_char] = _digit
    _HEX[bytes([_char]).upper()[0]] = _digit


def crime_keys(crime_ids: pa.Array) -> np.ndarray:
    """Return a 64-bit key per Crime ID (0 where there is none).

    police.uk Crime IDs are SHA-256 hex digests (64 hex digits), so their first 16 hex digits already are a
    good 64-bit hash; any ID of another shape is hashed instead. Each ID's key depends on that ID alone, never
    on the other IDs in its file, so the same crime gets the same key in every file it appears in.
    """
    keys = np.zeros(len(crime_ids), dtype=np.uint64)
    present = ~np.asarray(crime_ids.is_null().to_numpy(zero_copy_only=False))
    if not present.any():
        return keys.view(np.int64)
    ids = crime_ids.filter(pa.array(present))
    offsets = np.frombuffer(ids.buffers()[1], dtype=np.int32)[ids.offset: ids.offset + len(ids) + 1]
    chars = np.frombuffer(ids.buffers()[2], dtype=np.uint8)
    lengths = np.diff(offsets)
    if len(lengths) and (lengths == 64).all():  # the usual case: a fixed-width run of SHA-256 digests
        nibbles = _HEX[chars[offsets[0]: offsets[-1]].reshape(-1, 64)[:, :16]]
    else:
        # Gather each ID's first 16 bytes (or fewer: those IDs are hashed below whatever they gather).
        starts = np.minimum(offsets[:-1, None] + np.arange(16), max(len(chars) - 1, 0))
        nibbles = _HEX[chars[starts]] if len(chars) else np.full((len(lengths), 16), 255, dtype=np.uint8)
    digest = (lengths == 64) & (nibbles != 255).all(axis=1)
    packed = (nibbles[digest, 0::2] << 4) | nibbles[digest, 1::2]  # 8 bytes, most significant first
    found = np.zeros(len(lengths), dtype=np.uint64)
    found[digest] = np.ascontiguousarray(packed).view(">u8").ravel()
    if not digest.all():
        others = ids.filter(pa.array(~digest)).to_numpy(zero_copy_only=False).astype(object)
        found[~digest] = pd.util.hash_array(others)
    keys[present] = found
    return keys.view(np.int64)


def _header(data: bytes) -> list[str] | None:
    """The header's column names in police.uk's own spelling, matched whatever their case and surrounding spaces
    (as every other file's are); None where the first line cannot be read, for pyarrow to report."""
    try:
        line = data.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8")
        names = next(csv.reader([line]), [])
    except (UnicodeDecodeError, csv.Error):
        return None
    return _police_names(names) or None


def _police_names(names: list[str]) -> list[str]:
    known = {column.casefold(): column for column in COLUMNS}
    return [known.get(name.strip().casefold(), name.strip()) for name in names]


def _locate_parse_error(data: bytes, label: str, error: Exception) -> ImportFileError:
    """Find the first malformed row with the csv module, to say exactly where the file is broken."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        return ImportFileError(label, "text is not UTF-8", row=data[: bad.start].count(b"\n") + 1)
    # The csv module refuses fields over 128 KB by default; pyarrow reads them, so this must too.
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
    reader = csv.reader(io.StringIO(text))
    try:
        header = _police_names(next(reader, []))
        numeric = [header.index(c) for c in ("Longitude", "Latitude") if c in header]
        for row_number, fields in enumerate(reader, start=2):
            if len(fields) != len(header):
                column = header[len(fields)] if len(fields) < len(header) else None
                return ImportFileError(
                    label, f"expected {len(header)} fields, found {len(fields)}", row=row_number, column=column
                )
            for index in numeric:
                if fields[index].strip() and not _is_number(fields[index]):
                    return ImportFileError(
                        label, f"{fields[index]!r} is not a number", row=row_number, column=header[index]
                    )
    except csv.Error:
        pass  # the csv module cannot say where either: fall back to pyarrow's own words
    return ImportFileError(label, f"cannot be read as CSV ({error})")


def _is_number(text: str) -> bool:
    """Whether pyarrow reads the text as a float: Python's float() also takes '1_000' and non-ASCII digits."""
    if not text.isascii() or "_" in text:
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True
