"""Reading the CSV files every importer shares (``lib.importers.area_files.read_table``): lines as an editor numbers
them, and a file cut short refused rather than read with blanks."""

from __future__ import annotations

import gzip

import pytest

from lib.importers.area_files import read_table
from lib.importers.base import ImportFileError

HEADER = "csp_code,measure,commentary\n"


def write(path, text: str, packed: bool = False):
    if packed:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_rows_are_numbered_by_their_line_with_blank_lines_skipped_and_empty_cells_kept(tmp_path):
    text = HEADER + "E1,Reduce ASB,\n\nE2,\"Two\nlines\",On track\n  ,  ,  \nE3,Third,\n"
    frame = read_table(write(tmp_path / "t.csv", text))
    assert [2, 4, 7] == list(frame.index)  # the quoted cell over two lines moves E3 to line 7
    assert ["", "On track", ""] == list(frame["commentary"])


@pytest.mark.parametrize("packed", [False, True])
def test_a_record_with_fewer_fields_than_the_header_is_refused_naming_its_line(tmp_path, packed):
    text = HEADER + "E1,Reduce ASB,\nE2,Reduce burglary by 5% compared with 2025/26,Fine\nE3,Reduce crim"
    with pytest.raises(ImportFileError) as caught:
        read_table(write(tmp_path / ("t.csv.gz" if packed else "t.csv"), text, packed))
    assert 4 == caught.value.row
    assert "this line has 2 fields but the header has 3" in caught.value.message


def test_a_file_cut_inside_a_quoted_value_is_refused_naming_where_the_value_starts(tmp_path):
    text = HEADER + "E1,Reduce ASB,\nE2,\"Deliver 1,600 home safety vis"
    with pytest.raises(ImportFileError) as caught:
        read_table(write(tmp_path / "t.csv", text))
    assert (3, "a quoted value is never closed (is the file cut short?)") == (caught.value.row, caught.value.message)


def test_a_record_with_more_fields_than_the_header_is_refused_naming_its_line(tmp_path):
    with pytest.raises(ImportFileError) as caught:
        read_table(write(tmp_path / "t.csv", HEADER + "E1,a,b\nE2,Reduce ASB, burglary,\n"))
    assert 3 == caught.value.row and "has 4 fields but the header has 3" in caught.value.message
