"""Reports of the wiping tools, written by the tests themselves: nwipe logs, Blancco XML and CSV exports.

Shaped as the tools write them (nwipe's « Drive Status » table and « Total Throughput » line; Blancco's
``<entries name="erasure">`` with ``<entry name="…">`` values); every value is given by the test.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from xml.sax.saxutils import escape


@dataclass
class Drive:
    serial: str
    model: str = "ST500DM002-1BD14"
    device: str = "sda"
    status: str = "Erased"  # nwipe: Erased, -FAILED-, UABORTED; Blancco: Successful, Failed
    duration: datetime.timedelta = datetime.timedelta(hours=1, minutes=8, seconds=42)


def nwipe_log(
    *drives: Drive,
    method: str = "DoD Short",
    verify: str = "VL",
    ended: datetime.datetime = datetime.datetime(2026, 3, 2, 11, 32, 32),
    started: datetime.datetime | None = None,
    version: str = "0.35",
) -> bytes:
    """An nwipe log of one session; ``started``: add the « Invoking method » lines (one per drive)."""
    stamp = "%Y/%m/%d %H:%M:%S"
    lines = [
        f"[{(started or ended - datetime.timedelta(hours=2)).strftime(stamp)}] notice: nwipe {version}",
        f"[{(started or ended - datetime.timedelta(hours=2)).strftime(stamp)}] info: Linux version 6.1.0-18-amd64",
    ]
    for drive in drives:
        if started:
            lines.append(f"[{started.strftime(stamp)}] notice: Invoking method '{method}' on /dev/{drive.device}")
    lines += [
        "",
        "******************************** Error Summary *********************************",
        "!   Device | Pass Errors | Verifications Errors | Fdatasync I\\O Errors",
        "--------------------------------------------------------------------------------",
    ]
    for drive in drives:
        lines.append(f"     {drive.device} |           0 |                    0 |                    0")
    lines += [
        "********************************************************************************",
        "",
        "********************************* Drive Status *********************************",
        "!   Device | Status | Thru-put | HH:MM:SS | Model/Serial Number",
        "--------------------------------------------------------------------------------",
    ]
    for drive in drives:
        seconds = int(drive.duration.total_seconds())
        flag = " " if drive.status == "Erased" else "!"
        status = {"Erased": " Erased ", "FAILED": "-FAILED-"}.get(drive.status, drive.status)
        lines.append(
            f"{flag}    {drive.device} |{status}|  130MB/s | {seconds // 3600:02}:{seconds % 3600 // 60:02}:"
            f"{seconds % 60:02} | {drive.model}/{drive.serial}"
        )
    lines += [
        "--------------------------------------------------------------------------------",
        f"[{ended.strftime(stamp)}] Total Throughput 130MB/s, {method}, 1R+B+{verify}",
        "********************************************************************************",
        "",
    ]
    return "\n".join(lines).encode()


def blancco_xml(
    *drives: Drive,
    standard: str = "NIST 800-88 Purge",
    started: str = "2026-03-02T09:00:00+0100",
    ended: str = "2026-03-02T09:41:10+0100",
    document_id: str = "7f3c2a10-5b1e-4c1d-9a7e-0c2b7d5e9f01",
    verification: str = "Full verification",
    version: str = "7.9.0",
) -> bytes:
    erasures = "".join(
        f"""
          <entries name="erasure">
            <entry name="erasure_standard_name" type="string">{escape(standard)}</entry>
            <entry name="start_time" type="string">{started}</entry>
            <entry name="end_time" type="string">{ended}</entry>
            <entry name="state" type="string">{escape("Successful" if d.status == "Erased" else d.status)}</entry>
            <entry name="verification" type="string">{escape(verification)}</entry>
            <entries name="target">
              <entry name="vendor" type="string">Samsung</entry>
              <entry name="model" type="string">{escape(d.model)}</entry>
              <entry name="serial" type="string">{escape(d.serial)}</entry>
              <entry name="capacity" type="uint">256060514304</entry>
            </entries>
          </entries>"""
        for d in drives
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<root>
  <report>
    <blancco_data>
      <description>
        <document_id>{document_id}</document_id>
        <description_entries>
          <entry name="product_name" type="string">Blancco Drive Eraser</entry>
          <entry name="product_version" type="string">{version}</entry>
        </description_entries>
      </description>
      <blancco_erasure_report>
        <entries name="erasures">{erasures}
        </entries>
      </blancco_erasure_report>
    </blancco_data>
  </report>
</root>
""".encode()


def blancco_csv(*rows: dict, delimiter: str = ";") -> bytes:
    """A Blancco CSV export: French headers with ``;`` (as Excel writes in France), or English ones."""
    if delimiter == ";":
        headers = [
            "Numéro de série du disque",
            "Modèle",
            "Norme",
            "Début",
            "Fin",
            "Vérification",
            "Résultat",
            "Report UUID",
            "Product version",
        ]
        keys = ["serial", "model", "standard", "start", "end", "verification", "result", "uuid", "version"]
    else:
        headers = [
            "Disk Serial",
            "Disk Model",
            "Erasure Standard",
            "Start Time",
            "End Time",
            "Verification",
            "State",
            "Report UUID",
            "Product Version",
        ]
        keys = ["serial", "model", "standard", "start", "end", "verification", "result", "uuid", "version"]
    defaults = {
        "model": "Samsung SSD 860",
        "standard": "Blancco SSD Erasure",
        "start": "02/03/2026 09:00:00",
        "end": "02/03/2026 09:12:30",
        "verification": "100 %",
        "result": "Successful",
        "uuid": "",
        "version": "7.9.0",
    }
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        values = {**defaults, **row}
        writer.writerow([str(values[k]) for k in keys])
    return out.getvalue().encode()
