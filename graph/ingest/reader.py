"""Reading news files: encodings, front matter, HTML, and document identity.

Real sources arrive as GBK, Big5, UTF-8 with BOM, CRLF, HTML pages.  This
module turns any of them into a :class:`Document` whose ``text`` is what
offsets refer to, or raises :class:`InputError` with a one-line reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import yaml

from graph.vocab import KGDOC, digest, slugify

DOC_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".text"}
MAX_BYTES = 20 * 1024 * 1024


class InputError(ValueError):
    """A document that cannot be read, with a message fit for one line."""


@dataclass
class Document:
    text: str
    key: str
    title: str | None = None
    source: str | None = None
    published: str | None = None
    language: str | None = None
    path: str | None = None
    meta: dict[str, object] = field(default_factory=dict)

    @property
    def iri(self):
        return KGDOC[self.key]

    @property
    def content_hash(self) -> str:
        return digest(self.text, self.title, self.published, length=64)

    @property
    def published_date(self) -> dt.date | None:
        """Publication date for resolving 去年/今年/5月11日; month precision is enough."""
        if not self.published:
            return None
        m = re.match(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", str(self.published))
        if not m:
            return None
        y, mo, d = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
        try:
            return dt.date(y, mo, d)
        except ValueError:
            return None


def readable_slug(text: str, limit: int = 64) -> str:
    """An IRI-safe, lowercase ASCII slug that keeps a name readable: Chinese as pinyin, accents dropped.

    ``銀行 合作 新聞.txt`` → ``yin-hang-he-zuo-xin-wen-txt``.  ASCII text gives exactly
    :func:`graph.vocab.slugify` (so keys of ASCII file names never change); only slugs made from
    other scripts are cut to ``limit`` characters.
    """
    if text.isascii():
        return slugify(text)
    import unicodedata

    from pypinyin import Style, lazy_pinyin

    from graph.script import to_simplified

    spelled = " ".join(lazy_pinyin(to_simplified(text), style=Style.NORMAL))
    spelled = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode("ascii")
    return slugify(spelled)[:limit].strip("-")


def key_for_path(path: Path) -> str:
    """The document key of a file: a readable slug of its name and a hash of the name (stable, unique)."""
    stem = readable_slug(path.stem)
    return f"{stem}-{digest(path.name, length=8)}" if stem else digest(path.name, length=16)


def key_for_text(text: str) -> str:
    return "text-" + digest(text, length=16)


# ---------------------------------------------------------------- decoding

_CANDIDATE_ENCODINGS = ("utf-8", "gb18030", "big5", "utf-16")


def _looks_binary(data: bytes) -> bool:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 with BOM
    head = data[:8192]
    if b"\x00" in head:
        return True
    ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return bool(head) and ctrl / len(head) > 0.05


def _cjk_ratio(text: str) -> float:
    if not text:
        return 0.0
    good = sum(1 for c in text if "\u4e00" <= c <= "\u9fff" or c.isascii() or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef")
    return good / len(text)


def _bom_decode(data: bytes, name: str) -> str | None:
    """Text of a file that starts with a byte-order mark, or ``None`` without one."""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(enc)
            except UnicodeDecodeError as exc:
                label = "UTF-8" if enc == "utf-8" else "UTF-16"
                raise InputError(f"{name}: starts with a {label} byte-order mark but is not valid {label} (byte {exc.start + len(bom)})") from None
    return None


def _garbled(text: str) -> bool:
    """Control, unassigned or private-use characters: what a wrong decoding of binary data yields."""
    import unicodedata

    sample = text[:8192]
    if not sample:
        return False
    bad = sum(1 for c in sample if (c < " " and c not in "\t\n\r\f\x1b") or unicodedata.category(c) in ("Cn", "Co", "Cs"))
    return bad / len(sample) > 0.05


def decode(data: bytes, name: str = "input") -> str:
    """Decode bytes from UTF-8 (with or without BOM), GBK/GB18030, Big5 or UTF-16 (with BOM).

    Each candidate must decode strictly; among those that do, the one whose
    characters are most plausibly Chinese/ASCII wins.  That separates Big5
    from GB18030, which accept many of the same byte sequences.  Anything
    else -- binary data, other encodings -- raises :class:`InputError`: a
    guessed single-byte decoding would only put mojibake into the graph.
    """
    text = _bom_decode(data, name)
    if text is None:
        if _looks_binary(data):
            raise InputError(f"{name}: looks like a binary file, not text")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            scored: list[tuple[float, int, str]] = []
            for i, enc in enumerate(("gb18030", "big5")):
                try:
                    cand = data.decode(enc)
                except UnicodeDecodeError:
                    continue
                common = sum(1 for c in cand if c in _COMMON)
                scored.append((common / max(1, len(cand)) + _cjk_ratio(cand), -i, cand))
            if not scored:
                raise InputError(f"{name}: not valid UTF-8, GB18030 or Big5 text") from None
            text = max(scored)[2]
    if _garbled(text):
        raise InputError(f"{name}: looks like a binary file, not text")
    return text


# Frequent characters in both scripts; their share tells a right decoding from a wrong one.
_COMMON = set(
    "的一是不了在人有我他這个个們们中來来上大為为和國国地到以說说時时要就出會会可也你對对生能而子那得於于著着下自之年過过發发後后作裡里用道行所然家種种事成方多經经麼么去法學学如都同現现當当沒没動动面起看定天分還还進进好小部其些主樣样理心她本前開开但因只從从想實实日軍军者意無无力它與与長长把機机十民第公此已工使情明性知全三又關关點点正業业外將将兩两高間间由問问很最重並并物手應应戰战向頭头文體体政美相見见被利什二等產产或新己制身果加西斯月話话合回特代內内信表化老給给世位次度門门任常先海通教兒儿原東东聲声提立及比員员解水名真論论處处走義义各入幾几口認认條条平系氣气題题活爾尔更別别打女變变四神總总何電电數数安少報报才結结反受目太量再感建務务做接必場场件計计管期市直德資资命山金指克許许統统區区保至隊队形社便空決决治展馬马科司五基眼書书非則则聽听白卻却界達达光放強强即像難难且權权思王象完設设式色路記记南品住告類类求據据程北邊边死張张該该交規规萬万取拉格望覺觉術术領领共確确傳传師师觀观清今切院讓让識识候帶带導导爭争運运笑飛飞風风步改收根干造言聯联持組组每濟济車车親亲極极林服快辦办議议往元英士證证近失轉转夫令準准布始怎呢存未遠远叫台單单影具羅罗字愛爱擊击流備备兵連连調调深商算質质團团集百需價价花黨党華华城石級级整府離离況况亞亚請请技際际約约示復复病息究線线似官火斷断精滿满支視视消越器容照須须九增研寫写稱称企八功嗎吗包片史委乎查輕轻易早曾除農农找裝装廣广顯显"
)


# ---------------------------------------------------------------- formats

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


class _TextFromHTML(HTMLParser):
    """Article text from an HTML page: paragraphs and headings, no scripts or navigation."""

    SKIP = {"script", "style", "noscript", "nav", "footer", "header", "aside", "form", "svg", "iframe"}
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: str | None = None
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        elif tag == "title":
            self._in_title = False
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = (self.title or "") + data.strip()
        elif not self._skip:
            self.parts.append(data)

    def text(self) -> str:
        raw = "".join(self.parts)
        lines = [re.sub(r"[ \t\u3000]+", " ", ln).strip() for ln in raw.splitlines()]
        return "\n".join(ln for ln in lines if ln)


def html_to_text(markup: str) -> tuple[str, str | None]:
    parser = _TextFromHTML()
    parser.feed(markup)
    parser.close()
    return parser.text(), (parser.title or None)  # charrefs are already converted


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return "<html" in head or "<!doctype html" in head or ("<p>" in head and "</p>" in head)


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ud800-\udfff]")


def _clean(text: str) -> str:
    """Drop characters RDF literals and XML cannot carry (C0 controls, lone surrogates)."""
    return _CONTROL.sub("", text.replace("\v", "\n").replace("\f", "\n"))


def _iso_date(value: object) -> str | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` from a front-matter date; ``None`` if it is not one."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    m = re.match(r"\s*(\d{4})(?:[-/.年](\d{1,2})(?:[-/.月](\d{1,2}))?)?", str(value))
    if not m:
        return None
    y, mo, d = m.group(1), m.group(2), m.group(3)
    try:
        if d:
            return dt.date(int(y), int(mo), int(d)).isoformat()
        if mo:
            return f"{y}-{int(mo):02d}" if 1 <= int(mo) <= 12 else y
    except ValueError:
        return f"{y}-{int(mo):02d}" if 1 <= int(mo) <= 12 else y
    return y


_KEY_OK = re.compile(r"[\w.~\-]+")


def _doc_key(value: object, default: str) -> str:
    """The document key from front matter ``id:``, made safe for an IRI; else ``default``."""
    if value is None or str(value).strip() == "":
        return default
    raw = str(value).strip()
    if _KEY_OK.fullmatch(raw):
        return raw
    slug = readable_slug(raw)
    return f"{slug}-{digest(raw, length=8)}" if slug else digest(raw, length=16)


def parse_text(text: str, key: str, path: str | None = None, sidecar: dict | None = None) -> Document:
    """Split metadata from body.  Offsets in the graph refer to the returned body."""
    meta: dict[str, object] = dict(sidecar or {})
    text = _clean(text)
    if path and Path(path).suffix.lower() in {".html", ".htm"} or _looks_like_html(text):
        text, title = html_to_text(text)
        if title:
            meta.setdefault("title", title)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    m = _FRONT_MATTER.match(text)
    if m:
        try:
            fm = yaml.safe_load(m.group(1)) or {}
        except yaml.YAMLError as exc:
            raise InputError(f"{path or key}: front matter is not valid YAML ({exc.__class__.__name__})") from None
        if isinstance(fm, dict):
            meta = {**meta, **{str(k): v for k, v in fm.items()}}
            text = text[m.end():]
    else:
        # '# key: value' header lines, as used by scraped sources.
        lines = text.split("\n")
        n = 0
        while n < len(lines) and re.match(r"#\s*(source|retrieved|url|date|published|title)\s*:", lines[n]):
            k, _, v = lines[n].lstrip("#").partition(":")
            meta.setdefault(k.strip(), v.strip())
            n += 1
        if n:
            text = "\n".join(lines[n:])
    text, dropped = strip_trailing_boilerplate(text)
    if dropped:
        meta["boilerplate_lines_removed"] = dropped
    published = _iso_date(meta.get("published") or meta.get("date"))
    title = meta.get("title")
    if not title:
        first = next((ln.strip() for ln in text.split("\n") if ln.strip()), "")
        title = first[:120] or None
    return Document(
        text=text,
        key=_doc_key(meta.get("id"), key),
        title=str(title) if title else None,
        source=str(meta["source"]) if meta.get("source") else None,
        published=str(published) if published else None,
        language=str(meta["language"]) if meta.get("language") else None,
        path=path,
        meta=meta,
    )


def _boilerplate() -> re.Pattern[str]:
    """Footer line starts (related links, tags, editor credits) from ``ontology/patterns/ingest.yaml``."""
    from graph.nlp.patterns import PATTERN_DIR

    global _BOILERPLATE
    if _BOILERPLATE is None:
        data = yaml.safe_load((PATTERN_DIR / "ingest.yaml").read_text(encoding="utf-8")) or {}
        starts = sorted(data.get("footer_line_starts", []), key=len, reverse=True)
        _BOILERPLATE = re.compile(r"^\s*(?:" + "|".join(re.escape(x) for x in starts) + ")") if starts else re.compile(r"(?!)")
    return _BOILERPLATE


_BOILERPLATE: re.Pattern[str] | None = None


def strip_trailing_boilerplate(text: str) -> tuple[str, int]:
    """The article without its trailing footer lines, and how many lines were removed."""
    lines = text.split("\n")
    end = len(lines)
    dropped = 0
    footer = _boilerplate()
    while end > 0 and (not lines[end - 1].strip() or footer.match(lines[end - 1])):
        if lines[end - 1].strip():
            dropped += 1
        end -= 1
    if not dropped or end == 0:
        return text, 0
    return "\n".join(lines[:end]) + "\n", dropped


def _mb(n: float) -> str:
    return f"{n / (1024 * 1024):.1f}".removesuffix(".0")


def read_bytes_limited(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """A file's bytes, refusing (without reading it all) one over ``max_bytes``."""
    import stat as _stat

    try:
        st = path.stat()
        if _stat.S_ISDIR(st.st_mode):
            raise InputError(f"{path}: is a directory")
        if not _stat.S_ISREG(st.st_mode):
            raise InputError(f"{path}: not a regular file")
        if st.st_size > max_bytes:
            raise InputError(f"{path}: {_mb(st.st_size)} MB is over the {_mb(max_bytes)} MB limit per document (--max-mb)")
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)  # the file may have grown since stat()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc.__class__.__name__})") from None
    if len(data) > max_bytes:
        raise InputError(f"{path}: over the {_mb(max_bytes)} MB limit per document (--max-mb)")
    return data


def _read_sidecar(path: Path) -> dict | None:
    """Metadata from ``name.yaml``/``.yml``/``.json`` next to the document, if there is one."""
    import json

    for ext in (".yaml", ".yml", ".json"):
        side = path.with_suffix(ext)
        if side == path or not side.is_file():
            continue
        try:
            raw = decode(read_bytes_limited(side, 1024 * 1024), str(side))
            data = json.loads(raw) if ext == ".json" else yaml.safe_load(raw)
        except InputError:
            raise
        except (ValueError, yaml.YAMLError) as exc:
            raise InputError(f"{side}: metadata file is not valid {'JSON' if ext == '.json' else 'YAML'} ({exc.__class__.__name__})") from None
        return data if isinstance(data, dict) else None
    return None


def read_document(path: Path, max_bytes: int = MAX_BYTES) -> Document | None:
    """One file to a Document; ``None`` for an empty file (callers warn and skip)."""
    data = read_bytes_limited(path, max_bytes)
    text = decode(data, str(path))
    if not text.strip():
        return None
    doc = parse_text(text, key_for_path(path), str(path), _read_sidecar(path))
    return doc if doc.text.strip() else None


def iter_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files to ingest, in a stable order; raises for a missing path or an empty folder."""
    for p in paths:
        if not p.exists():
            raise InputError(f"{p}: no such file or directory")
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in DOC_SUFFIXES and not any(part.startswith(".") for part in f.relative_to(p).parts))
            if not files:
                raise InputError(f"{p}: no .txt, .md or .html documents in this folder")
            yield from files
        else:
            yield p
