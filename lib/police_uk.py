"""Import police.uk street-level crime and ASB files into the store.

Accepts street CSVs, ``.csv.gz``, and the monthly bulk archive zip (only its ``*-street.csv`` members).
Each file is one transaction. Rows that cannot be placed (no coordinates, a bad month, a point far outside
its LSOA's district) are rejected with a reason and kept in ``rejected_rows``; a file that is not a
police.uk street file at all (missing columns, ragged rows, text where a coordinate should be) fails whole
with an error naming the row and column, and leaves the store as it was.

Each incident's key (unique within its month) is a 64-bit hash: of the Crime ID for crimes; of the row's
content and its occurrence number among identical rows for ASB (which has no Crime ID and often repeats exactly), so
importing the same rows again adds nothing while genuine repeats are all kept.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlite_utils

from lib.areas import resolve_lsoas
from lib.importing import (
    ImportFileError,
    ImportSummary,
    ensure_names,
    file_sha256,
    import_transaction,
    insert_columns,
    readable_name,
)
from lib.store import set_meta

COLUMNS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]
REQUIRED = ["Month", "Longitude", "Latitude", "LSOA code", "LSOA name", "Crime type"]
H3_RESOLUTION = 10
# Points further than this outside their district's boundary box are treated as mis-geocoded.
BBOX_MARGIN_DEGREES = 0.05
# Without boundaries, a point this far from the median of its district's rows is mis-geocoded (the
# largest districts, such as Northumberland, reach about 70 km from their middle).
FAR_FROM_DISTRICT_KM = 100.0
_MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
# What reading a damaged archive or gzip stream can raise besides OSError: a bad CRC (BadZipFile), damaged
# deflate data (zlib.error), an encrypted member (RuntimeError), an unknown compression method
# (NotImplementedError), a member name that is not the UTF-8 its flag claims (UnicodeDecodeError).
_DAMAGED = (OSError, EOFError, zlib.error, zipfile.BadZipFile, RuntimeError, NotImplementedError, ValueError)
# A zip archive starts with a local file header (or, when empty, the end-of-archive record).
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")

Progress = Callable[[float, str], None]


@dataclass
class _Source:
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
                    return archive.read(self.member)
            except _DAMAGED as error:
                raise ImportFileError(self.label, f"the zip member cannot be read ({error})") from None
        if self.file.suffix == ".gz":
            try:
                with gzip.open(self.file) as handle:
                    return handle.read()
            except _DAMAGED as error:
                raise ImportFileError(self.label, f"not a readable gzip file ({error})") from None
        return self.file.read_bytes()


def import_police_uk(
    db: sqlite_utils.Database, paths: list[str | Path], progress: Progress | None = None
) -> list[ImportSummary]:
    """Import police.uk street files, each in its own transaction; returns one summary per file."""
    summaries = []
    for number, path in enumerate(map(Path, paths)):
        def report(fraction: float, text: str, number: int = number) -> None:
            if progress:
                progress((number + fraction) / len(paths), text)

        summaries.append(_import_file(db, path, report))
    if progress:
        progress(1.0, "done")
    return summaries


def _import_file(db: sqlite_utils.Database, path: Path, report: Progress) -> ImportSummary:
    clock = time.perf_counter()
    sources = list(_sources_in(path))
    report(0.0, f"reading {path.name}")
    # The file's checksum and the members of a bulk archive are worked out side by side (hashing, unzipping
    # and parsing release the GIL); the members are then imported as one frame, so that each look-up
    # against the store is made once per file, not once per member.
    with ThreadPoolExecutor(max_workers=2) as pool:
        sha256 = pool.submit(file_sha256, path)
        tables = list(pool.map(lambda source: read_street_table(source.open_bytes(), source), sources))
        frame = street_frame(tables)
        checksum = sha256.result()
    with import_transaction(db, "police-uk", path, sha256=checksum, clock=clock) as summary:
        report(0.4, f"importing {path.name}")
        set_meta(db, "h3_resolution", str(H3_RESOLUTION))
        _import_frame(db, frame, summary)
    return summary


def _sources_in(path: Path) -> Iterator[_Source]:
    if not path.exists():
        raise ImportFileError(readable_name(path), "no such file")
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as handle:
            if handle.read(4) in _ZIP_MAGIC:
                raise ImportFileError(readable_name(path), "not a readable zip archive (is it cut short?)")
        yield _Source(path)
        return
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted(n for n in archive.namelist() if n.endswith("-street.csv"))
    except _DAMAGED as error:
        raise ImportFileError(readable_name(path), f"not a readable zip archive ({error})") from None
    if not members:
        raise ImportFileError(readable_name(path), "the zip archive holds no *-street.csv files")
    for member in members:
        yield _Source(path, member)


_TEXT = pa.dictionary(pa.int32(), pa.string())
_COLUMN_TYPES = dict.fromkeys(COLUMNS, _TEXT) | {
    "Crime ID": pa.string(), "Context": pa.string(), "Longitude": pa.float64(), "Latitude": pa.float64(),
}


def read_street_table(data: bytes, source: _Source) -> pa.Table:
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


def read_street_csv(data: bytes, label: str) -> pd.DataFrame:
    """Parse a single police.uk street CSV into a frame (see ``read_street_table``)."""
    return street_frame([read_street_table(data, _Source(Path(label)))])


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


def _codes(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].cat.codes.to_numpy()


def _categories(frame: pd.DataFrame, column: str) -> np.ndarray:
    return np.asarray(frame[column].cat.categories, dtype=object)


def _import_frame(db: sqlite_utils.Database, frame: pd.DataFrame, summary: ImportSummary) -> None:
    summary.rows_read += len(frame)
    frame = _place(db, frame)
    reasons = _reject_reasons(db, frame)
    _record_rejects(db, frame[reasons != ""].assign(reason=reasons[reasons != ""]), summary)
    frame = frame[reasons == ""].reset_index(drop=True)
    frame["point_id"] = point_ids(frame)
    frame["key"] = incident_keys(frame)
    new = _drop_held(db, frame)
    summary.rows_duplicate += len(frame) - len(new)
    summary.rows_accepted += len(new)
    _insert_points(db, new)
    _insert_incidents(db, new, summary.import_id)
    _add_to_monthly_counts(db, new)
    _add_to_point_counts(db, new)


def _place(db: sqlite_utils.Database, frame: pd.DataFrame) -> pd.DataFrame:
    """Add each row's district and CSP codes (categoricals), placing new LSOAs in the area tree."""
    pairs = frame.loc[(_codes(frame, "LSOA code") >= 0) & (_codes(frame, "LSOA name") >= 0),
                      ["LSOA code", "LSOA name"]].drop_duplicates("LSOA code")
    placed = resolve_lsoas(db, pd.DataFrame({"lsoa_code": pairs["LSOA code"].astype(str).to_numpy(),
                                             "lsoa_name": pairs["LSOA name"].astype(str).to_numpy()}))
    lsoas = pd.Index(_categories(frame, "LSOA code"))
    for column in ("district_code", "csp_code"):
        per_lsoa = placed[column].reindex(lsoas).to_numpy(dtype=object)
        codes, categories = _gather_codes(per_lsoa, _codes(frame, "LSOA code"))
        frame[column] = pd.Categorical.from_codes(codes, categories=categories)
    return frame


def _gather_codes(per_lsoa: np.ndarray, lsoa_codes: np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """Categorical codes and categories of a per-LSOA value, gathered to rows (-1 where no LSOA)."""
    codes, uniques = pd.factorize(per_lsoa, use_na_sentinel=True)
    return _per_row(codes, lsoa_codes, -1), pd.Index(uniques)


def _per_row(per_category: np.ndarray, codes: np.ndarray, missing: object) -> np.ndarray:
    """Gather one value per category to the rows by their categorical codes; code -1 (no value) gets ``missing``."""
    return np.append(per_category, missing)[codes]  # code -1 picks the appended value


def _reject_reasons(db: sqlite_utils.Database, frame: pd.DataFrame) -> np.ndarray:
    """Return a reason per row ('' for rows to keep): the first rule a row breaks, in order."""
    lon, lat = frame["Longitude"].to_numpy(), frame["Latitude"].to_numpy()
    months = _categories(frame, "Month")
    bad_month_codes = [i for i, m in enumerate(months) if not re.match(_MONTH_PATTERN, m)]
    month_codes = _codes(frame, "Month")
    rules = [
        ("no coordinates", np.isnan(lon) | np.isnan(lat)),
        ("coordinates out of range", (np.abs(lat) > 90) | (np.abs(lon) > 180)),
        ("bad month", (month_codes < 0) | np.isin(month_codes, bad_month_codes)),
        ("no LSOA", (_codes(frame, "LSOA code") < 0) | (_codes(frame, "district_code") < 0)),
        ("no crime type", _codes(frame, "Crime type") < 0),
    ]
    reasons = np.full(len(frame), "", dtype=object)
    for reason, broken in rules:
        reasons[(reasons == "") & broken] = reason
    far = _far_from_district(db, frame, reasons == "")
    reasons[(reasons == "") & far] = "far outside its district"
    return reasons


def _far_from_district(db: sqlite_utils.Database, frame: pd.DataFrame, candidates: np.ndarray) -> np.ndarray:
    """Flag points far outside their district: by its boundary box if held, else by distance from its median."""
    boxes = pd.DataFrame(
        db.execute(
            "SELECT code, min_lon, min_lat, max_lon, max_lat FROM areas "
            "WHERE kind = 'district' AND min_lon IS NOT NULL"
        ).fetchall(),
        columns=["district_code", "min_lon", "min_lat", "max_lon", "max_lat"],
    ).set_index("district_code")
    per_district = boxes.reindex(_categories(frame, "district_code")).to_numpy(dtype=float)
    codes = _codes(frame, "district_code")
    box = per_district[np.maximum(codes, 0)] if len(per_district) else np.full((len(frame), 4), np.nan)
    lon, lat, m = frame["Longitude"].to_numpy(), frame["Latitude"].to_numpy(), BBOX_MARGIN_DEGREES
    with np.errstate(invalid="ignore"):
        outside_box = (lon < box[:, 0] - m) | (lon > box[:, 2] + m) | (lat < box[:, 1] - m) | (lat > box[:, 3] + m)
    no_box = np.isnan(box[:, 0]) & candidates
    far = np.zeros(len(frame), dtype=bool)
    if no_box.any():
        rows = pd.DataFrame({"d": codes[no_box], "lon": lon[no_box], "lat": lat[no_box]})
        median = rows.groupby("d")[["lon", "lat"]].transform("median")
        far[no_box] = _km_between(rows["lat"], rows["lon"], median["lat"], median["lon"]) > FAR_FROM_DISTRICT_KM
    return candidates & np.where(np.isnan(box[:, 0]), far, outside_box)


def _km_between(lat1: pd.Series, lon1: pd.Series, lat2: pd.Series, lon2: pd.Series) -> np.ndarray:
    """Great-circle distance in km (haversine)."""
    p1, p2 = np.radians(lat1.to_numpy()), np.radians(lat2.to_numpy())
    dp, dl = p2 - p1, np.radians(lon2.to_numpy() - lon1.to_numpy())
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(a))


def _stable_hash(*columns: np.ndarray) -> np.ndarray:
    """A deterministic 64-bit hash of the rows of some columns (the same in every run and on every machine)."""
    return pd.util.hash_pandas_object(
        pd.DataFrame({str(i): c for i, c in enumerate(columns)}), index=False
    ).to_numpy()


def _hash_per_row(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Stable hash of a categorical column's text, computed once per category and gathered to rows (0 if none)."""
    categories = _categories(frame, column)
    # Hashed as Python strings: numpy's astype(str) would pad every category to the longest one's width, so
    # a single 1 MB cell would make each of a file's 100,000 places take 4 MB.
    per_category = _stable_hash(categories) if len(categories) else np.zeros(0, np.uint64)
    return _per_row(per_category, _codes(frame, column), np.uint64(0))


def point_ids(frame: pd.DataFrame) -> np.ndarray:
    """Return each row's snap point id: a stable hash of its coordinates, location text and LSOA."""
    return _stable_hash(
        frame["Longitude"].to_numpy(), frame["Latitude"].to_numpy(),
        _hash_per_row(frame, "Location"), _hash_per_row(frame, "LSOA code"),
    ).view(np.int64)


def incident_keys(frame: pd.DataFrame) -> np.ndarray:
    """Return each row's key within its month: from the Crime ID, else from its content and occurrence.

    Identical ASB rows are real repeats, so the n-th copy of a row gets its own key (and the same one
    each time the file is imported).
    """
    content = _stable_hash(
        frame["point_id"].to_numpy(), _hash_per_row(frame, "Crime type"), _hash_per_row(frame, "Falls within"),
        _hash_per_row(frame, "Month"), pd.util.hash_array(frame["Context"].fillna("").to_numpy(dtype=object)),
    )
    occurrence = pd.Series(content).groupby(content).cumcount().to_numpy()
    by_content = _stable_hash(content, occurrence).view(np.int64)
    crime = frame["crime_key"].to_numpy()
    return np.where(crime != 0, crime, by_content)


def _drop_held(db: sqlite_utils.Database, frame: pd.DataFrame) -> pd.DataFrame:
    """Drop rows whose key the store already holds for that month (or that repeat within this file)."""
    month_codes = _codes(frame, "Month")
    frame = frame[~pd.DataFrame({"m": month_codes, "k": frame["key"].to_numpy()}).duplicated().to_numpy()]
    month_codes = _codes(frame, "Month")
    held = np.zeros(len(frame), dtype=bool)
    for code, month in enumerate(_categories(frame, "Month")):
        keys = _integers(db, "SELECT group_concat(key) FROM incidents WHERE month = ?", [month])
        if len(keys):
            held |= (month_codes == code) & np.isin(frame["key"].to_numpy(), keys)
    return frame[~held]


def _integers(db: sqlite_utils.Database, sql: str, params: list | None = None) -> np.ndarray:
    """Run a ``SELECT group_concat(...)`` and parse it with numpy: one string instead of a tuple per row."""
    text = db.execute(sql, params or []).fetchone()[0]
    return np.array(text.split(","), dtype=np.int64) if text else np.zeros(0, dtype=np.int64)


def _ids_for(db: sqlite_utils.Database, frame: pd.DataFrame, column: str, table: str) -> np.ndarray:
    """Map a categorical column to ids in a dictionary table, per row (None where the row has no value)."""
    categories = _categories(frame, column)
    ids = ensure_names(db, table, categories.tolist())
    return _per_row(np.array([ids[c] for c in categories], dtype=object), _codes(frame, column), None)


def _insert_incidents(db: sqlite_utils.Database, frame: pd.DataFrame, import_id: int) -> None:
    if frame.empty:
        return
    order = np.lexsort((frame["key"].to_numpy(), _codes(frame, "Month")))
    frame = frame.iloc[order]  # primary-key order, so SQLite appends to its B-tree
    insert_columns(
        db,
        "INSERT INTO incidents (month, key, category_id, point_id, outcome_id, force_id, context, import_id)",
        [
            _text_per_row(frame, "Month"), frame["key"].to_numpy(), _ids_for(db, frame, "Crime type", "categories"),
            frame["point_id"].to_numpy(), _ids_for(db, frame, "Last outcome category", "outcomes"),
            _ids_for(db, frame, "Falls within", "forces"), frame["Context"].to_numpy(dtype=object),
            np.full(len(frame), import_id),
        ],
    )


def _insert_points(db: sqlite_utils.Database, frame: pd.DataFrame) -> None:
    """Add the snap points the rows use that the store does not hold yet (most months reuse most points)."""
    points = frame.drop_duplicates("point_id")
    held = _integers(db, "SELECT group_concat(id) FROM points")
    points = points[~np.isin(points["point_id"].to_numpy(), held)].sort_values("point_id")
    if points.empty:
        return
    insert_columns(
        db,
        "INSERT INTO points (id, longitude, latitude, location, lsoa_code, district_code, csp_code, h3)",
        [
            points["point_id"].to_numpy(), points["Longitude"].to_numpy(), points["Latitude"].to_numpy(),
            *(_text_per_row(points, c) for c in ("Location", "LSOA code", "district_code", "csp_code")),
            h3_cells(points["Latitude"].to_numpy(), points["Longitude"].to_numpy()),
        ],
    )


def _text_per_row(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A categorical column as an object array of str (None where missing), gathered from its categories."""
    return _per_row(_categories(frame, column), _codes(frame, column), None)


def h3_cells(latitude: np.ndarray, longitude: np.ndarray, resolution: int = H3_RESOLUTION) -> np.ndarray:
    """Return the H3 cell (as a signed 64-bit integer) of each point, indexing each distinct point once."""
    points, inverse = np.unique(longitude + 1j * latitude, return_inverse=True)
    to_cell = h3.api.basic_int.latlng_to_cell
    cells = np.array([to_cell(p.imag, p.real, resolution) for p in points.tolist()], dtype=np.uint64)
    return cells[inverse.ravel()].view(np.int64)


def _add_to_monthly_counts(db: sqlite_utils.Database, frame: pd.DataFrame) -> None:
    """Add the rows this import added to the per-LSOA monthly counts, in primary-key order."""
    if frame.empty:
        return
    group = ["csp_code", "Crime type", "Month", "LSOA code"]
    counts = frame.groupby(group, observed=True, sort=True).agg(
        district_code=("district_code", "first"), count=("key", "size")
    ).reset_index()
    insert_columns(
        db,
        "INSERT INTO monthly_counts (csp_code, category, month, lsoa_code, district_code, count)",
        [*(_text_per_row(counts, c) for c in [*group, "district_code"]), counts["count"].to_numpy()],
        tail="ON CONFLICT DO UPDATE SET count = count + excluded.count",
    )


def _add_to_point_counts(db: sqlite_utils.Database, frame: pd.DataFrame) -> None:
    """Add the rows this import added to the counts per month, LSOA, category and snap point (for hot spot maps)."""
    if frame.empty:
        return
    months, month_rank = _ranked(frame, "Month")
    lsoas, lsoa_rank = _ranked(frame, "LSOA code")
    keys = pd.DataFrame({  # text as its rank in sorted order, so grouping sorts rows into primary-key order
        "month": month_rank, "lsoa": lsoa_rank,
        "category_id": _ids_for(db, frame, "Crime type", "categories").astype(np.int64),
        "point_id": frame["point_id"].to_numpy(),
    })
    counts = keys.groupby(list(keys.columns), sort=True).size().reset_index(name="count")
    insert_columns(
        db,
        "INSERT INTO point_monthly_counts (month, lsoa_code, category_id, point_id, count)",
        [months[counts["month"].to_numpy()], lsoas[counts["lsoa"].to_numpy()], counts["category_id"].to_numpy(),
         counts["point_id"].to_numpy(), counts["count"].to_numpy()],
        tail="ON CONFLICT DO UPDATE SET count = count + excluded.count",
    )


def _ranked(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """A categorical column's texts in sorted order (object array) and each row's rank among them."""
    # Sorted as Python strings: numpy's astype(str) would pad every text to the longest one's width (one 1 MB
    # LSOA code made each of a national file's 35,000 LSOA codes 4 MB).
    texts = _categories(frame, column)
    order = np.sort(texts)
    return order.astype(object), _per_row(np.searchsorted(order, texts), _codes(frame, column), -1)


def _record_rejects(db: sqlite_utils.Database, rejects: pd.DataFrame, summary: ImportSummary) -> None:
    summary.rows_rejected += len(rejects)
    for reason, count in rejects["reason"].value_counts().items():
        summary.rejected_by_reason[reason] = summary.rejected_by_reason.get(reason, 0) + int(count)
    columns = ["member", "row", "reason", "Month", "Crime type", "LSOA code", "LSOA name", "Longitude",
               "Latitude", "Location"]
    values = rejects[columns].astype(object)
    db.conn.executemany(
        "INSERT OR IGNORE INTO rejected_rows (sha256, import_id, file_name, member, row_number, reason, "
        "month, category, lsoa_code, lsoa_name, longitude, latitude, location) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (summary.sha256, summary.import_id, summary.file_name, r[0], int(r[1]), r[2],
             *(None if pd.isna(v) else str(v) for v in r[3:]))
            for r in values.itertuples(index=False, name=None)
        ],
    )
