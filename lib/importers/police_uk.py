"""Import police.uk street-level crime and ASB files into the store.

Accepts street CSVs, ``.csv.gz``, and the monthly bulk archive zip (only its ``*-street.csv`` members), as read by
``lib.importers.street_files``. Each file is one transaction. Rows that cannot be placed (no coordinates, a bad month
or one after today, an LSOA no lookup knows, a point far outside its LSOA's district) are rejected with a reason and
kept in ``rejected_rows``; a file that is not a police.uk street file at all fails whole with an error naming the row
and column, and leaves the store as it was.

Each incident's key (unique within its month) is a 64-bit hash: of the Crime ID for crimes; of the row's
content and its occurrence number among identical rows for ASB (which has no Crime ID and often repeats exactly), so
importing the same rows again adds nothing while genuine repeats are all kept.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import sqlite_utils

from lib.core.areas import resolve_lsoas
from lib.core.import_kinds import POLICE_UK
from lib.core.periods import is_month
from lib.importers.base import ImportSummary, Progress, ensure_names, file_sha256, import_transaction, insert_columns
from lib.importers.street_files import read_street_table, sources_in, street_frame
from lib.store.db import set_meta

H3_RESOLUTION = 10
# Points further than this outside their district's boundary box are treated as mis-geocoded.
BBOX_MARGIN_DEGREES = 0.05
# Without boundaries, a point this far from the median of its district's rows is mis-geocoded (the
# largest districts, such as Northumberland, reach about 70 km from their middle).
FAR_FROM_DISTRICT_KM = 100.0
# Why a row is rejected, and the column that says so (kept with the row in rejected_rows).
NO_COORDINATES, COORDINATES_OUT_OF_RANGE = "no coordinates", "coordinates out of range"
BAD_MONTH, FUTURE_MONTH = "bad month", "month after today"
NO_LSOA, UNKNOWN_LSOA = "no LSOA", "LSOA in no lookup or boundaries held"
NO_CRIME_TYPE, FAR_FROM_DISTRICT = "no crime type", "far outside its district"
REJECT_COLUMNS = {
    NO_COORDINATES: "Longitude", COORDINATES_OUT_OF_RANGE: "Longitude", BAD_MONTH: "Month", FUTURE_MONTH: "Month",
    NO_LSOA: "LSOA code", UNKNOWN_LSOA: "LSOA name", NO_CRIME_TYPE: "Crime type", FAR_FROM_DISTRICT: "Longitude",
}


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
    sources = list(sources_in(path))
    report(0.0, f"reading {path.name}")
    # The file's checksum and the members of a bulk archive are worked out side by side (hashing, unzipping
    # and parsing release the GIL); the members are then imported as one frame, so that each look-up
    # against the store is made once per file, not once per member.
    with ThreadPoolExecutor(max_workers=2) as pool:
        sha256 = pool.submit(file_sha256, path)
        tables = list(pool.map(lambda source: read_street_table(source.open_bytes(), source), sources))
        frame = street_frame(tables)
        checksum = sha256.result()
    with import_transaction(db, POLICE_UK, path, sha256=checksum, clock=clock) as summary:
        report(0.4, f"importing {path.name}")
        set_meta(db, "h3_resolution", str(H3_RESOLUTION))
        _import_frame(db, frame, summary)
    return summary


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
    new, held = _split_held(db, frame)
    summary.rows_duplicate += len(frame) - len(new)
    summary.rows_accepted += len(new)
    summary.rows_updated += _update_outcomes(db, held)
    _insert_points(db, new)
    assert summary.import_id is not None  # import_transaction numbers the import before its body runs
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
    return np.append(per_category, np.asarray(missing))[codes]  # code -1 picks the appended value


def _reject_reasons(db: sqlite_utils.Database, frame: pd.DataFrame) -> np.ndarray:
    """Return a reason per row ('' for rows to keep): the first rule a row breaks, in order."""
    lon, lat = frame["Longitude"].to_numpy(), frame["Latitude"].to_numpy()
    months = _categories(frame, "Month")
    bad_month_codes = [i for i, m in enumerate(months) if not is_month(m)]
    month_codes = _codes(frame, "Month")
    # A month after today is a typo (2029 for 2019): kept, it would make every page default to a year of zeros.
    today = this_month()
    future_month_codes = [i for i, m in enumerate(months) if i not in bad_month_codes and m > today]
    rules = [
        (NO_COORDINATES, np.isnan(lon) | np.isnan(lat)),
        (COORDINATES_OUT_OF_RANGE, (np.abs(lat) > 90) | (np.abs(lon) > 180)),
        (BAD_MONTH, (month_codes < 0) | np.isin(month_codes, bad_month_codes)),
        (FUTURE_MONTH, np.isin(month_codes, future_month_codes)),
        (NO_LSOA, (_codes(frame, "LSOA code") < 0) | (_codes(frame, "LSOA name") < 0)),
        (UNKNOWN_LSOA, _codes(frame, "district_code") < 0),
        (NO_CRIME_TYPE, _codes(frame, "Crime type") < 0),
    ]
    reasons = np.full(len(frame), "", dtype=object)
    for reason, broken in rules:
        reasons[(reasons == "") & broken] = reason
    far = _far_from_district(db, frame, reasons == "")
    reasons[(reasons == "") & far] = FAR_FROM_DISTRICT
    return reasons


def this_month() -> str:
    """The current month (UTC) as YYYY-MM: no police.uk record can be dated after it."""
    return datetime.now(UTC).strftime("%Y-%m")


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
    each time the file is imported). police.uk also publishes some Crime IDs on two rows of a month (another
    LSOA or place) and counts both: the first place keeps the Crime ID's key, the others get a key of the ID and
    their place in a stable order (by snap point), so every file holding the month gives the same keys.
    """
    content = _stable_hash(
        frame["point_id"].to_numpy(), _hash_per_row(frame, "Crime type"), _hash_per_row(frame, "Falls within"),
        _hash_per_row(frame, "Month"), pd.util.hash_array(frame["Context"].fillna("").to_numpy(dtype=object)),
    )
    occurrence = pd.Series(content).groupby(content).cumcount().to_numpy()
    by_content = _stable_hash(content, occurrence).view(np.int64)
    crime = _crime_keys_by_occurrence(frame)
    return np.where(crime != 0, crime, by_content)


def _crime_keys_by_occurrence(frame: pd.DataFrame) -> np.ndarray:
    """Each row's Crime ID key, made distinct for each further place one Crime ID has in one month.

    Copies of a row at the same place stay one record (they share a key, and the copies are dropped as held).
    """
    keys = frame["crime_key"].to_numpy().copy()
    ids = pd.DataFrame({"month": _codes(frame, "Month"), "crime": keys, "point": frame["point_id"].to_numpy()})
    is_shared = (keys != 0) & ids.duplicated(["month", "crime"], keep=False).to_numpy()
    if not is_shared.any():
        return keys
    shared = ids[is_shared]
    # The places of one Crime ID in order of their snap point ids: the same order in every file holding the month.
    place = shared.groupby(["month", "crime"])["point"].rank(method="dense").to_numpy().astype(np.int64) - 1
    later = place > 0
    rows = np.flatnonzero(is_shared)[later]
    keys[rows] = _stable_hash(shared["crime"].to_numpy()[later], place[later]).view(np.int64)
    return keys


def _split_held(db: sqlite_utils.Database, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into those new to the store and those whose key it already holds for that month (rows that
    repeat a key within this file are dropped)."""
    month_codes = _codes(frame, "Month")
    frame = frame[~pd.DataFrame({"m": month_codes, "k": frame["key"].to_numpy()}).duplicated().to_numpy()]
    month_codes = _codes(frame, "Month")
    held = np.zeros(len(frame), dtype=bool)
    for code, month in enumerate(_categories(frame, "Month")):
        keys = _integers(db, "SELECT group_concat(key) FROM incidents WHERE month = ?", [month])
        if len(keys):
            held |= (month_codes == code) & np.isin(frame["key"].to_numpy(), keys)
    return frame[~held], frame[held]


def _update_outcomes(db: sqlite_utils.Database, held: pd.DataFrame) -> int:
    """Bring held crimes' last outcome up to date from a re-published month; returns how many changed."""
    crimes = held[held["crime_key"].to_numpy() != 0]
    if crimes.empty:
        return 0
    incoming = _ids_for(db, crimes, "Last outcome category", "outcomes")
    incoming = np.array([0 if o is None else o for o in incoming], dtype=np.int64)  # 0: no outcome yet
    month_codes, keys = _codes(crimes, "Month"), crimes["key"].to_numpy()
    changed: list[tuple[int | None, str, int]] = []
    for code, month in enumerate(_categories(crimes, "Month")):
        rows = month_codes == code
        if not rows.any():
            continue
        # One query, two aggregates over the same rows in the same order: keys and outcomes line up.
        stored_keys, stored_outcomes = (
            np.array(text.split(","), dtype=np.int64)
            for text in db.execute(
                "SELECT group_concat(key), group_concat(COALESCE(outcome_id, 0)) FROM incidents WHERE month = ?",
                [month],
            ).fetchone()
        )
        order = np.argsort(stored_keys)
        at = order[np.searchsorted(stored_keys, keys[rows], sorter=order)]
        differs = stored_outcomes[at] != incoming[rows]
        changed += [(int(o) or None, month, int(k)) for o, k in zip(incoming[rows][differs], keys[rows][differs],
                                                                     strict=True)]
    db.conn.executemany("UPDATE incidents SET outcome_id = ? WHERE month = ? AND key = ?", changed)
    return len(changed)


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
        "column_name, month, category, lsoa_code, lsoa_name, longitude, latitude, location) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (summary.sha256, summary.import_id, summary.file_name, r[0], int(r[1]), r[2], REJECT_COLUMNS.get(r[2]),
             *(None if pd.isna(v) else str(v) for v in r[3:]))
            for r in values.itertuples(index=False, name=None)
        ],
    )
