"""Import area boundaries from GeoJSON (optionally gzipped): polygons, bounding boxes and the areas they name.

Accepted layouts (property names are matched case-insensitively; see docs/formats.md):

* ONS: ``LSOA11CD``/``LSOA11NM`` (optional ``lad11cd``/``lad11nm``, ``csp17cd``/``csp17nm``, ``pfa17nm``),
  ``LADyyCD``/``LADyyNM`` (optional CSP and force columns), ``CSPyyCD``/``CSPyyNM`` (optional ``PFAyyNM``),
  ``CTYyyCD``/``CTYyyNM``, ``PFAyyCD``/``PFAyyNM``. The lowest level present is what the polygon outlines;
  higher levels become its ancestors.
* Generic: ``code``, ``name``, ``kind`` (lsoa/district/csp/county/force) and optional ``parent_code``.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, overload

import sqlite_utils

from lib.core import areas as area_model
from lib.core.areas import Area
from lib.core.import_kinds import BOUNDARIES
from lib.core.land_area import boundary_hectares
from lib.importers.area_files import (
    LAD11_TO_LAD17,
    LEVELS,
    ONS_PREFIX_KINDS,
    PARENT_KINDS,
    add_areas,
    adopt_provisional_forces,
    clean_district_name,
    force_code_for_name,
    forces_by_name,
    held_areas,
    kind_from_code,
    refresh_derived_bboxes,
)
from lib.importers.base import ImportFileError, ImportSummary, import_transaction, open_unpacked, readable_name

DECIMALS = 5  # about 1 m: finer than the generalised boundaries themselves, and keeps the store small
_ONS_PROPERTY = re.compile(r"^(lsoa|lad|csp|cty|pfa)(\d{2})(cd|nm)$")


@dataclass(frozen=True)
class _Columns:
    """The properties one level of the hierarchy is read from (original spelling, for messages)."""

    kind: str
    code: str | None
    name: str | None
    vintage: int | None = None


@dataclass
class _Feature:
    number: int
    area: Area
    column: str  # the property the area's code came from, for messages
    ancestors: list[tuple[Area, str]]  # (area, property it came from), lowest first
    geojson: str
    bbox: tuple[float, float, float, float]


def import_boundaries(db: sqlite_utils.Database, path: str | Path) -> ImportSummary:
    """Import a GeoJSON boundary file: create/update its areas, store polygons and bounding boxes."""
    path = Path(path)
    collection = _load(path)
    with import_transaction(db, BOUNDARIES, path) as summary:
        features = _parse_features(db, summary.file_name, collection)
        summary.rows_read = len(features)
        _write(db, summary.file_name, features, summary)
        adopt_provisional_forces(db)
        area_model.adopt_provisional_areas(db)
        # Last, so districts that just took over a provisional district's LSOAs get their boxes too.
        refresh_derived_bboxes(db)
    return summary


def _load(path: Path) -> list[dict[str, Any]]:
    """Return the features of a GeoJSON file, checking the outer structure and the coordinate system."""
    name = readable_name(path)
    try:
        with open(path, "rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"
        with open_unpacked(path, gzipped, name) as handle:
            data = json.load(handle)
    # zlib.error: damaged gzip data; RecursionError: arrays nested thousands deep.
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError, zlib.error, RecursionError) as error:
        raise ImportFileError(name, f"not a readable GeoJSON file: {error}") from error
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ImportFileError(name, "expected a GeoJSON FeatureCollection")
    crs = json.dumps(data.get("crs") or {})
    if re.search(r"EPSG:{1,2}(27700|3857)", crs):
        raise ImportFileError(name, f"coordinates must be WGS84 longitude/latitude (EPSG:4326): {crs}")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise ImportFileError(name, "the file has no features")
    return features


def _layout(file: str, properties: dict[str, Any]) -> list[_Columns]:
    """Work out from the first feature's property names which levels the file gives, lowest first."""
    lower = {key.lower(): key for key in properties}
    if {"code", "name", "kind"} <= lower.keys():
        return [_Columns("generic", lower["code"], lower["name"])]
    found: dict[str, dict[str, Any]] = {}
    for low, original in lower.items():
        match = _ONS_PROPERTY.match(low)
        if not match:
            continue
        prefix, year, part = match.group(1), int(match.group(2)), match.group(3)
        slot = found.setdefault(prefix, {})
        # Where a file carries two vintages (lad11cd and lad17cd), use the newer one.
        if part == "cd" and year >= slot.get("year", -1):
            slot.update(code=original, year=year)
        elif part == "nm" and year >= slot.get("name_year", -1):
            slot.update(name=original, name_year=year)
    layout: list[_Columns] = []
    for prefix in ("lsoa", "lad", "csp", "cty", "pfa"):
        slot = found.get(prefix, {})
        if not slot:
            continue
        if not layout:
            if "code" not in slot or "name" not in slot:
                continue
        elif "code" not in slot and not (prefix == "pfa" and "name" in slot):
            continue  # an ancestor named without a code is of no use, except a force (matched by name)
        layout.append(_Columns(ONS_PREFIX_KINDS[prefix], slot.get("code"), slot.get("name"), slot.get("year")))
    if not layout:
        raise ImportFileError(
            file,
            "cannot tell what the polygons are: expected properties LSOA11CD/LSOA11NM, LADyyCD/LADyyNM, "
            f"CSPyyCD/CSPyyNM, or code/name/kind; found {', '.join(properties) or 'none'}",
            row=1,
        )
    return layout


@overload
def _text(file: str, number: int, properties: dict[str, Any], key: str | None, required: Literal[True]) -> str: ...
@overload
def _text(file: str, number: int, properties: dict[str, Any], key: str | None, required: bool) -> str | None: ...
def _text(file: str, number: int, properties: dict[str, Any], key: str | None, required: bool) -> str | None:
    """A property's text (looked up lower-cased, named as the file spells it), or None when blank."""
    value = properties.get(key.lower()) if key else None
    text = "" if value is None else " ".join(str(value).split())
    if not _storable(text):
        raise ImportFileError(
            file, f"feature {number}: property {key} holds text that is not valid Unicode", row=number, column=key
        )
    if not text:
        if required:
            raise ImportFileError(
                file, f"feature {number}: property {key} is missing or empty", row=number, column=key
            )
        return None
    return text


def _storable(text: str) -> bool:
    """Whether text can be stored: JSON's \\ud800 escapes give lone surrogates, which UTF-8 cannot hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _parse_features(db: sqlite_utils.Database, file: str, collection: list[dict[str, Any]]) -> list[_Feature]:
    """Validate every feature and turn it into areas plus a rounded geometry."""
    first = collection[0].get("properties") if isinstance(collection[0], dict) else None
    layout = _layout(file, first or {})
    held = held_areas(db)
    forces = forces_by_name(held)
    parsed: list[_Feature] = []
    for number, feature in enumerate(collection, start=1):
        if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
            raise ImportFileError(file, f"feature {number} has no properties", row=number)
        lower = {key.lower(): value for key, value in feature["properties"].items()}
        areas_found = _areas_of(file, number, lower, layout, held, forces)
        geojson, bbox = _clean_geometry(file, number, areas_found[0][0].code, feature.get("geometry"))
        parsed.append(_Feature(number, areas_found[0][0], areas_found[0][1], areas_found[1:], geojson, bbox))
    return parsed


def _areas_of(
    file: str,
    number: int,
    props: dict[str, Any],
    layout: list[_Columns],
    held: dict[str, Area],
    forces: dict[str, str],
) -> list[tuple[Area, str]]:
    """Return the feature's own area followed by its ancestors, each with the property it came from."""
    if layout[0].kind == "generic":
        return [(_generic_area(file, number, props), "code")]
    chain: list[tuple[Area, str]] = []
    for index, columns in enumerate(layout):
        own = index == 0
        code = _text(file, number, props, columns.code, own)
        name = _text(file, number, props, columns.name, own or code is not None)
        if own and code is None:
            raise ImportFileError(file, f"feature {number}: no code", row=number, column=columns.code)
        provisional = False
        if code is None:
            if columns.kind != "force" or name is None:
                continue  # this feature does not name that ancestor
            code, provisional = force_code_for_name(forces, name)
        elif name is None:
            held_area = held.get(code)
            if held_area is None:
                raise ImportFileError(
                    file,
                    f"feature {number}: property {columns.name} is missing or empty",
                    row=number,
                    column=columns.name,
                )
            name = held_area.name
        if columns.kind == "district":
            if columns.vintage is not None and columns.vintage < 17:
                code = LAD11_TO_LAD17.get(code, code)
            name = clean_district_name(name)
        expected = kind_from_code(code)
        if expected is not None and expected != columns.kind:
            raise ImportFileError(
                file,
                f"feature {number}: {code} is a {expected} code, not a {columns.kind}",
                row=number,
                column=columns.code,
            )
        chain.append((Area(code, name, columns.kind, None, provisional), columns.code or columns.name or ""))
    # Each area's parent is the next level up that the feature names.
    linked = []
    for index, (area, column) in enumerate(chain):
        parent = chain[index + 1][0].code if index + 1 < len(chain) else None
        linked.append((Area(area.code, area.name, area.kind, parent, area.provisional), column))
    return linked


def _generic_area(file: str, number: int, props: dict[str, Any]) -> Area:
    """The one area of a feature in the generic layout (code, name, kind and an optional parent_code)."""
    code = _text(file, number, props, "code", True)
    name = _text(file, number, props, "name", True)
    kind = (_text(file, number, props, "kind", True) or "").lower()
    if kind not in LEVELS:
        raise ImportFileError(
            file,
            f"feature {number}: kind {kind!r} is not one of {', '.join(LEVELS)}",
            row=number,
            column="kind",
        )
    parent = _text(file, number, props, "parent_code", False)
    expected = kind_from_code(code)
    if expected is not None and expected != kind:
        raise ImportFileError(
            file,
            f"feature {number}: {code} is a {expected} code, not a {kind}",
            row=number,
            column="kind",
        )
    if kind == "district":
        name = clean_district_name(name)
    return Area(code, name, kind, parent)


def _clean_geometry(
    file: str, number: int, code: str, geometry: Any
) -> tuple[str, tuple[float, float, float, float]]:
    """Check a Polygon/MultiPolygon, round it to DECIMALS, and return compact GeoJSON and its bbox."""

    def fail(problem: str) -> ImportFileError:
        return ImportFileError(file, f"feature {number} ({code}): {problem}", row=number, column="geometry")

    if not isinstance(geometry, dict):
        raise fail("it has no geometry")
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    polygons: list[Any] | None
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon":
        polygons = coordinates if isinstance(coordinates, list) else None
    else:
        raise fail(f"geometry type {kind!r} is not Polygon or MultiPolygon")
    if not polygons:
        raise fail("the geometry has no coordinates")
    bounds = [math.inf, math.inf, -math.inf, -math.inf]
    cleaned = [_clean_polygon(polygon, bounds, fail) for polygon in polygons]
    rounded: dict[str, Any] = (
        {"type": "Polygon", "coordinates": cleaned[0]}
        if kind == "Polygon"
        else {"type": "MultiPolygon", "coordinates": cleaned}
    )
    return json.dumps(rounded, separators=(",", ":")), (bounds[0], bounds[1], bounds[2], bounds[3])


def _clean_polygon(polygon: Any, bounds: list[float], fail: Any) -> list[list[list[float]]]:
    if not isinstance(polygon, list) or not polygon:
        raise fail("a polygon has no rings")
    rings = []
    for ring in polygon:
        if not isinstance(ring, list) or len(ring) < 4:
            raise fail("a ring has fewer than 4 positions")
        points = []
        for position in ring:
            if (
                not isinstance(position, list | tuple)
                or len(position) < 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position[:2])
            ):
                raise fail(f"position {position!r} is not a pair of numbers")
            try:
                lon, lat = float(position[0]), float(position[1])
            except OverflowError:  # a JSON integer too long for a float
                lon = lat = math.nan
            if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
                raise fail(f"position {position!r} is not a WGS84 longitude/latitude")
            points.append([round(lon, DECIMALS), round(lat, DECIMALS)])
        if points[0] != points[-1]:
            raise fail("a ring is not closed (its first and last positions differ)")
        # Rounding can make neighbours coincide; drop the repeats unless that would break the ring.
        deduped = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
        ring_out = deduped if len(deduped) >= 4 else points
        for lon, lat in ring_out:
            bounds[0], bounds[1] = min(bounds[0], lon), min(bounds[1], lat)
            bounds[2], bounds[3] = max(bounds[2], lon), max(bounds[3], lat)
        rings.append(ring_out)
    return rings


def _write(db: sqlite_utils.Database, file: str, features: list[_Feature], summary: ImportSummary) -> None:
    """Check the areas against each other and the store, then write areas, bboxes and polygons."""
    held = held_areas(db)
    in_file: dict[str, tuple[Area, int, str]] = {}
    own_codes: dict[str, int] = {}
    for feature in features:
        if feature.area.code in own_codes:
            raise ImportFileError(
                file,
                f"feature {feature.number}: {feature.area.code} already outlined by feature "
                f"{own_codes[feature.area.code]}",
                row=feature.number,
            )
        own_codes[feature.area.code] = feature.number
        for area, column in [(feature.area, feature.column), *feature.ancestors]:
            _check_area(file, feature.number, column, area, held, in_file)
    for area, number, _column in in_file.values():
        if area.parent_code is None:
            continue
        parent = in_file.get(area.parent_code, (held.get(area.parent_code), 0, ""))[0]
        if parent is None:
            raise ImportFileError(
                file,
                f"feature {number}: parent {area.parent_code} is neither in the file nor in the store",
                row=number,
                column="parent_code",
            )
        if parent.kind not in PARENT_KINDS[area.kind]:
            raise ImportFileError(
                file,
                f"feature {number}: a {area.kind} cannot sit in a {parent.kind} ({parent.code})",
                row=number,
                column="parent_code",
            )
    # Ancestors first is not needed (no foreign key on parent_code) but reads naturally.
    add_areas(db, [area for area, _, _ in in_file.values()])
    db.conn.executemany(
        "UPDATE areas SET min_lon = ?, min_lat = ?, max_lon = ?, max_lat = ? WHERE code = ?",
        [(*f.bbox, f.area.code) for f in features],
    )
    stored = dict(db.execute("SELECT area_code, geojson FROM boundaries").fetchall())
    changed = [f for f in features if stored.get(f.area.code) != f.geojson]
    hectares = boundary_hectares([f.geojson for f in changed])
    db.conn.executemany(
        "INSERT INTO boundaries (area_code, geojson, source, hectares) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(area_code) DO UPDATE SET geojson = excluded.geojson, source = excluded.source, "
        "hectares = excluded.hectares",
        [(f.area.code, f.geojson, file, area) for f, area in zip(changed, hectares, strict=True)],
    )
    new_areas = {code for code in in_file if code not in held}
    summary.rows_accepted = sum(
        1 for f in features if stored.get(f.area.code) != f.geojson or f.area.code in new_areas
    )
    summary.rows_duplicate = summary.rows_read - summary.rows_accepted


def _check_area(
    file: str,
    number: int,
    column: str,
    area: Area,
    held: dict[str, Area],
    in_file: dict[str, tuple[Area, int, str]],
) -> None:
    """Refuse an area whose kind or parent disagrees with the store or with an earlier feature."""
    known = held.get(area.code)
    if known is not None and known.kind != area.kind:
        raise ImportFileError(
            file,
            f"feature {number}: {area.code} is held as a {known.kind}, not a {area.kind}",
            row=number,
            column=column,
        )
    seen = in_file.get(area.code)
    if seen is None:
        in_file[area.code] = (area, number, column)
        return
    earlier = seen[0]
    if earlier.kind != area.kind:
        raise ImportFileError(
            file,
            f"feature {number}: {area.code} is a {area.kind} here but a {earlier.kind} in feature {seen[1]}",
            row=number,
            column=column,
        )
    if area.parent_code and earlier.parent_code and area.parent_code != earlier.parent_code:
        raise ImportFileError(
            file,
            f"feature {number}: {area.code} sits in {area.parent_code} here but in "
            f"{earlier.parent_code} in feature {seen[1]}",
            row=number,
            column=column,
        )
    if area.parent_code and not earlier.parent_code:
        in_file[area.code] = (area, seen[1], seen[2])
