"""What an import may open, and how much of it: the rules that keep a hostile file harmless.

GDAL picks its driver by a file's content, not by its name: an ``OGRVRTDataSource`` saved as
``.gml`` opens as a VRT, whose sources may be any file or database the process can reach (the
live Clearground database, ``/etc/passwd``) or a URL. So every file is checked here before any
reader sees it:

- **Formats by allow-list.** Vector files: GeoPackage, GeoJSON, Shapefile (``.shp`` or a
  ``.zip`` of its parts), KML/KMZ and FlatGeobuf; tables: CSV/TSV and XLSX; record forms: YAML,
  JSON and a ``.zip`` of CSV tables. Never VRT, GML, SQLite or any other database, nor
  anything that follows references to other files or the network.
- **Content matches the name.** Each format's signature is checked (GeoPackage's SQLite
  header and application id, GeoJSON's opening brace, KML's root element without a DOCTYPE
  or entities, FlatGeobuf's and Shapefile's magic numbers, a zip's central directory).
- **Zips are unpacked by us**, member by member, into an empty folder: only the parts an
  allowed format needs, no paths that climb out, at most ``unpacked_bytes`` in all (counted
  while unpacking, not taken from the header).
- **Uploads are read in a child process** (:func:`run_limited`) started afresh for each file,
  working in the upload's own empty folder, with GDAL's other drivers switched off, network
  access refused, and limits on memory and time.

Limits come from :class:`Limits` (settings in the environment, see docs/SECURITY.md).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import threading
import traceback
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from clearground.domain.errors import BadInput, TooLarge

MIB = 1024 * 1024
ALLOWED_DRIVERS = frozenset({"GPKG", "GeoJSON", "ESRI Shapefile", "KML", "FlatGeobuf"})
"""The only GDAL drivers an upload's reader has (KML is the expat reader, not LIBKML, which
can follow network links)."""
SHAPEFILE_PARTS = frozenset({".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx"})
ZIPPED_VECTORS = frozenset({".gpkg", ".geojson", ".json", ".kml", ".fgb"})
FORM_PARTS = frozenset({".csv"})
GDAL_SAFE_OPTIONS = {
    # nothing reaches the network: /vsicurl only for an extension no file has, no retries
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".clearground-no-network",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_PROXY": "127.0.0.1:9",
    "CPL_CURL_ENABLE_VSIMEM": "NO",
    # no side files written next to the upload, no reading of folders around it
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "OGR_SQLITE_JOURNAL": "OFF",
    "GDAL_PAM_ENABLED": "NO",
}


def env_number(name: str, default: int, scale: int = 1) -> int:
    """The setting `name` from the environment times `scale` (at least 1), else `default`
    times `scale`; a value that is not a number is BadInput naming the setting."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default * scale
    try:
        value = float(raw)
    except ValueError:
        raise BadInput(
            f"the setting {name} must be a number", value=raw, fix=f"Set {name} to e.g. {default}"
        ) from None
    return max(1, int(value * scale))


@dataclass(frozen=True)
class Limits:
    """How much one import may hold. Sizes in bytes, time in seconds."""

    upload_bytes: int = 512 * MIB
    """An uploaded file (and a mapping) as sent."""
    unpacked_bytes: int = 512 * MIB
    """A zip's (or XLSX's) members once unpacked, in all."""
    rows: int = 1_000_000
    """Rows or features of one file."""
    vertices: int = 100_000
    """Vertices of one geometry (a hazard's outline rarely has more than a few thousand)."""
    seconds: float = 600.0
    """Reading one upload, in its child process."""
    memory_bytes: int = 4096 * MIB
    """Address space of the child process that reads an upload."""
    issues_listed: int = 1000
    """Issues listed one by one in a web import report; the rest are counted by reason."""

    @classmethod
    def from_env(cls) -> Limits:
        """The limits, each overridable by a ``CLEARGROUND_*`` setting (docs/SECURITY.md)."""
        d = cls()
        return cls(
            upload_bytes=env_number("CLEARGROUND_UPLOAD_MAX_MB", d.upload_bytes // MIB, MIB),
            unpacked_bytes=env_number(
                "CLEARGROUND_UPLOAD_MAX_UNPACKED_MB", d.unpacked_bytes // MIB, MIB
            ),
            rows=env_number("CLEARGROUND_IMPORT_MAX_ROWS", d.rows),
            vertices=env_number("CLEARGROUND_MAX_VERTICES", d.vertices),
            seconds=float(env_number("CLEARGROUND_UPLOAD_READ_SECONDS", int(d.seconds))),
            memory_bytes=env_number(
                "CLEARGROUND_UPLOAD_READ_MEMORY_MB", d.memory_bytes // MIB, MIB
            ),
            issues_listed=env_number("CLEARGROUND_REPORT_MAX_ISSUES", d.issues_listed),
        )


def max_vertices() -> int:
    """The vertex cap of one geometry, for every path (imports and the entry form)."""
    return Limits.from_env().vertices


# --- what a file is -----------------------------------------------------------------------------

VECTOR_SUFFIXES = frozenset({".gpkg", ".geojson", ".json", ".shp", ".zip", ".kml", ".kmz", ".fgb"})
TABLE_SUFFIXES = frozenset({".csv", ".txt", ".tsv", ".xlsx", ".xlsm"})
FORM_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".zip"})
REFUSED = {
    ".gml": "GML can reference other files and the network",
    ".vrt": "a VRT file opens other files and databases",
    ".sqlite": "a SQLite database is not an exchange format here",
    ".db": "a database is not an exchange format here",
    ".xml": "XML files other than KML are not read",
}
ALLOWED_TEXT = "GeoPackage, GeoJSON, Shapefile (.shp or .zip), KML/KMZ, FlatGeobuf, CSV or XLSX"


def _refuse(path: Path, reason: str, fix: str | None = None) -> BadInput:
    return BadInput(reason, source=path.name, field="file", fix=fix or f"Send {ALLOWED_TEXT}")


def _head(path: Path, n: int = 65536) -> bytes:
    with path.open("rb") as f:
        return f.read(n)


def check_name(path: Path, allowed: frozenset[str]) -> str:
    """The lower-case suffix of ``path`` if it is an allowed format; BadInput otherwise."""
    suffix = path.suffix.lower()
    if suffix in REFUSED:
        raise _refuse(path, f"'{suffix}' files are refused: {REFUSED[suffix]}")
    if suffix not in allowed:
        raise _refuse(path, f"cannot import '{suffix or path.name}' files")
    return suffix


_XML_DANGER = re.compile(rb"<!\s*(DOCTYPE|ENTITY)|<\s*xi:include|SYSTEM\s+[\"']", re.IGNORECASE)
_XML_ROOT = re.compile(rb"<\s*([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")


def _xml_root(head: bytes) -> str | None:
    """The first element's local name, skipping the declaration, comments and a BOM."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    while True:
        if text.startswith(b"<?"):
            end = text.find(b"?>")
        elif text.startswith(b"<!--"):
            end = text.find(b"-->")
        else:
            break
        if end < 0:
            return None
        text = text[end + 3 if text.startswith(b"<!--") else end + 2 :].lstrip()
    m = _XML_ROOT.match(text)
    return m.group(2).decode("ascii", "replace") if m else None


def check_content(path: Path, suffix: str | None = None) -> None:
    """Refuse ``path`` unless its content is what its name says (see the module docstring)."""
    suffix = suffix or path.suffix.lower()
    try:
        head = _head(path)
    except OSError as exc:
        raise _refuse(path, f"cannot read the file: {exc.strerror}") from exc
    if suffix == ".gpkg":
        sqlite = head.startswith(b"SQLite format 3\x00")
        if not (sqlite and head[68:72] in (b"GPKG", b"GP10", b"GP11")):
            raise _refuse(path, "the file is not a GeoPackage", "Save it as GeoPackage from QGIS")
    elif suffix in (".geojson", ".json"):
        if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
            raise _refuse(path, "the file is not JSON", "Save it as GeoJSON (RFC 7946)")
    elif suffix == ".kml":
        if _XML_DANGER.search(_head(path, 1 << 24)):
            raise _refuse(
                path,
                "the KML holds a DOCTYPE, entity or include (it could read other files)",
                "Export plain KML without a DOCTYPE",
            )
        if _xml_root(head) != "kml":
            raise _refuse(path, "the file is not KML (its root element is not <kml>)")
    elif suffix == ".fgb":
        if not (head[:3] == b"fgb" and len(head) > 3 and head[3] == 3):
            raise _refuse(path, "the file is not FlatGeobuf")
    elif suffix == ".shp":
        if head[:4] != b"\x00\x00\x27\x0a":
            raise _refuse(path, "the file is not a Shapefile (.shp)")
    elif suffix in (".zip", ".kmz", ".xlsx", ".xlsm"):
        if not zipfile.is_zipfile(path):
            raise _refuse(path, f"the file is not a valid {suffix[1:].upper()} (zip) file")
    elif suffix in (".csv", ".txt", ".tsv") and b"\x00" in head:
        raise _refuse(path, "the file is not UTF-8 text", "Save it as UTF-8 CSV")


def _member_path(path: Path, name: str) -> PurePosixPath:
    member = PurePosixPath(name.replace("\\", "/"))
    if member.is_absolute() or ".." in member.parts or ":" in name or "\x00" in name:
        raise _refuse(path, f"the zip holds a path that climbs out of it: {name!r}")
    return member


def zip_members(path: Path, limits: Limits, allowed: frozenset[str]) -> list[zipfile.ZipInfo]:
    """The zip's file members, refused if any is not of ``allowed`` suffixes or if their
    declared total exceeds ``limits.unpacked_bytes``."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = [i for i in z.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(path, f"cannot read the zip: {exc}") from exc
    total = 0
    for info in infos:
        member = _member_path(path, info.filename)
        if member.name.startswith("._") or member.parts[0] == "__MACOSX":
            continue
        suffix = member.suffix.lower()
        if suffix not in allowed and suffix not in (".xml", ".txt", ".qmd", ".html"):
            raise _refuse(
                path,
                f"the zip holds '{member.name}', which is not part of an allowed format",
                "Zip only a Shapefile's parts (.shp .shx .dbf .prj .cpg), or send the file itself",
            )
        total += info.file_size
    if total > limits.unpacked_bytes:
        raise TooLarge(
            f"the zip unpacks to {total / MIB:.0f} MiB, more than the "
            f"{limits.unpacked_bytes / MIB:.0f} MiB allowed",
            source=path.name,
            field="file",
            fix="Send a smaller file, or ask the administrator to raise "
            "CLEARGROUND_UPLOAD_MAX_UNPACKED_MB",
        )
    return infos


def unpack(path: Path, folder: Path, limits: Limits, allowed: frozenset[str]) -> list[Path]:
    """Unpack the allowed members of the zip ``path`` into ``folder`` (flat, by base name),
    counting bytes as they come; returns the files written."""
    infos = zip_members(path, limits, allowed)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    total = 0
    with zipfile.ZipFile(path) as z:
        for info in infos:
            member = _member_path(path, info.filename)
            if member.name.startswith("._") or member.parts[0] == "__MACOSX":
                continue
            if member.suffix.lower() not in allowed:
                continue
            target = folder / member.name
            if target.exists():
                raise _refuse(path, f"the zip holds '{member.name}' twice")
            try:
                with z.open(info) as src, target.open("wb") as out:
                    while chunk := src.read(MIB):
                        total += len(chunk)
                        if total > limits.unpacked_bytes:
                            raise TooLarge(
                                f"the zip unpacks to more than "
                                f"{limits.unpacked_bytes / MIB:.0f} MiB",
                                source=path.name,
                                field="file",
                                fix="Send a smaller file",
                            )
                        out.write(chunk)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                raise _refuse(path, f"cannot unpack '{member.name}': {exc}") from exc
            written.append(target)
    return written


def check_xlsx(path: Path, limits: Limits) -> None:
    """An XLSX is a zip of XML parts: its unpacked size is limited like any zip's."""
    xml_parts = frozenset({".xml", ".rels", ".vml", ".bin", ".png", ".jpeg", ".jpg", ".emf"})
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(path, f"cannot read the XLSX: {exc}") from exc
    total = sum(i.file_size for i in infos)
    if total > limits.unpacked_bytes:
        raise TooLarge(
            f"the workbook unpacks to {total / MIB:.0f} MiB, more than the "
            f"{limits.unpacked_bytes / MIB:.0f} MiB allowed",
            source=path.name,
            field="file",
            fix="Split the workbook or save the sheet as CSV",
        )
    for info in infos:
        _member_path(path, info.filename)
        suffix = PurePosixPath(info.filename).suffix.lower()
        if suffix and suffix not in xml_parts:
            raise _refuse(path, f"the workbook holds an unexpected part '{info.filename}'")


def vector_in_zip(path: Path, folder: Path, limits: Limits) -> Path:
    """Unpack a zipped Shapefile (or one zipped vector file) and return the file to read."""
    files = unpack(path, folder, limits, SHAPEFILE_PARTS | ZIPPED_VECTORS)
    shps = [f for f in files if f.suffix.lower() == ".shp"]
    others = [f for f in files if f.suffix.lower() in ZIPPED_VECTORS]
    if len(shps) + len(others) != 1:
        raise _refuse(
            path,
            f"the zip holds {len(shps) + len(others)} layers; it must hold one Shapefile",
            "Zip one Shapefile's parts (.shp .shx .dbf .prj .cpg) per file",
        )
    target = (shps or others)[0]
    check_content(target)
    return target


def kml_in_kmz(path: Path, folder: Path, limits: Limits) -> Path:
    files = unpack(path, folder, limits, frozenset({".kml"}))
    if not files:
        raise _refuse(path, "the KMZ holds no .kml document")
    doc = next((f for f in files if f.name.lower() == "doc.kml"), files[0])
    check_content(doc)
    return doc


# --- reading in a child process -----------------------------------------------------------------


def _child(
    conn: Any,
    folder: str,
    memory_bytes: int,
    seconds: float,
    skip: str,
    target: str,
    args: tuple[Any, ...],
) -> None:
    """The child: limit itself, switch GDAL's other drivers off, run ``fn``, send the answer."""
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        cpu = int(seconds) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass
    os.chdir(folder)
    os.environ["GDAL_SKIP"] = skip
    os.environ.update(GDAL_SAFE_OPTIONS)
    for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        os.environ.pop(key, None)
    try:
        import importlib

        import pyogrio  # first imported here, after GDAL_SKIP is set

        module, name = target.split(":")
        fn = getattr(importlib.import_module(module), name)
        present = set(pyogrio.list_drivers())
        if not present <= ALLOWED_DRIVERS | {"Memory", "MEM"}:
            raise RuntimeError(f"GDAL drivers still on: {sorted(present - ALLOWED_DRIVERS)}")
        pyogrio.set_gdal_config_options(GDAL_SAFE_OPTIONS)
        conn.send(("ok", fn(*args)))
    except BadInput as exc:
        conn.send(("bad", exc))
    except MemoryError:
        conn.send(("memory", None))
    except BaseException:  # noqa: BLE001 - reported to the parent, never shown to the user
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


_SPAWN_LOCK = threading.Lock()


def _skip_list() -> str:
    import pyogrio

    # comma-separated: GDAL splits on commas when there is one ("MapInfo File" has a space)
    return ",".join(d for d in pyogrio.list_drivers() if d not in ALLOWED_DRIVERS)


def run_limited(target: str, args: tuple[Any, ...], folder: Path, limits: Limits) -> Any:
    """``module:function`` called with ``args`` in a fresh child process working in ``folder``
    (an empty folder that holds only the upload), with GDAL's drivers other than
    :data:`ALLOWED_DRIVERS` off, no network, and ``limits.memory_bytes`` / ``limits.seconds``.
    The function is imported in the child after GDAL's drivers are limited (named, not passed).

    BadInput from the child is raised here; running out of memory or time is :class:`TooLarge`.
    """
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(
        target=_child,
        args=(child, str(folder), limits.memory_bytes, limits.seconds, _skip_list(), target, args),
        daemon=True,
    )
    with _SPAWN_LOCK:
        # the child's GDAL registers its drivers when it first imports pyogrio, which may be
        # while unpickling: it must find GDAL_SKIP in the environment it starts with. This
        # process registered its own drivers long ago (``_skip_list``), so they stay.
        saved = {k: os.environ.get(k) for k in ("GDAL_SKIP", *GDAL_SAFE_OPTIONS)}
        os.environ.update({"GDAL_SKIP": _skip_list(), **GDAL_SAFE_OPTIONS})
        try:
            proc.start()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    child.close()
    try:
        if not parent.poll(limits.seconds):
            raise TooLarge(
                f"reading the file took longer than {limits.seconds:.0f} s",
                field="file",
                fix="Send a smaller file, or split it",
            )
        try:
            status, value = parent.recv()
        except EOFError:
            status, value = "died", None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        parent.close()
    if status == "ok":
        return value
    if status == "bad" and isinstance(value, BadInput):
        raise value
    if status in ("memory", "died"):
        raise TooLarge(
            f"reading the file needs more than {limits.memory_bytes / MIB:.0f} MiB of memory"
            if status == "memory"
            else "the file could not be read (the reader stopped)",
            field="file",
            fix="Send a smaller file, or check that it opens in QGIS",
        )
    raise RuntimeError(f"the upload reader failed:\n{value}")
