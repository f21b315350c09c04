"""Files that are small as sent and enormous once read: the upload limits' test cases.

* :func:`newline_gzip` writes a gzip file that inflates to ``mib`` MiB of newlines (1 MiB
  sent per GiB inflated). Its deflate stream is one block repeated (each ends with a full
  flush, so every repeat is byte-identical), so writing 5 GiB takes no longer than
  writing 1 GiB of compressed bytes.
* :func:`workbook` writes a small valid ISTV workbook and can overwrite its declared
  ``<dimension ref>`` (to claim ``A1:XFD1048576``) or add a row of cells far past the
  headings (a dimension that lies).
"""

from __future__ import annotations

import gzip
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

HEADINGS = ["Arrival Date", "Arrival Time", "Assault Date", "Assault Time", "Assault Method",
            "Assault Method Other Description", "Assault Location Type",
            "Assault Location Description"]
ROW = ["05/01/2024", "23:40", "05/01/2024", "23:05", "Body part", "", "Street or public place",
       "o/s Tesco Mare St"]


def newline_gzip(path: Path, mib: int, *, exact_crc: bool = True, prefix: bytes = b"",
                 unit: bytes = b"\n") -> Path:
    """A gzip file of ``mib`` MiB of ``\\n`` (or of ``unit``, whose length divides 1 MiB),
    after ``prefix`` (a member of its own). With ``exact_crc=False`` the trailer's CRC is
    not computed (nothing that respects a limit reads that far)."""
    assert (1 << 20) % len(unit) == 0
    chunk = unit * ((1 << 20) // len(unit))
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    if exact_crc:
        for _ in range(mib):
            crc = zlib.crc32(chunk, crc)
    with path.open("wb") as out:
        if prefix:
            out.write(gzip.compress(prefix))
        out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")
        for _ in range(mib):
            out.write(block)
        out.write(b"\x03\x00")  # an empty final block
        out.write(struct.pack("<II", crc, (mib << 20) & 0xFFFFFFFF))
    return path


def workbook(path: Path, *, dimension: str | None = None, far_cells: int = 0,
             far_column: str = "J", rows: int = 1) -> Path:
    """An ISTV workbook (header block, headings, ``rows`` records). ``dimension`` replaces
    the sheet's declared range; ``far_cells`` adds that many cells in ``far_column`` to
    the last row."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Site code of treatment", "RAL01"])
    sheet.append(["Reporting period start date", "01/01/2024"])
    sheet.append(["Reporting period end date", "31/01/2024"])
    sheet.append(HEADINGS)
    for _ in range(rows):
        sheet.append(ROW)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                if dimension:
                    text = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"',
                                  text)
                if far_cells:
                    cell = f'<c r="{far_column}{4 + rows}" t="inlineStr"><is><t>x</t></is></c>'
                    cells = cell * far_cells
                    text = text.replace("</row></sheetData>", cells + "</row></sheetData>")
                data = text.encode()
            target.writestr(info.filename, data)
    return path
