"""Tests of the HTS download (tariffscope.data.fetch); every request goes to an httpx.MockTransport."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tariffscope.data.fetch import USITC_HTS_EXPORT_URL, fetch_hts
from tariffscope.data.hts import load_hts_csv
from tariffscope.errors import NetworkError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "hts_sample.csv"
URL = "https://hts.example.test/reststop/exportList?from=0100&to=9999&format=CSV&styles=false"


def client_for(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def serve(body: bytes, status: int = 200) -> httpx.Client:
    return client_for(lambda request: httpx.Response(status, content=body))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


class BrokenStream(httpx.SyncByteStream):
    """A body that sends some bytes and then loses the connection."""

    def __init__(self, first: bytes):
        self.first = first

    def __iter__(self) -> Iterator[bytes]:
        yield self.first
        raise httpx.ReadError("connection reset by peer")


def test_default_url_is_the_usitc_csv_export() -> None:
    assert USITC_HTS_EXPORT_URL.startswith("https://hts.usitc.gov/reststop/exportList?")
    assert "format=CSV" in USITC_HTS_EXPORT_URL


def test_download_writes_the_file(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=SAMPLE.read_bytes(), headers={"content-type": "text/csv"})

    path = fetch_hts(tmp_path / "hts", url=URL, client=client_for(handler))
    assert path == tmp_path / "hts" / "hts_current.csv"
    assert path.read_bytes() == SAMPLE.read_bytes()
    assert leftovers(path.parent) == ["hts_current.csv"]
    assert len(seen) == 1 and str(seen[0].url) == URL
    assert len(load_hts_csv(path)) == 41


def test_download_uses_the_given_file_name(tmp_path: Path) -> None:
    path = fetch_hts(tmp_path, url=URL, client=serve(SAMPLE.read_bytes()), filename="hts_2025.csv")
    assert path.name == "hts_2025.csv"


def test_server_error_raises_and_keeps_the_earlier_file(tmp_path: Path) -> None:
    earlier = tmp_path / "hts_current.csv"
    earlier.write_text("earlier download", encoding="utf-8")
    with pytest.raises(NetworkError, match="HTTP 503"):
        fetch_hts(tmp_path, url=URL, client=serve(b"busy", status=503))
    assert earlier.read_text(encoding="utf-8") == "earlier download"
    assert leftovers(tmp_path) == ["hts_current.csv"]


def test_timeout_raises_one_clear_error(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(NetworkError, match=r"timed out after 5 s; check the connection") as info:
        fetch_hts(tmp_path, url=URL, client=client_for(handler), timeout=5)
    assert info.value.__cause__ is None
    assert leftovers(tmp_path) == []


def test_connection_error_raises(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("name resolution failed", request=request)

    with pytest.raises(NetworkError, match="ConnectError"):
        fetch_hts(tmp_path, url=URL, client=client_for(handler))
    assert leftovers(tmp_path) == []


def test_interrupted_download_leaves_no_partial_file(tmp_path: Path) -> None:
    earlier = tmp_path / "hts_current.csv"
    earlier.write_text("earlier download", encoding="utf-8")
    half = SAMPLE.read_bytes()[:2000]
    client = client_for(lambda request: httpx.Response(200, stream=BrokenStream(half)))
    with pytest.raises(NetworkError, match="ReadError"):
        fetch_hts(tmp_path, url=URL, client=client)
    assert earlier.read_text(encoding="utf-8") == "earlier download"
    assert leftovers(tmp_path) == ["hts_current.csv"]


def test_html_page_instead_of_csv_is_rejected(tmp_path: Path) -> None:
    page = b"<!DOCTYPE html><html><body>Service unavailable</body></html>"
    with pytest.raises(NetworkError, match="not the USITC CSV export"):
        fetch_hts(tmp_path, url=URL, client=serve(page))
    assert leftovers(tmp_path) == []


def test_json_export_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(NetworkError, match="lacks HTS Number"):
        fetch_hts(tmp_path, url=URL, client=serve(b'[{"htsno": "0101"}]'))


def test_header_without_rows_is_rejected(tmp_path: Path) -> None:
    header = SAMPLE.read_bytes().splitlines(keepends=True)[0]
    with pytest.raises(NetworkError, match="no lines"):
        fetch_hts(tmp_path, url=URL, client=serve(header))
    assert leftovers(tmp_path) == []


def test_binary_body_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(NetworkError, match="not UTF-8"):
        fetch_hts(tmp_path, url=URL, client=serve(b"PK\x03\x04\xff\xfe\x00binary"))
    assert leftovers(tmp_path) == []


def test_given_client_is_not_closed(tmp_path: Path) -> None:
    client = serve(SAMPLE.read_bytes())
    fetch_hts(tmp_path, url=URL, client=client)
    assert not client.is_closed
    fetch_hts(tmp_path, url=URL, client=client)  # replaces the earlier file
    assert leftovers(tmp_path) == ["hts_current.csv"]
