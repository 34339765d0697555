"""Text formatting the way the Bot API does it: parse modes, entities and lengths.

The parsers follow tdlib's ``parse_html``, ``parse_markdown_v2`` and ``parse_markdown``
(td/telegram/MessageEntity.cpp) closely, including their error messages and the *byte* offsets
those messages quote, because a bot that builds markup by hand fails on exactly these messages
in production. Offsets and lengths of the produced entities are in UTF-16 code units, as in the
Bot API.
"""

from __future__ import annotations

import re
from typing import Any

Entity = dict[str, Any]

HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)

# Everything tdlib's ``is_space`` accepts; "\0" is the end-of-text sentinel, as in the C++ code.
_SPACES = frozenset(" \t\r\n\0\v")
# What Telegram trims from both ends of a message after parsing.
_TRIMMED = " \t\r\n\v\f"


class EntityParseError(ValueError):
    """Malformed markup; the Bot API reports it as ``can't parse entities: <message>``."""


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def _u16(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


class _Cursor:
    """Character access with tdlib's NUL sentinel past the end, plus UTF-8 byte offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.size = len(text)
        offsets = [0]
        for char in text:
            offsets.append(offsets[-1] + len(char.encode("utf-8")))
        self._byte_offsets = offsets

    def __getitem__(self, index: int) -> str:
        return self.text[index] if index < self.size else "\0"

    def byte(self, index: int) -> int:
        return self._byte_offsets[min(index, self.size)]


def _sort(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda entity: (entity["offset"], -entity["length"]))


def checked_link(url: str) -> str | None:
    """Approximation of tdlib's ``LinkManager::get_checked_link``: None when Telegram drops it.

    Like Telegram, a bare domain gets an ``http://`` scheme and an empty path becomes "/".
    """
    if not url or any(char.isspace() for char in url):
        return None
    lowered = url.lower()
    if lowered.startswith(("tg:", "ton:")):
        return url
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://", url)
    if match:
        scheme = match.group(1).lower()
        if scheme not in ("http", "https"):
            return None
        rest = url[match.end() :]
    else:
        scheme, rest = "http", url
    host_end = min([rest.index(c) for c in "/?#" if c in rest] or [len(rest)])
    host, tail = rest[:host_end], rest[host_end:]
    hostname = host.rsplit("@", 1)[-1].split(":")[0]
    if "." not in hostname.strip(".") or not re.fullmatch(r"[\w.-]+", hostname):
        return None
    if not tail.startswith("/"):
        tail = "/" + tail
    return f"{scheme}://{host}{tail}"


# --- HTML --------------------------------------------------------------------------------------


def _decode_html_entity(cur: _Cursor, pos: int) -> tuple[str, int] | None:
    """tdlib's ``decode_html_entity``: only &lt; &gt; &amp; &quot; and numeric references."""
    end = pos + 1
    code = 0
    if cur[pos + 1] == "#":
        end += 1
        if cur[pos + 2] == "x":
            end += 1
            while cur[end] in "0123456789abcdefABCDEF" and cur[end] != "\0":
                code = code * 16 + int(cur[end], 16)
                end += 1
        else:
            while cur[end].isdigit() and cur[end].isascii():
                code = code * 10 + int(cur[end])
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
        # Lone surrogates cannot be represented; tdlib rejects them after decoding anyway.
        if 0xD800 <= code <= 0xDFFF:
            raise EntityParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        decoded = chr(code)
    else:
        while cur[end].isascii() and cur[end].isalpha():
            end += 1
        name = cur.text[pos + 1 : end]
        named = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
        if name not in named:
            return None
        decoded = named[name]
    if cur[end] == ";":
        end += 1
    return decoded, end


def parse_html(text: str) -> tuple[str, list[Entity]]:
    cur = _Cursor(text)
    out: list[str] = []  # the produced text, one character per item
    utf16 = 0
    entities: list[Entity] = []
    # (tag name, argument, UTF-16 offset, index into ``out``)
    stack: list[tuple[str, str, int, int]] = []
    i = 0
    while i < cur.size:
        char = cur[i]
        if char == "&":
            decoded = _decode_html_entity(cur, i)
            if decoded is not None:
                value, i = decoded
                out.append(value)
                utf16 += _u16(value)
                continue
        if char != "<":
            out.append(char)
            utf16 += _u16(char)
            i += 1
            continue

        begin = i
        i += 1
        if cur[i] != "/":
            # A start tag.
            while cur[i] not in _SPACES and cur[i] != ">":
                i += 1
            if cur[i] == "\0":
                raise EntityParseError(f"Unclosed start tag at byte offset {cur.byte(begin)}")
            tag = cur.text[begin + 1 : i].lower()
            if tag not in HTML_TAGS:
                raise EntityParseError(
                    f'Unsupported start tag "{tag}" at byte offset {cur.byte(begin)}'
                )
            argument = ""
            while cur[i] != ">":
                while cur[i] != "\0" and cur[i] in _SPACES:
                    i += 1
                if cur[i] == ">":
                    break
                attribute_begin = i
                while cur[i] not in _SPACES and cur[i] not in "=>/\"'":
                    i += 1
                attribute = cur.text[attribute_begin:i]
                if not attribute:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {cur.byte(begin)}'
                    )
                while cur[i] != "\0" and cur[i] in _SPACES:
                    i += 1
                if cur[i] != "=":
                    if cur[i] == "\0":
                        raise EntityParseError(
                            f'Unclosed start tag "{tag}" at byte offset {cur.byte(begin)}'
                        )
                    if tag == "blockquote" and attribute == "expandable":
                        argument = "1"
                    continue
                i += 1
                while cur[i] != "\0" and cur[i] in _SPACES:
                    i += 1
                if cur[i] == "\0":
                    raise EntityParseError(
                        f'Unclosed start tag "{tag}" at byte offset {cur.byte(begin)}'
                    )
                if cur[i] not in "'\"":
                    # A name token: letters, digits, periods or hyphens; case-insensitive.
                    token_begin = i
                    while (cur[i].isascii() and cur[i].isalnum()) or cur[i] in ".-":
                        i += 1
                    value = cur.text[token_begin:i].lower()
                    if cur[i] not in _SPACES and cur[i] != ">":
                        raise EntityParseError(
                            f"Unexpected end of name token at byte offset {cur.byte(token_begin)}"
                        )
                else:
                    quote = cur[i]
                    i += 1
                    parts: list[str] = []
                    while cur[i] != quote and cur[i] != "\0":
                        if cur[i] == "&":
                            decoded = _decode_html_entity(cur, i)
                            if decoded is not None:
                                parts.append(decoded[0])
                                i = decoded[1]
                                continue
                        parts.append(cur[i])
                        i += 1
                    if cur[i] == quote:
                        i += 1
                    value = "".join(parts)
                if cur[i] == "\0":
                    raise EntityParseError(f"Unclosed start tag at byte offset {cur.byte(begin)}")
                if tag == "a" and attribute == "href":
                    argument = value
                elif tag == "code" and attribute == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attribute == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and attribute == "emoji-id":
                    argument = value
                elif tag == "blockquote" and attribute == "expandable":
                    argument = "1"
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {cur.byte(begin)}'
                )
            stack.append((tag, argument, utf16, len(out)))
        else:
            # An end tag.
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {cur.byte(begin)}")
            while cur[i] not in _SPACES and cur[i] != ">":
                i += 1
            end_tag = cur.text[begin + 2 : i].lower()
            while cur[i] != "\0" and cur[i] in _SPACES:
                i += 1
            if cur[i] != ">":
                raise EntityParseError(f"Unclosed end tag at byte offset {cur.byte(begin)}")
            tag, argument, offset, text_index = stack[-1]
            if end_tag and end_tag != tag:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {cur.byte(begin)}, "
                    f'expected "</{tag}>", found "</{end_tag}>"'
                )
            if utf16 > offset:
                inner = "".join(out[text_index:])
                _close_html_entity(entities, tag, argument, offset, utf16 - offset, inner)
            stack.pop()
        i += 1  # skip the closing ">"
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    for entity in entities:
        entity.pop("_code_language", None)
    return "".join(out), _sort(entities)


def _close_html_entity(
    entities: list[Entity], tag: str, argument: str, offset: int, length: int, inner: str
) -> None:
    simple = {
        "i": "italic",
        "em": "italic",
        "b": "bold",
        "strong": "bold",
        "s": "strikethrough",
        "strike": "strikethrough",
        "del": "strikethrough",
        "u": "underline",
        "ins": "underline",
        "tg-spoiler": "spoiler",
        "span": "spoiler",
    }
    if tag in simple:
        entities.append({"type": simple[tag], "offset": offset, "length": length})
    elif tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        entities.append(
            {
                "type": "custom_emoji",
                "offset": offset,
                "length": length,
                "custom_emoji_id": argument,
            }
        )
    elif tag == "a":
        url = checked_link(argument or inner)
        if url is not None:
            entities.append({"type": "text_link", "offset": offset, "length": length, "url": url})
    elif tag == "pre":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "code"
            and (last["offset"], last["length"]) == (offset, length)
            and last.get("_code_language")
        ):
            # <pre><code class="language-x">...</code></pre>
            last["type"] = "pre"
            last["language"] = last.pop("_code_language")
        else:
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif tag == "code":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "pre"
            and (last["offset"], last["length"]) == (offset, length)
            and argument
        ):
            last["language"] = argument
        else:
            entity: Entity = {"type": "code", "offset": offset, "length": length}
            if argument:
                entity["_code_language"] = argument
            entities.append(entity)
    elif tag == "blockquote":
        kind = "expandable_blockquote" if argument else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})


# --- MarkdownV2 --------------------------------------------------------------------------------

_V2_RESERVED = "_*[]()~`>#+-=|{}.!\n"
_V2_TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
    "blockquote": "BlockQuote",
}


def _code_fence(cur: _Cursor, i: int) -> tuple[str, int]:
    """Just after an opening ```: the language (a word directly after it, with more text on the
    line) and where the code begins; one new line right after the fence is not code (tdlib)."""
    language = ""
    language_end = i
    while cur[language_end] not in _SPACES and cur[language_end] != "`":
        language_end += 1
    if i != language_end and language_end < cur.size and cur[language_end] != "`":
        language = cur.text[i:language_end]
        i = language_end
    if cur[i] in "\r\n":
        i += 2 if cur[i + 1] in "\r\n" and cur[i] != cur[i + 1] else 1
    return language, i


def _reserved(char: str) -> EntityParseError:
    return EntityParseError(
        f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
    )


class _Open:
    __slots__ = ("argument", "begin_index", "byte_offset", "kind", "offset")

    def __init__(self, kind: str, argument: str, offset: int, byte_offset: int, begin: int):
        self.kind = kind
        self.argument = argument
        self.offset = offset  # UTF-16 offset in the produced text
        self.byte_offset = byte_offset  # byte offset in the source, for error messages
        self.begin_index = begin  # character index in the produced text


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    cur = _Cursor(text)
    out: list[str] = []
    utf16 = 0
    entities: list[Entity] = []
    stack: list[_Open] = []
    have_blockquote = False
    can_start_blockquote = True

    def end_error(entry: _Open) -> EntityParseError:
        return EntityParseError(
            f"Can't find end of {_V2_TYPE_NAMES[entry.kind]} entity at byte offset "
            f"{cur.byte(entry.byte_offset)}"
        )

    i = 0
    while i < cur.size:
        char = cur[i]
        if char == "\\" and 0 < ord(cur[i + 1]) <= 126:
            i += 1
            out.append(cur[i])
            utf16 += 1
            if cur[i] != "\r":
                can_start_blockquote = cur[i] == "\n"
            i += 1
            continue

        reserved = _V2_RESERVED
        if stack and stack[-1].kind in ("code", "pre", "pre_code"):
            reserved = "`"
        if char not in reserved:
            out.append(char)
            utf16 += _u16(char)
            if char != "\r":
                can_start_blockquote = False
            i += 1
            continue

        is_end = False
        if stack:
            top = stack[-1].kind
            if have_blockquote and char == "\n" and (i + 1 == cur.size or cur[i + 1] != ">"):
                is_end = True
            elif top == "bold":
                is_end = char == "*"
            elif top == "italic":
                is_end = char == "_" and cur[i + 1] != "_"
            elif top == "code":
                is_end = char == "`"
            elif top in ("pre", "pre_code"):
                is_end = char == "`" and cur[i + 1] == "`" and cur[i + 2] == "`"
            elif top in ("text_link", "custom_emoji"):
                is_end = char == "]"
            elif top == "underline":
                is_end = char == "_" and cur[i + 1] == "_"
            elif top == "strikethrough":
                is_end = char == "~"
            elif top == "spoiler":
                is_end = char == "|" and cur[i + 1] == "|"

        if not is_end:
            kind: str | None
            argument = ""
            byte_offset = i
            if char == "_":
                if cur[i + 1] == "_":
                    kind = "underline"
                    i += 1
                else:
                    kind = "italic"
            elif char == "*":
                kind = "bold"
            elif char == "~":
                kind = "strikethrough"
            elif char == "|":
                if cur[i + 1] != "|":
                    raise _reserved(char)
                i += 1
                kind = "spoiler"
            elif char == "[":
                kind = "text_link"
            elif char == "`":
                if cur[i + 1] == "`" and cur[i + 2] == "`":
                    argument, i = _code_fence(cur, i + 3)
                    kind = "pre_code" if argument else "pre"
                    i -= 1
                else:
                    kind = "code"
            elif char == "!":
                if cur[i + 1] != "[":
                    raise _reserved(char)
                i += 1
                kind = "custom_emoji"
            elif char == "\n":
                utf16 += 1
                out.append("\n")
                can_start_blockquote = True
                kind = None
            elif char == ">":
                if not can_start_blockquote:
                    raise _reserved(char)
                if have_blockquote:
                    kind = None
                else:
                    kind = "blockquote"
                    have_blockquote = True
            else:
                raise _reserved(char)
            if kind is not None:
                stack.append(_Open(kind, argument, utf16, byte_offset, len(out)))
            i += 1
            continue

        # The end of an entity.
        entry = stack[-1]
        kind = entry.kind
        if char == "\n" and kind != "blockquote":
            # Only "||" right before the line break may end an expandable block quotation.
            if kind != "spoiler" or not (
                entry.byte_offset == i - 2
                or (entry.byte_offset == i - 3 and out and out[-1] == "\r")
            ):
                raise end_error(entry)
            stack.pop()
            entry = stack[-1]
            if entry.kind != "blockquote":
                raise end_error(entry)
            kind = "expandable_blockquote"
        argument = entry.argument
        extra: dict[str, Any] = {}
        skip = utf16 == entry.offset
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind in ("pre", "pre_code"):
            i += 2
        elif kind == "text_link":
            if cur[i + 1] != "(":
                url = "".join(out[entry.begin_index :])
            else:
                i += 2
                url_begin = i
                url_parts: list[str] = []
                while i < cur.size and cur[i] != ")":
                    if cur[i] == "\\" and 0 < ord(cur[i + 1]) <= 126:
                        url_parts.append(cur[i + 1])
                        i += 2
                        continue
                    url_parts.append(cur[i])
                    i += 1
                if cur[i] != ")":
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {cur.byte(url_begin)}"
                    )
                url = "".join(url_parts)
            checked = checked_link(url)
            if checked is None:
                skip = True
            else:
                extra["url"] = checked
        elif kind == "custom_emoji":
            if cur[i + 1] != "(":
                raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
            i += 2
            url_begin = i
            url_parts = []
            while i < cur.size and cur[i] != ")":
                url_parts.append(cur[i])
                i += 1
            if cur[i] != ")":
                raise EntityParseError(
                    f"Can't find end of a custom emoji URL at byte offset {cur.byte(url_begin)}"
                )
            match = re.fullmatch(r"tg://emoji\?id=(\d+)", "".join(url_parts))
            if match is None:
                raise EntityParseError("Custom emoji URL must have an emoji identifier")
            extra["custom_emoji_id"] = match.group(1)
        elif kind in ("blockquote", "expandable_blockquote"):
            have_blockquote = False
            out.append(char)
            can_start_blockquote = True
            utf16 += 1
            skip = False
        if not skip:
            entity: Entity = {
                "type": "pre" if kind == "pre_code" else kind,
                "offset": entry.offset,
                "length": utf16 - entry.offset,
            }
            if kind == "pre_code":
                entity["language"] = argument
            entity.update(extra)
            entities.append(entity)
        stack.pop()
        i += 1

    if have_blockquote:
        kind = "blockquote"
        if stack and stack[-1].kind == "spoiler" and stack[-1].byte_offset == cur.size - 2:
            stack.pop()
            kind = "expandable_blockquote"
        if stack and stack[-1].kind == "blockquote":
            entry = stack.pop()
            if utf16 != entry.offset:
                entities.append(
                    {"type": kind, "offset": entry.offset, "length": utf16 - entry.offset}
                )
    if stack:
        raise end_error(stack[-1])
    return "".join(out), _sort(entities)


# --- Markdown (legacy) -------------------------------------------------------------------------


def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    cur = _Cursor(text)
    out: list[str] = []
    utf16 = 0
    entities: list[Entity] = []
    i = 0
    while i < cur.size:
        char = cur[i]
        if char == "\\" and cur[i + 1] in "_*`[" and cur[i + 1] != "\0":
            i += 1
            out.append(cur[i])
            utf16 += 1
            i += 1
            continue
        if char not in "_*`[":
            out.append(char)
            utf16 += _u16(char)
            i += 1
            continue

        begin = i
        end_char = "]" if char == "[" else char
        is_pre = False
        language = ""
        i += 1
        if char == "`" and cur[i] == "`" and cur[i + 1] == "`":
            is_pre = True
            language, i = _code_fence(cur, i + 2)
        entity_offset = utf16
        while i < cur.size and (
            cur[i] != end_char or (is_pre and not (cur[i + 1] == "`" and cur[i + 2] == "`"))
        ):
            out.append(cur[i])
            utf16 += _u16(cur[i])
            i += 1
        if i == cur.size:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {cur.byte(begin)}"
            )
        if entity_offset != utf16:
            length = utf16 - entity_offset
            if char == "_":
                entities.append({"type": "italic", "offset": entity_offset, "length": length})
            elif char == "*":
                entities.append({"type": "bold", "offset": entity_offset, "length": length})
            elif char == "[":
                if cur[i + 1] != "(":
                    url = cur.text[begin + 1 : i]
                else:
                    i += 2
                    url_start = i
                    while i < cur.size and cur[i] != ")":
                        i += 1
                    url = cur.text[url_start:i]
                checked = checked_link(url)
                if checked is not None:
                    entities.append(
                        {
                            "type": "text_link",
                            "offset": entity_offset,
                            "length": length,
                            "url": checked,
                        }
                    )
            elif is_pre:
                entity: Entity = {"type": "pre", "offset": entity_offset, "length": length}
                if language:
                    entity["language"] = language
                entities.append(entity)
            else:
                entities.append({"type": "code", "offset": entity_offset, "length": length})
        if is_pre:
            i += 2
        i += 1
    return "".join(out), entities


# --- Putting it together -----------------------------------------------------------------------

PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}


def parse_formatted(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Apply a parse mode (None for plain text). Raises EntityParseError or KeyError (mode)."""
    if not parse_mode:
        return text, []
    return PARSERS[parse_mode.lower()](text)


def trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strip surrounding whitespace like Telegram does, keeping entities on the same characters."""
    stripped_left = text.lstrip(_TRIMMED)
    shift = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip(_TRIMMED)
    total = utf16_len(result)
    kept: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return result, kept


_BOT_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")


def find_bot_commands(text: str) -> list[Entity]:
    """The ``bot_command`` entities Telegram detects in a user's message."""
    entities = []
    for match in _BOT_COMMAND.finditer(text):
        entities.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group(0)),
            }
        )
    return entities
