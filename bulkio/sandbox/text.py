"""What WordPress does to text on the way in (kses) and on the way out (``view`` rendering).

A model, written from the behaviour of WordPress 6.1 and 7.1 (measured on the reference stores,
``tests/conformance``), not a port: close enough for product names and descriptions as feeds
carry them.

In: WooCommerce passes ``name``, ``description`` and ``short_description`` through
``wp_filter_post_kses``: a lone ``<`` is escaped, ``&`` that does not start a known entity
becomes ``&amp;``, a lone ``>`` becomes ``&gt;``, tags WordPress allows in posts stay (with
their allowed attributes, ``javascript:`` and other unknown protocols cut from URLs), every
other tag is removed (its text stays). Quotes are left alone. Term names go through
``sanitize_text_field`` and ``_wp_specialchars`` instead (no tags at all).

Out, ``context=view`` only: ``description`` is ``wpautop``'d; ``short_description`` goes
through ``wptexturize`` (curly quotes, dashes, ellipsis, ×) and then ``wpautop``.
"""

from __future__ import annotations

import re
from html.entities import name2codepoint

# -- kses -----------------------------------------------------------------------------------------

_GLOBAL_ATTRIBUTES = frozenset(
    {"class", "id", "style", "title", "role", "dir", "lang", "xml:lang", "hidden"}
)
_MODERN_ONLY_ATTRIBUTES = frozenset({"hidden"})
"""Global attributes older WordPress (6.1.9 measured) does not allow yet."""
_ALIGN = frozenset({"align"})
_CELL = frozenset(
    {"abbr", "align", "axis", "bgcolor", "char", "charoff", "colspan", "headers", "height"}
    | {"nowrap", "rowspan", "scope", "valign", "width"}
)
POST_TAGS: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "rel", "rev", "name", "target", "download", "hreflang", "type"}),
    "img": frozenset(
        {"alt", "align", "border", "height", "hspace", "loading", "longdesc", "vspace", "src"}
        | {"usemap", "width", "decoding", "srcset", "sizes"}
    ),
    "blockquote": frozenset({"cite"}),
    "q": frozenset({"cite"}),
    "del": frozenset({"datetime"}),
    "ins": frozenset({"datetime", "cite"}),
    "font": frozenset({"color", "face", "size"}),
    "hr": frozenset({"align", "noshade", "size", "width"}),
    "li": frozenset({"align", "value"}),
    "ol": frozenset({"start", "type", "reversed"}),
    "ul": frozenset({"type"}),
    "pre": frozenset({"width"}),
    "label": frozenset({"for"}),
    "table": frozenset(
        {"align", "bgcolor", "border", "cellpadding", "cellspacing", "rules", "summary", "width"}
    ),
    "td": _CELL,
    "th": _CELL,
    "tr": frozenset({"align", "bgcolor", "char", "charoff", "valign"}),
    "col": frozenset({"align", "char", "charoff", "span", "valign", "width"}),
    "colgroup": frozenset({"align", "char", "charoff", "span", "valign", "width"}),
    "video": frozenset({"autoplay", "controls", "height", "loop", "muted", "poster", "src"}),
    "audio": frozenset({"autoplay", "controls", "loop", "muted", "preload", "src"}),
    **{
        name: _ALIGN
        for name in ("div", "p", "span", "h1", "h2", "h3", "h4", "h5", "h6", "caption", "legend")
    },
    **{
        name: frozenset()
        for name in [
            "abbr",
            "acronym",
            "address",
            "article",
            "aside",
            "b",
            "bdo",
            "big",
            "br",
            "button",
            "cite",
            "code",
            "dd",
            "dfn",
            "details",
            "dl",
            "dt",
            "em",
            "fieldset",
            "figure",
            "figcaption",
            "footer",
            "header",
            "hgroup",
            "i",
            "kbd",
            "main",
            "map",
            "mark",
            "menu",
            "nav",
            "rb",
            "rp",
            "rt",
            "rtc",
            "ruby",
            "s",
            "samp",
            "section",
            "small",
            "strike",
            "strong",
            "sub",
            "summary",
            "sup",
            "tbody",
            "tfoot",
            "thead",
            "tt",
            "u",
            "var",
        ]
    },
}
"""Elements (and their own attributes) ``wp_kses_allowed_html('post')`` keeps; every element
also takes the global attributes, ``aria-*`` and ``data-*``."""

URL_ATTRIBUTES = frozenset({"href", "src", "cite", "action", "longdesc", "usemap", "poster"})
ALLOWED_PROTOCOLS = frozenset(
    [
        "http",
        "https",
        "ftp",
        "ftps",
        "mailto",
        "news",
        "irc",
        "irc6",
        "ircs",
        "gopher",
        "nntp",
        "feed",
        "telnet",
        "mms",
        "rtsp",
        "sms",
        "svn",
        "tel",
        "fax",
        "xmpp",
        "webcal",
        "urn",
    ]
)

_TOKEN = re.compile(r"(<!--.*?(?:-->|$))|(</[^a-zA-Z][^>]*>|<![^>]*>)|(<[^>]*(?:>|$)|>)", re.S)
_TAG = re.compile(r"^<\s*(/\s*)?([a-zA-Z0-9-]+)([^>]*)>?$", re.S)
_ATTRIBUTE = re.compile(
    r"""([-a-zA-Z0-9_:.]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""", re.S
)
_LESS_THAN = re.compile(r"<[^>]*?(?:(?=<)|>|$)", re.S)


def _valid_codepoint(number: int) -> bool:
    return (
        number in (0x9, 0xA, 0xD)
        or 0x20 <= number <= 0xD7FF
        or 0xE000 <= number <= 0xFFFD
        or 0x10000 <= number <= 0x10FFFF
    )


def _entity(match: re.Match[str]) -> str:
    name, decimal, hexadecimal = match.group(1), match.group(2), match.group(3)
    if name is not None:
        return f"&{name};" if name in name2codepoint else f"&amp;{name};"
    if decimal is not None:
        value = int(decimal)
        if not _valid_codepoint(value):
            return match.group(0)
        return f"&#{(decimal.lstrip('0') or '0').zfill(3)};"  # &#38; is kept as &#038;
    value = int(hexadecimal, 16)
    if not _valid_codepoint(value):
        return match.group(0)
    return f"&#x{hexadecimal.lstrip('0') or '0'};"


def normalize_entities(text: str) -> str:
    """Every ``&`` that does not start a known entity becomes ``&amp;``."""
    text = text.replace("&", "&amp;")
    return re.sub(
        r"&amp;(?:([A-Za-z]{2,8}[0-9]{0,2})|#(0*[0-9]{1,7})|#[xX](0*[0-9A-Fa-f]{1,6}));",
        _entity,
        text,
    )


def specialchars(text: str, *, quotes: bool = False) -> str:
    """``_wp_specialchars`` without double encoding: ``&`` (not of an entity), ``<``, ``>``
    and, with ``quotes``, ``"`` and ``'``."""
    text = normalize_entities(text).replace("<", "&lt;").replace(">", "&gt;")
    if quotes:
        text = text.replace('"', "&quot;").replace("'", "&#039;")
    return text


def _escape_lone_less_than(text: str) -> str:
    """``wp_pre_kses_less_than``: a ``<`` that never closes is text, escaped like esc_html."""

    def escape(match: re.Match[str]) -> str:
        chunk = match.group(0)
        return chunk if ">" in chunk else specialchars(chunk, quotes=True)

    return _LESS_THAN.sub(escape, text)


def _clean_url(value: str) -> str:
    """``wp_kses_bad_protocol``: cut any protocol not allowed from the front, repeatedly."""
    while True:
        match = re.match(r"^\s*([^\s:/?#]+):", value)
        if match is None or match.group(1).lower() in ALLOWED_PROTOCOLS:
            return value
        value = value[match.end() :]


def _attribute_allowed(element: str, name: str, modern: bool) -> bool:
    name = name.lower()
    if name in _MODERN_ONLY_ATTRIBUTES and not modern:
        return False
    return (
        name in POST_TAGS.get(element, frozenset())
        or name in _GLOBAL_ATTRIBUTES
        or name.startswith(("aria-", "data-"))
    )


def _clean_tag(token: str, modern: bool = True) -> str:
    if not token.startswith("<"):
        return "&gt;"
    match = _TAG.match(token)
    if match is None:
        return ""
    slash, element, attributes = match.group(1), match.group(2), match.group(3)
    if element.lower() not in POST_TAGS:
        return ""
    if slash:
        return f"</{element}>"
    kept = []
    names: list[str] = []
    for found in _ATTRIBUTE.finditer(attributes):
        name = found.group(1)
        if not _attribute_allowed(element.lower(), name, modern):
            continue
        names.append(name.lower())
        value = next((v for v in found.group(2, 3, 4) if v is not None), None)
        if value is None:
            kept.append(f" {name.lower()}")
            continue
        if name.lower() in URL_ATTRIBUTES:
            value = _clean_url(value)
        if found.group(3) is not None and not modern:  # older kses keeps single quotes
            kept.append(f" {name.lower()}='{value}'")
        else:
            kept.append(f' {name.lower()}="{value}"')
    if not modern and element.lower() == "a" and "target" in names:
        kept = _with_noopener(kept)
    closing = " /" if attributes.rstrip().endswith("/") else ""
    return f"<{element}{''.join(kept)}{closing}>"


def _with_noopener(kept: list[str]) -> list[str]:
    """``wp_targeted_link_rel`` (older WordPress): a link with a ``target`` gets ``noopener``
    added to its ``rel``."""
    for number, attribute in enumerate(kept):
        match = re.match(r"""^ rel=(["'])(.*)\1$""", attribute)
        if match is not None:
            words = match.group(2).split()
            if "noopener" not in words:
                words.append("noopener")
            quote = match.group(1)
            kept[number] = f" rel={quote}{' '.join(words)}{quote}"
            return kept
    return [*kept, ' rel="noopener"']


def kses_post(text: str, *, modern: bool = True) -> str:
    """``wp_filter_post_kses`` as far as the model goes (see the module docstring); ``modern``:
    WordPress's newer kses (:attr:`bulkio.sandbox.versions.WooVersion.modern_kses`)."""
    text = normalize_entities(_escape_lone_less_than(text))

    def token(match: re.Match[str]) -> str:
        if match.group(1) is not None:  # an HTML comment: kept, its inside cleaned
            inner = match.group(1)[4:].removesuffix("-->")
            inner = re.sub(r"-+$", "", re.sub(r"--+", "-", kses_post(inner, modern=modern)))
            return f"<!--{inner}-->" if inner else ""
        if match.group(2) is not None:  # bogus comments (</3>, <!x>): dropped
            return ""
        return _clean_tag(match.group(3), modern)

    return _TOKEN.sub(token, text)


def sanitize_text_field(text: str) -> str:
    """``sanitize_text_field`` (WooCommerce's ``wc_clean``, used on SKUs): a lone ``<``
    escaped, tags removed, runs of whitespace one space, trimmed, ``%41``-style octets removed
    (measured: ``A%41B`` → ``AB``, ``A  B`` → ``A B``, ``A<b>x</b>`` → ``Ax``, ``A<B`` →
    ``A&lt;B``; recorded case ``sku-sanitized``)."""
    text = re.sub(r"<[^>]*>?", "", _escape_lone_less_than(text))
    text = re.sub(r"[\r\n\t ]+", " ", text).strip()
    octets = re.compile(r"%[a-fA-F0-9]{2}")
    if octets.search(text):
        while octets.search(text):
            text = octets.sub("", text)
        text = re.sub(r" +", " ", text).strip()
    return text


def term_name(text: str) -> str:
    """A term name as ``sanitize_term`` stores it: no tags, spaces collapsed, & < > escaped."""
    text = re.sub(r"<[^>]*>?", "", _escape_lone_less_than(text))
    text = re.sub(r"[\r\n\t ]+", " ", text).strip()
    return specialchars(text)


# -- view rendering -----------------------------------------------------------------------------

_BLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre"
    r"|form|map|area|blockquote|address|style|p|h[1-6]|hr|fieldset|legend|section|article"
    r"|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary)"
)
_NEWLINE_MARK = " <!-- wpnl --> "


def wpautop(text: str, br: bool = True) -> str:
    """Paragraphs from blank lines and ``<br />`` from single newlines, around block tags."""
    if text.strip() == "":
        return ""
    text += "\n"
    text = re.sub(r"<br\s*/?>\s*<br\s*/?>", "\n\n", text)
    text = re.sub(rf"(<{_BLOCKS}[\s/>])", r"\n\n\1", text)
    text = re.sub(rf"(</{_BLOCKS}>)", r"\1\n\n", text)
    text = re.sub(r"(<hr\s*?/?>)", r"\1\n\n", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Newlines inside tags are not paragraph breaks.
    text = re.sub(r"<[^>]*>", lambda m: m.group(0).replace("\n", _NEWLINE_MARK), text)
    text = re.sub(r"\n\n+", "\n\n", text)
    pieces = [piece for piece in re.split(r"\n\s*\n", text) if piece != ""]
    text = "".join(f"<p>{piece.strip(chr(10))}</p>\n" for piece in pieces)
    text = re.sub(r"<p>\s*</p>", "", text)
    text = re.sub(r"<p>([^<]+)</(div|address|form)>", r"<p>\1</p></\2>", text)
    text = re.sub(rf"<p>\s*(</?{_BLOCKS}[^>]*>)\s*</p>", r"\1", text)
    text = re.sub(r"<p>(<li.+?)</p>", r"\1", text)
    text = re.sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, flags=re.I)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = re.sub(rf"<p>\s*(</?{_BLOCKS}[^>]*>)", r"\1", text)
    text = re.sub(rf"(</?{_BLOCKS}[^>]*>)\s*</p>", r"\1", text)
    if br:
        text = text.replace("<br>", "<br />").replace("<br/>", "<br />")
        text = re.sub(r"(?<!<br />)\s*\n", "<br />\n", text)
    text = re.sub(rf"(</?{_BLOCKS}[^>]*>)\s*<br />", r"\1", text)
    text = re.sub(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", r"\1", text)
    text = re.sub(r"\n</p>$", "</p>", text)
    if "<!-- wpnl -->" in text:
        text = text.replace(_NEWLINE_MARK, "\n").replace("<!-- wpnl -->", "\n")
    return text


_SPACE = r"(?:\s|&nbsp;|\u00a0)"
_AFTER_SPACE = r"(?:^|(?<=\s)|(?<=&nbsp;)|(?<=\u00a0))"
_NO_TEXTURIZE = ("code", "kbd", "pre", "script", "style", "tt")


def _texturize_text(text: str) -> str:
    text = text.replace("...", "&#8230;").replace("``", "&#8220;").replace("''", "&#8221;")
    text = text.replace(" (tm)", " &#8482;")
    # Apostrophes and single quotes.
    text = re.sub(r"'(?=\d\d(?:'|&#8217;)?s)", "&#8217;", text)
    text = re.sub(r"(?<![^\s(\[{\"\-\u00a0;])'|(?<=&lt;)'|(?<=&nbsp;)'", "&#8216;", text)
    text = re.sub(r"(?<!\s)'(?!$|[.,:;!?\"'(){}\[\]\-\s]|&[lg]t;)", "&#8217;", text)
    text = re.sub(r"(?<=\d)'", "&#8242;", text)
    text = text.replace("'", "&#8217;")
    # Double quotes.
    text = re.sub(r"(?<![^\s(\[{\-\u00a0;])\"|(?<=&lt;)\"", "&#8220;", text)
    text = re.sub(r"(?<=\d)\"", "&#8243;", text)
    text = text.replace('"', "&#8221;")
    # Dashes, then 3x4.
    text = text.replace("---", "&#8212;")
    text = re.sub(rf"{_AFTER_SPACE}--(?={_SPACE}|$)", "&#8212;", text)
    text = re.sub(r"(?<!xn)--", "&#8211;", text)
    text = re.sub(rf"{_AFTER_SPACE}-(?={_SPACE}|$)", "&#8211;", text)
    text = re.sub(r"\b(\d[\d.,]*)x(\d[\d.,]*)\b", r"\1&#215;\2", text)
    # A bare & (not an entity) is written as &#038;.
    return re.sub(r"&(?!#?[xX]?[0-9a-zA-Z]+;)", "&#038;", text)


def wptexturize(text: str) -> str:
    """Typographic quotes, dashes, ellipsis and × in text, not in tags or code."""
    parts = re.split(r"(<!--.*?-->|<[^>]*>)", text, flags=re.S)
    skipping: list[str] = []
    result = []
    for part in parts:
        if part.startswith("<"):
            tag = re.match(r"<\s*(/?)\s*([a-zA-Z0-9]+)", part)
            if tag and tag.group(2).lower() in _NO_TEXTURIZE:
                if tag.group(1):
                    if skipping and skipping[-1] == tag.group(2).lower():
                        skipping.pop()
                elif not part.rstrip(">").endswith("/"):
                    skipping.append(tag.group(2).lower())
            result.append(part)
        elif skipping or not part:
            result.append(part)
        else:
            result.append(_texturize_text(part))
    return "".join(result)


def render_description(text: str) -> str:
    """``description`` in ``context=view``: ``wpautop(do_shortcode(…))``."""
    return wpautop(text)


def render_short_description(text: str) -> str:
    """``short_description`` in ``context=view``: the ``woocommerce_short_description``
    filters (``wptexturize`` then ``wpautop``; smilies and shortcodes are not modelled)."""
    return wpautop(wptexturize(text))
