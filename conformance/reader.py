"""Reference reader for conformance transcripts (format: README.md). Stdlib only.

read(text) -> list of (lineno, kind, value): kind "C"/"S" with value the wire
bytes (CRLF added where implied), or "@name" with value the argument string.
`@repeat N` is expanded. Usage: reader.py FILE... | reader.py --self-test | reader.py --hex FILE...
"""
import re
import sys

_ESC = {"r": b"\r", "n": b"\n", "t": b"\t", "0": b"\0", "\\": b"\\"}


def unescape(text):
    out, i, raw = bytearray(), 0, text.encode("utf-8")
    while i < len(raw):
        c = raw[i:i + 1]
        if c != b"\\":
            out += c
            i += 1
            continue
        e = raw[i + 1:i + 2].decode("latin-1")
        if e in _ESC:
            out += _ESC[e]
            i += 2
        elif e == "x" and re.fullmatch(rb"[0-9a-fA-F]{2}", raw[i + 2:i + 4]):
            out.append(int(raw[i + 2:i + 4], 16))
            i += 4
        else:
            raise ValueError("bad escape at %r" % text[i:i + 4])
    return bytes(out)


def read(text):
    items, repeat = [], None
    for n, line in enumerate(text.split("\n"), 1):
        line = line[:-1] if line.endswith("\r") else line
        if not line or line.startswith("#"):
            continue
        if line.startswith("@"):
            name, _, args = line[1:].partition(" ")
            if not name:
                raise ValueError("line %d: empty directive" % n)
            if name == "repeat":
                repeat = int(args)
                continue
            if repeat is not None:
                raise ValueError("line %d: @repeat must precede C:/S:" % n)
            items.append((n, "@" + name, args.strip()))
            continue
        m = re.match(r"([CS])(:$|: |~ )(.*)$", line)
        if not m:
            raise ValueError("line %d: unrecognised %r" % (n, line))
        data = unescape(m.group(3)) + (b"\r\n" if m.group(2) != "~ " else b"")
        items.extend([(n, m.group(1), data)] * (repeat or 1))
        repeat = None
    if repeat is not None:
        raise ValueError("@repeat at end of file")
    return items


def wire(items, side):
    """Every byte `side` ("C" or "S") sends, in order."""
    return b"".join(v for _, k, v in items if k == side)


def _self_test():
    import pathlib
    items = read("# x\n@title t\nC: EHLO a\nS:\nC~ \\n.\\n\n@repeat 2\nS: 334\\x20\n")
    assert items == [(2, "@title", "t"), (3, "C", b"EHLO a\r\n"), (4, "S", b"\r\n"),
                     (5, "C", b"\n.\n"), (7, "S", b"334 \r\n"), (7, "S", b"334 \r\n")], items
    assert unescape(r"\\\0\xff\t") == b"\\\0\xff\t"
    for bad in ["C: \\q", "C:x", "@repeat 1", "X: y", "C: \\x1"]:
        try:
            read(bad)
        except ValueError:
            continue
        raise AssertionError("accepted %r" % bad)
    files = sorted((pathlib.Path(__file__).parent / "transcripts").glob("*.txt"))
    for f in files:
        items = read(f.read_text(encoding="utf-8"))
        assert any(k == "@title" for _, k, _ in items), f
    assert len(files) >= 40, len(files)
    print("reader.py self-test ok: %d transcripts" % len(files))


if __name__ == "__main__":
    args = sys.argv[1:]
    if args == ["--self-test"]:
        _self_test()
    elif args[:1] == ["--hex"]:  # "== FILE", then per item: number, kind, hex of the value
        for path in args[1:]:
            print("==", path)
            for n, kind, value in read(open(path, encoding="utf-8").read()):
                print(n, kind, (value if isinstance(value, bytes) else value.encode()).hex())
    else:
        for path in args:
            for n, kind, value in read(open(path, encoding="utf-8").read()):
                print(n, kind, value)
