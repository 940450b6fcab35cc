"""Download the current Harmonized Tariff Schedule from the USITC.

The USITC publishes the schedule through the REST service of hts.usitc.gov; its ``exportList``
endpoint returns a range of the schedule in the CSV layout that
:func:`tariffscope.data.hts.load_hts_csv` reads. The download is checked (HTTP status, CSV header)
before it replaces anything, and is written atomically: a temporary file in the destination folder,
renamed into place only when complete, so an interrupted download never leaves a partial file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import httpx

from tariffscope.data.hts import HTS_CSV_COLUMNS
from tariffscope.errors import NetworkError

__all__ = ["USITC_HTS_EXPORT_URL", "fetch_hts"]

#: The whole schedule (headings 0100 to 9999) as CSV, without styling markup.
USITC_HTS_EXPORT_URL = "https://hts.usitc.gov/reststop/exportList?from=0100&to=9999&format=CSV&styles=false"

_CHUNK = 1 << 16


def _check_csv_header(path: Path, url: str) -> None:
    """Raise NetworkError unless the file starts with the USITC CSV header and has a data row."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = handle.readline()
            first_row = handle.readline()
    except UnicodeDecodeError:
        raise NetworkError(
            f"The HTS download from {url} is not UTF-8 text, so it is not the CSV export; "
            "check the URL (it must ask for format=CSV)"
        ) from None
    columns = [c.strip().strip('"') for c in header.rstrip("\r\n").split(",")]
    missing = [c for c in HTS_CSV_COLUMNS if c not in columns]
    if missing:
        start = header.strip()[:80]
        raise NetworkError(
            f"The HTS download from {url} is not the USITC CSV export: its header lacks "
            f"{', '.join(missing)} (it starts {start!r}); check the URL or try again later"
        )
    if not first_row.strip():
        raise NetworkError(f"The HTS download from {url} has a header but no lines; try again later")


def fetch_hts(
    dest_dir: Path,
    url: str = USITC_HTS_EXPORT_URL,
    client: httpx.Client | None = None,
    timeout: float = 60,
    *,
    filename: str = "hts_current.csv",
) -> Path:
    """Download the HTS CSV export into `dest_dir`.

    Parameters
    ----------
    dest_dir : pathlib.Path
        Folder to write into; created if missing.
    url : str, optional
        The export URL; by default the whole schedule from hts.usitc.gov.
    client : httpx.Client, optional
        Client to use (tests pass one with an ``httpx.MockTransport``); by default a new client
        that follows redirects and is closed afterwards.
    timeout : float, default 60
        Seconds allowed for connecting and for each read.
    filename : str, default 'hts_current.csv'
        Name of the file written in `dest_dir`.

    Returns
    -------
    pathlib.Path
        The downloaded file, which replaces any earlier file of that name only once complete and
        checked.

    Raises
    ------
    NetworkError
        If the request fails or times out, the server answers with an error status, or the body is
        not the USITC CSV export. Nothing is left behind in `dest_dir` and an earlier file is kept.
    """
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / filename
    own_client = client is None
    http = httpx.Client(follow_redirects=True, timeout=timeout) if client is None else client
    handle, temporary_name = tempfile.mkstemp(prefix=f".{filename}.", suffix=".part", dir=dest)
    temporary = Path(temporary_name)
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                with http.stream("GET", url, timeout=timeout) as response:
                    if response.status_code >= 400:
                        raise NetworkError(
                            f"The HTS download from {url} failed: the server answered HTTP "
                            f"{response.status_code} {response.reason_phrase}; try again later or check the URL"
                        )
                    for chunk in response.iter_bytes(_CHUNK):
                        out.write(chunk)
            except httpx.TimeoutException:
                raise NetworkError(
                    f"The HTS download from {url} timed out after {timeout:g} s; check the connection "
                    "or pass a larger timeout"
                ) from None
            except httpx.HTTPError as error:
                raise NetworkError(
                    f"The HTS download from {url} failed ({type(error).__name__}: {error}); "
                    "check the connection and try again"
                ) from None
        _check_csv_header(temporary, url)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
        if own_client:
            http.close()
    return target
