"""aiosmtpd's PROXY protocol types (``ProxyData``, ``ProxyTLV``, ``AF``,
``PROTO``, ``V2_CMD``) filled from smtp-core's parser
(``smtp_core::proxy``): the header itself is read by the engine before the
session starts; ``handle_PROXY(server, session, envelope, proxy_data)``
decides whether the session goes on.
"""

import contextlib
import logging
from enum import IntEnum
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Any, Dict, Optional, Tuple

from .. import _core

__all__ = [
    "V2_SIGNATURE", "V2_CMD", "AF", "PROTO", "MalformedTLV", "UnknownTypeTLV",
    "AsyncReader", "ProxyTLV", "ProxyData", "get_proxy",
]

V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
log = logging.getLogger("mail.debug")
_NOT_FOUND = object()


class V2_CMD(IntEnum):
    LOCAL = 0
    PROXY = 1


class AF(IntEnum):
    UNSPEC = 0
    INET = 1
    INET6 = 2
    UNIX = 3


class PROTO(IntEnum):
    UNSPEC = 0
    STREAM = 1
    DGRAM = 2


class MalformedTLV(RuntimeError):
    pass


class UnknownTypeTLV(KeyError):
    pass


class AsyncReader:
    """What get_proxy() reads from (an asyncio.StreamReader fits)."""

    async def read(self, n: int = -1) -> bytes: ...
    async def readexactly(self, n: int) -> bytes: ...
    async def readuntil(self, separator: bytes = b"\n") -> bytes: ...


def _same_attribs(get, raises: bool, kwargs) -> bool:
    for key, want in kwargs.items():
        actual = get(key)
        if actual is _NOT_FOUND:
            if raises:
                raise KeyError(f"notfound:{key}")
            return False
        if actual != want:
            if raises:
                raise ValueError(f"mismatch:{key} actual={actual!r} expect={want!r}")
            return False
    return True


class ProxyTLV(dict):
    """The TLVs of a PROXY v2 header by name (``tlv.AUTHORITY``...); the SSL
    TLV is unpacked into SSL_CLIENT, SSL_VERIFY and its sub-TLVs."""

    __slots__ = ("tlv_loc",)

    PP2_TYPENAME: Dict[int, str] = {
        0x01: "ALPN", 0x02: "AUTHORITY", 0x03: "CRC32C", 0x04: "NOOP",
        0x05: "UNIQUE_ID", 0x20: "SSL", 0x21: "SSL_VERSION", 0x22: "SSL_CN",
        0x23: "SSL_CIPHER", 0x24: "SSL_SIG_ALG", 0x25: "SSL_KEY_ALG", 0x30: "NETNS",
    }

    def __init__(self, *args, _tlv_loc: Dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.tlv_loc = _tlv_loc

    def __getattr__(self, item: str) -> Any:
        return self.get(item)

    def same_attribs(self, _raises: bool = False, **kwargs) -> bool:
        return _same_attribs(lambda k: self.get(k, _NOT_FOUND), _raises, kwargs)

    @classmethod
    def parse(cls, data, partial_ok: bool = True, strict: bool = False
              ) -> Tuple[Dict[str, Any], Dict[str, int]]:
        """TLVs by name, and each one's offset; the engine splits them."""
        result: Dict[str, Any] = {}
        loc: Dict[str, int] = {}

        def walk(chunk: bytes, offset: int) -> bool:
            tlvs, error = _core.proxy_tlvs(bytes(chunk))
            at = 0
            for kind, value in tlvs:
                name = cls.PP2_TYPENAME.get(kind)
                if name is None:
                    name = f"x{kind:02X}"
                    if strict:
                        raise UnknownTypeTLV(name)
                loc[name] = offset + at
                if name == "SSL":
                    result["SSL_CLIENT"] = value[0] if value else None
                    result["SSL_VERIFY"] = int.from_bytes(value[1:5], "big")
                    result["SSL"] = walk(value[5:], offset + at + 3 + 5)
                    if not result["SSL"] and not partial_ok:
                        raise MalformedTLV("SSL TLV is malformed")
                else:
                    result[name] = value
                at += 3 + len(value)
            if error is not None and not partial_ok:
                raise MalformedTLV(error)
            return error is None

        walk(data, 0)
        return result, loc

    @classmethod
    def from_raw(cls, raw, strict: bool = False) -> Optional["ProxyTLV"]:
        if len(raw) == 0:
            return None
        parsed, loc = cls.parse(raw, partial_ok=False, strict=strict)
        return cls(parsed, _tlv_loc=loc)

    @classmethod
    def name_to_num(cls, name: str) -> Optional[int]:
        for k, v in cls.PP2_TYPENAME.items():
            if name == v:
                return k
        return None


class ProxyData:
    """A PROXY header as aiosmtpd shows it (``session.proxy_data``)."""

    __slots__ = ("version", "command", "family", "protocol", "src_addr", "dst_addr",
                 "src_port", "dst_port", "rest", "whole_raw", "tlv_start", "error", "_tlv")

    def __init__(self, *, version: Optional[int]):
        self.version = version
        self.command = None
        self.family = None
        self.protocol = None
        self.src_addr = None
        self.dst_addr = None
        self.src_port = None
        self.dst_port = None
        self.rest = b""
        self.whole_raw = bytearray()
        self.tlv_start = None
        self.error = ""
        self._tlv = None

    @property
    def valid(self) -> bool:
        return not (self.error or self.version is None or self.protocol is None)

    @property
    def tlv(self) -> Optional[ProxyTLV]:
        if self._tlv is None:
            with contextlib.suppress(MalformedTLV):
                self._tlv = ProxyTLV.from_raw(self.rest)
        return self._tlv

    def with_error(self, error_msg: str, log_prefix: bool = True) -> "ProxyData":
        log.warning(f"PROXY error: {error_msg}" if log_prefix else error_msg)
        self.error = error_msg
        return self

    def same_attribs(self, _raises: bool = False, **kwargs) -> bool:
        return _same_attribs(lambda k: getattr(self, k, _NOT_FOUND), _raises, kwargs)

    def __bool__(self) -> bool:
        return self.valid

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__[:8])
        return f"ProxyData({fields})"

    @classmethod
    def from_event(cls, event) -> "ProxyData":
        """From the driver's ``("Proxy", version, command, transport,
        family, source, destination, tlvs, raw)``."""
        _, version, command, transport, family, src, dst, tlvs, raw = event
        pd = cls(version=version)
        pd.command = V2_CMD[command] if version == 2 else None
        pd.protocol = PROTO[transport]
        pd.family = AF[family]
        pd.whole_raw = bytearray(raw)
        if isinstance(src, tuple):
            pd.src_addr, pd.src_port = ip_address(src[0]), src[1]
            pd.dst_addr, pd.dst_port = ip_address(dst[0]), dst[1]
        elif src is not None:
            pd.src_addr, pd.dst_addr = src, dst
        if version == 2 and tlvs:
            size = sum(3 + len(v) for _, v in tlvs)
            pd.rest = bytes(raw[len(raw) - size:])
            pd.tlv_start = len(raw) - size
        elif version == 1 and family == "UNSPEC":
            line = bytes(raw).rstrip(b"\r\n")
            pd.rest = line[len(b"PROXY UNKNOWN"):]
        return pd


async def get_proxy(reader_func) -> ProxyData:
    """Reads a PROXY header from an AsyncReader (aiosmtpd's helper); the
    engine's parser decides what it is."""
    try:
        data = bytes(await reader_func.readexactly(5))
        while True:
            try:
                parsed = _core.proxy_header(data)
            except ValueError as error:
                text = str(error)
                if text == "not a PROXY protocol header":
                    return ProxyData(version=None).with_error("PROXY unrecognized signature")
                return ProxyData(version=2 if data.startswith(V2_SIGNATURE[:5]) else 1
                                 ).with_error(text)
            if parsed is not None:
                return ProxyData.from_event(parsed[0])
            if data.startswith(b"PROXY"):
                more = await reader_func.readuntil(b"\n")
            elif len(data) < 16:
                more = await reader_func.read(16 - len(data))
            else:
                need = 16 + int.from_bytes(data[14:16], "big") - len(data)
                more = await reader_func.read(need)
            if not more:
                raise ConnectionError("Connection lost while waiting for the PROXY header")
            data += bytes(more)
    except Exception as e:
        return ProxyData(version=None).with_error(f"PROXY exception: {str(e)}", False)
