"""What config.yaml's text says that its parsed data cannot: a key written twice, a key YAML
reads as no text (``no:``), a number YAML 1.1 reads in another base (``1:30`` is 90), and a
syntax or encoding error said as a line and a fix. Read from PyYAML's node tree, before the
data is constructed (merge keys rewrite the tree then); pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import yaml

MERGE_TAG = "tag:yaml.org,2002:merge"


def _item_of(key: str, i: int) -> str:
    """The dotted key of a list's ``i``-th item, the list at ``key``."""
    return f"{key}.{i}" if key else str(i)


def _key_of(key: str, k: yaml.Node) -> str:
    """The dotted key of a mapping's key ``k``, the mapping at ``key`` (``?`` for a key that
    is not text)."""
    if not isinstance(k, yaml.ScalarNode):
        return f"{key}.?"
    return f"{key}.{k.value}" if key else k.value


def duplicate_keys(node: yaml.Node | None, key: str = "") -> list[str]:
    """Keys written more than once in one mapping, by dotted key with their lines. YAML keeps
    the last without a word, so `region:` added at the end of the file would quietly move the
    stack. A merge key (``<<: *anchor``) is not one: what follows it overrides by design."""
    out: list[str] = []
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out += duplicate_keys(item, f"{key}.{i}")
    if not isinstance(node, yaml.MappingNode):
        return out
    lines: dict[str, list[int]] = {}
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.tag != MERGE_TAG:
            name = f"{key}.{k.value}" if key else k.value
            lines.setdefault(name, []).append(k.start_mark.line + 1)
            out += duplicate_keys(v, name)
    for name, at in lines.items():
        if len(at) > 1:
            where = (
                f"line {at[0]}"
                if len(set(at)) == 1
                else "lines " + ", ".join(map(str, at[:-1])) + f" and {at[-1]}"
            )
            times = "twice" if len(at) == 2 else f"{len(at)} times"
            out.append(
                f"{name}: written {times} ({where}); YAML keeps only the last and ignores the "
                "others without a word: remove one, keeping the value you mean"
            )
    return out


def aliases_into_themselves(
    node: yaml.Node | None,
    key: str = "",
    holders: dict[int, str] | None = None,
    done: set[int] | None = None,
) -> list[str]:
    """Aliases used inside the value their anchor names (``tags: &t {team: *t}``): YAML makes
    an endless value of them, a cycle every walk of the file would recurse into until Python's
    RecursionError. By the alias's dotted key, with the key and line of the value it repeats.
    A value seen whole (``done``) is not walked again: aliases of aliases stay linear."""
    holders = {} if holders is None else holders
    done = set() if done is None else done
    if not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) or id(node) in done:
        return []
    holders[id(node)] = f"{key or '(top level)'} (line {node.start_mark.line + 1})"
    children: list[tuple[str, yaml.Node]] = []
    if isinstance(node, yaml.SequenceNode):
        children = [(_item_of(key, i), item) for i, item in enumerate(node.value)]
    else:
        for k, v in node.value:
            name = k.value if isinstance(k, yaml.ScalarNode) else "?"
            name = f"{key}.{name}" if key else name
            children += [(name, k), (name, v)]
    out: list[str] = []
    for name, child in children:
        if id(child) in holders:
            out.append(
                f"{name}: the alias refers to {holders[id(child)]}, which holds it: YAML would "
                "make an endless value of it; write the value out (or anchor a part of it that "
                "does not hold the alias)"
            )
        else:
            out += aliases_into_themselves(child, name, holders, done)
    del holders[id(node)]
    done.add(id(node))
    return out


# More values than any config.yaml holds once its aliases are expanded (the shipped file has
# about 20; a hundred environments of every key, some thousands).
EXPANDED_MAX = 100_000


def _merge_problem(value: yaml.Node) -> str | None:
    """What a ``<<`` key was given instead of a mapping or a list of mappings (what YAML's
    loader merges); None when it was given one."""
    if isinstance(value, yaml.MappingNode):
        return None
    if isinstance(value, yaml.ScalarNode):
        return f"a single value ({value.value})"
    bad = next((n for n in value.value if not isinstance(n, yaml.MappingNode)), None)
    if bad is None:
        return None
    what = f"a single value ({bad.value})" if isinstance(bad, yaml.ScalarNode) else None
    return f"a list holding {what or _KIND_WORDS.get(type(bad), 'a mapping')}"


def merges_not_mappings(
    node: yaml.Node | None, key: str = "", seen: set[int] | None = None
) -> list[str]:
    """``<<`` keys given something other than a mapping (``<<: foo``), by the dotted key of
    the mapping they are in and line: the loader stopped on the first with "expected a
    mapping or list of mappings for merging, but found scalar", by line and column only."""
    seen = set() if seen is None else seen
    if node is None or id(node) in seen:
        return []
    seen.add(id(node))
    out: list[str] = []
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out += merges_not_mappings(item, _item_of(key, i), seen)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            what = _merge_problem(v) if k.tag == MERGE_TAG else None
            if what:
                out.append(
                    f"{key or '(top level)'}: line {k.start_mark.line + 1}: `<<` merges a "
                    f"mapping into this one, but here it is given {what}: write `<<: *name`, "
                    "with &name before a mapping written above (or a list of such, "
                    "`<<: [*a, *b]`), or remove the `<<` line"
                )
                continue
            out += merges_not_mappings(v, _key_of(key, k), seen)
    return out


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many nodes ``node`` is with every alias written out, each shared node counted
    once (``sizes``, by id): linear in the file, however much the aliases multiply."""
    if id(node) not in sizes:
        sizes[id(node)] = 1 + sum(_expanded_size(c, sizes) for c in _children(node))
    return sizes[id(node)]


def aliases_expand_too_far(node: yaml.Node | None) -> list[str]:
    """Aliases of aliases (``b: &b [*a, *a, ...]``, "billion laughs"): PyYAML shares the
    values, cheaply, but every check of config.yaml walks them expanded, and ten levels of ten
    would hold `plan` for hours. By top-level key; call after aliases_into_themselves (a
    cycle has no size)."""
    sizes: dict[int, int] = {}
    if node is None or _expanded_size(node, sizes) <= EXPANDED_MAX:
        return []
    pairs = node.value if isinstance(node, yaml.MappingNode) else []
    keys = [
        k.value if isinstance(k, yaml.ScalarNode) else "?"
        for k, v in pairs
        if _expanded_size(v, sizes) > EXPANDED_MAX
    ] or ["(top level)"]
    return [
        f"{key}: its aliases expand to more than {EXPANDED_MAX} values (aliases of aliases "
        "multiply), far more than any config.yaml holds: write the values out, or use each "
        "anchor directly"
        for key in keys
    ]


_INDENTATION = (
    "check the indentation of this line and of the lines above it: the keys of one mapping "
    "start in the same column (spaces only), and a value holding ': ' needs quotes"
)


def _yaml_hint(err: yaml.MarkedYAMLError) -> tuple[yaml.Mark | None, str]:
    """Where a syntax error is and what to do, in words: the parser names its own state
    ('while scanning a simple key', '<block end>'), not the mistake in the file. A tag the
    loader cannot construct never gets here: tags_refused names every one first."""
    problem = err.problem or ""
    if "'\\t'" in problem:  # found character '\t' that cannot start any token
        return err.problem_mark, "indent with spaces, not tabs (YAML takes no tab for indentation)"
    if "could not find expected ':'" in problem:
        return err.context_mark, "this line has no ':' after its key: write `key: value`"
    if "mapping values are not allowed" in problem or "expected <block end>" in problem:
        return err.problem_mark, _INDENTATION
    if "expected a single document" in (err.context or ""):
        return err.problem_mark, "config.yaml is one document: remove this '---' line"
    if problem == "found unhashable key":
        return err.problem_mark, (
            "a key is one piece of text (`key: value`), not a list or a mapping: write the "
            "key as text"
        )
    anchor = re.fullmatch(r"found duplicate anchor '(.*)'; first occurrence", err.context or "")
    if anchor:
        return err.problem_mark, (
            f"rename one of the two &{anchor[1]} anchors (an alias names one anchor)"
        )
    return err.problem_mark, ""


def _what(err: yaml.MarkedYAMLError) -> str:
    """The parser's words for what it found, as a person reads them."""
    anchor = re.fullmatch(r"found duplicate anchor '(.*)'; first occurrence", err.context or "")
    if anchor and err.context_mark is not None:
        return f"found duplicate anchor {anchor[1]!r} (first at line {err.context_mark.line + 1})"
    return err.problem or err.context or "cannot be parsed"


def _open_quote(text: str, err: yaml.MarkedYAMLError) -> yaml.Mark | None:
    """Where the quote opens that a syntax error most likely comes from, or None. PyYAML
    reports an unclosed quote where it gave up: at the end of the file ('while scanning a
    quoted scalar', whose context mark is the quote), or, when the next quote in the file
    closes it, on that line (a quoted value running over a line break into the error's line)."""
    if err.context == "while scanning a quoted scalar":
        return err.context_mark
    if err.problem_mark is None:
        return None
    spanning = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.index >= err.problem_mark.index:
                break
            quoted = isinstance(token, yaml.ScalarToken) and token.style in ("'", '"')
            if quoted and token.start_mark.line < token.end_mark.line:
                spanning = token
    except yaml.YAMLError:
        pass
    if spanning is not None and spanning.end_mark.line == err.problem_mark.line:
        return spanning.start_mark
    return None


def _control_character(path: Path, text: str, err: yaml.reader.ReaderError) -> str:
    """A character YAML takes nowhere, by line and column: PyYAML says it by its position in
    the text, in characters, of '<unicode string>'."""
    before = text[: err.position]
    line = before.count("\n") + 1
    column = err.position - (before.rfind("\n") + 1) + 1
    shown = text.splitlines()[line - 1] if line <= len(text.splitlines()) else ""
    return (
        f"{path}: line {line}, column {column}: not valid YAML (control character "
        f"0x{err.character:02x}, which YAML takes nowhere, not even quoted: only tab and line "
        "breaks are); remove it (pasted from a terminal's colours, or a stray byte; to put it "
        f'in a value, write it as an escape in double quotes, "\\x{err.character:02x}")'
        + (f". The line: {shown!r}" if shown.strip() else "")
    )


def yaml_error(path: Path, text: str, err: yaml.YAMLError) -> str:
    """A syntax error as one line about the file: where, what, how to fix, and the line."""
    if isinstance(err, yaml.reader.ReaderError) and isinstance(err.character, int):
        return _control_character(path, text, err)
    if not isinstance(err, yaml.MarkedYAMLError):
        return f"{path}: not valid YAML: {err}"
    mark, hint = _yaml_hint(err)
    quote = _open_quote(text, err)
    if quote is not None:
        opened = f"line {quote.line + 1}, column {quote.column + 1}"
        char = text[quote.index] if quote.index < len(text) else "quote"
        stop = (
            f" (the parser read on to line {err.problem_mark.line + 1})" if err.problem_mark else ""
        )
        mark = quote
        hint = (
            f"a quote is not closed on its line: close the {char} opened at {opened} where "
            f"its value ends{stop}"
        )
    mark = mark or err.problem_mark
    what = _what(err)
    if mark is None:
        return f"{path}: not valid YAML: {what}" + (f"; {hint}" if hint else "")
    lines = text.splitlines()
    shown = lines[mark.line] if mark.line < len(lines) else ""
    where = f"line {mark.line + 1}, column {mark.column + 1}"
    return (
        f"{path}: {where}: not valid YAML ({what})"
        + (f"; {hint}" if hint else "")
        + (f". The line: {shown!r}" if shown.strip() else "")
    )


STR_TAG = "tag:yaml.org,2002:str"


def keys_not_text(node: yaml.Node | None, key: str = "") -> list[str]:
    """Keys YAML reads as something other than text (``no:`` is false, ``1:`` a number,
    ``~:`` null): every key config.yaml has is text, and Python's name for what YAML made of
    it (``False``) is not what the user wrote."""
    out: list[str] = []
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out += keys_not_text(item, f"{key}.{i}")
    if not isinstance(node, yaml.MappingNode):
        return out
    for k, v in node.value:
        if not isinstance(k, yaml.ScalarNode) or k.tag == MERGE_TAG:
            continue
        name = f"{key}.{k.value}" if key else k.value
        said_elsewhere = _tag_unreadable(k) or _tag_refused(k, key=True)  # tags_*
        if k.tag != STR_TAG and not said_elsewhere:
            read = yaml.safe_load(k.value) if k.value else None
            if read is None or isinstance(read, bool):
                what = "null" if read is None else str(read).lower()
            elif isinstance(read, (int, float)):
                what = f"the number {read}"
            else:  # a date (2024-01-01), binary ...
                what = f"a {type(read).__name__}"
            out.append(
                f"{name}: YAML reads the key {k.value or '(empty)'} as {what}, not as text: "
                f'quote it, "{k.value}"'
            )
        out += keys_not_text(v, name)
    return out


# PyYAML's scalar constructors fail with Python's own errors, not a YAML error with a line,
# on text their tag cannot read: int('two') (ValueError), the timestamp regex not matching
# (AttributeError), a boolean word looked up (KeyError), an empty !!int or !!float's sign
# looked at (IndexError).
_UNREADABLE = (ValueError, TypeError, AttributeError, KeyError, IndexError)
_TAG_PREFIX = "tag:yaml.org,2002:"


def _unreadable(node: yaml.ScalarNode) -> str | None:
    """Why the scalar's tag cannot read its text (``!!int two``, a date with month 13), in
    Python's words; None when it can."""
    if not node.tag.startswith(_TAG_PREFIX) or node.tag == STR_TAG:
        return None
    try:
        yaml.SafeLoader("").construct_object(node, deep=True)
    except _UNREADABLE as err:
        return str(err)
    except yaml.YAMLError:  # said with its line when the document is constructed
        return None
    return None


def _tag_unreadable(node: yaml.ScalarNode) -> bool:
    return _unreadable(node) is not None


def _implicit(node: yaml.ScalarNode) -> bool:
    """Whether YAML gave the plain scalar its tag by its look (``2024-13-45`` a date), not a
    tag written before it."""
    resolved = yaml.SafeLoader("").resolve(yaml.ScalarNode, node.value, (True, False))
    return node.style is None and node.tag == resolved


def _unreadable_said(node: yaml.ScalarNode, key: str, why: str) -> str:
    tag = "!!" + node.tag.removeprefix(_TAG_PREFIX)
    at = f"{key or '(top level)'}: line {node.start_mark.line + 1}"
    if _implicit(node):
        kind = {"!!timestamp": "a date"}.get(tag, f"a {tag.removeprefix('!!')}")
        return (
            f"{at}: got {node.value}, which YAML reads as {kind}, but it is none ({why}): "
            f'quote it, "{node.value}", for text, or correct it'
        )
    return (
        f"{at}: `{tag} {node.value}`: YAML cannot read {node.value!r} as the {tag} its tag "
        "asks for; remove the tag (config.yaml needs none), or write a value of that kind"
    )


def tags_unreadable(
    node: yaml.Node | None, key: str = "", seen: set[int] | None = None
) -> list[str]:
    """Keys and values written with a YAML tag that cannot read them (``instance_count: !!int
    two``), by dotted key and line: constructing them would end in a Python traceback."""
    seen = set() if seen is None else seen
    if node is None or id(node) in seen:
        return []
    seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        why = _unreadable(node)
        return [] if why is None else [_unreadable_said(node, key, why)]
    out: list[str] = []
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out += tags_unreadable(item, f"{key}.{i}", seen)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            name = _key_of(key, k)
            out += tags_unreadable(k, name, seen) + tags_unreadable(v, name, seen)
    return out


# The tags YAML's safe loader reads, by the kind of node each reads; any other tag ends the
# load at the first one it meets ("could not determine a constructor"), one per run. !!merge
# and !!value are read on a mapping's key only (`<<: *a`; the key's text): on a value, the
# loader has no constructor for them either.
_TAG_KINDS: dict[str, type[yaml.Node]] = {
    **dict.fromkeys(
        ("null", "bool", "int", "float", "str", "timestamp", "binary", "merge", "value"),
        yaml.ScalarNode,
    ),
    **dict.fromkeys(("seq", "omap", "pairs"), yaml.SequenceNode),
    **dict.fromkeys(("map", "set"), yaml.MappingNode),
}
_KIND_WORDS = {yaml.ScalarNode: "a single value", yaml.SequenceNode: "a list"}
# Tags that make a value of a type no config.yaml key holds, which the checks after loading
# took as text or a list: what each makes and what to write instead.
_NO_KEY_HOLDS = {
    "binary": (
        "makes bytes (it decodes base64), which no config.yaml key holds: write the text "
        "itself, without the tag"
    ),
    "set": (
        "makes a set (the mapping's keys, in no order), which no config.yaml key holds: "
        "write a list without the tag, [a, b] or one `- item` per line"
    ),
    "omap": "makes a list of pairs, which no config.yaml key holds: write a mapping",
    "pairs": "makes a list of pairs, which no config.yaml key holds: write a mapping",
}
TAGS_LISTED = 10  # the tags a report names; the rest are counted


_KEY_TAGS = ("merge", "value")


def _tag_refused(node: yaml.Node, key: bool = False) -> str | None:
    """Why config.yaml cannot take the node's tag (None: it can): a tag the safe loader does
    not know (on a value, !!merge and !!value, a key's tags), one whose kind is not the
    node's, or one that makes bytes, a set or pairs; on a key, !!value (which says the key is
    text: keys_not_text took it for a key of another kind). ``key``: the node is a mapping's
    key."""
    if node.tag in (None, "!"):  # none, or the non-specific one: the value's own kind
        return None
    name = node.tag.removeprefix(_TAG_PREFIX)
    kind = _TAG_KINDS.get(name) if node.tag.startswith(_TAG_PREFIX) else None
    if name in _KEY_TAGS and not key:
        kind = None
    if name == "value" and key:  # YAML reads the key as its text: a tag that says nothing
        return (
            "the key is written with the tag !!value, which only says it is text, as every "
            "config.yaml key is: remove the tag"
        )
    if kind is None:
        written = node.tag if name == node.tag else f"!!{name}"
        return (
            f"config.yaml takes no YAML tag like {written!r}: remove it (quote a value that "
            "starts with !)"
        )
    if not isinstance(node, kind):
        return (
            f"its tag !!{name} says {_KIND_WORDS.get(kind, 'a mapping')} but the value is "
            f"{_KIND_WORDS.get(type(node), 'a mapping')}: remove the tag (config.yaml needs none)"
        )
    return f"the tag !!{name} {_NO_KEY_HOLDS[name]}" if name in _NO_KEY_HOLDS else None


def tags_refused(node: yaml.Node | None) -> list[str]:
    """Every key and value written with a tag config.yaml cannot take, by dotted key and
    line, before the file is constructed (which stops at the first unknown tag, and reads
    ``!!binary`` and ``!!set`` into bytes and a set without a word). The first
    ``TAGS_LISTED``, and how many more."""
    found = _tags_refused(node, "", {})
    if len(found) <= TAGS_LISTED:
        return found
    more = len(found) - TAGS_LISTED
    return [*found[:TAGS_LISTED], f"and {more} more tag{'s' if more > 1 else ''} like these"]


def _tags_refused(
    node: yaml.Node | None, key: str, seen: dict[int, bool], is_key: bool = False
) -> list[str]:
    """``seen``: the nodes walked, by id, and whether only as a mapping's key (an anchored
    key's alias as a value is checked again for the tags a value may not carry)."""
    if node is None:
        return []
    if id(node) in seen:
        again = seen[id(node)] and not is_key
        seen[id(node)] = seen[id(node)] and is_key
        as_value = _tag_refused(node) if again else None  # unless already said as the key's
        why = as_value if as_value != _tag_refused(node, True) else None
        return [f"{key or '(top level)'}: line {node.start_mark.line + 1}: {why}"] if why else []
    seen[id(node)] = is_key
    why = _tag_refused(node, is_key)
    out = [f"{key or '(top level)'}: line {node.start_mark.line + 1}: {why}"] if why else []
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out += _tags_refused(item, _item_of(key, i), seen)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            name = _key_of(key, k)
            out += _tags_refused(k, name, seen, True) + _tags_refused(v, name, seen)
    return out


NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)")


def _plain_numbers(node: yaml.Node | None, key: str = "") -> dict[str, str]:
    """Every unquoted scalar YAML reads as a number, its text by dotted key."""
    if isinstance(node, yaml.ScalarNode):
        return {key: node.value} if node.style is None and node.tag in NUMBER_TAGS else {}
    out: dict[str, str] = {}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                out |= _plain_numbers(v, f"{key}.{k.value}" if key else k.value)
    return out


def _other_base(text: str) -> str | None:
    """Why YAML 1.1 reads ``text`` as another number than its digits say (None: it does not):
    ``1:30`` is 90 (base 60), ``010`` is 8 (octal), ``0x0e`` is 14."""
    if ":" in text:
        return "base 60, like a time of day"
    digits = text.lstrip("+-")
    if digits[:2].lower() in ("0x", "0b"):
        return "hexadecimal" if digits[1] in "xX" else "binary"
    if digits.isdigit() and not _PLAIN_INT.fullmatch(digits):
        return "a leading 0 is octal"
    return None


def numbers_in_another_base(node: yaml.Node | None, number_key: Callable[[str], bool]) -> list[str]:
    """Number keys written so that YAML 1.1 reads another number than the digits say
    (``instance_count: 1:30`` is 90 instances): refused, with what YAML made of them."""
    out = []
    for key, text in _plain_numbers(node).items():
        why = _other_base(text)
        if why and number_key(key):
            out.append(
                f"{key}: got {text}, which YAML 1.1 reads as {yaml.safe_load(text)} ({why}): "
                "write the number in plain decimal digits"
            )
    return out


def not_utf8(path: Path, err: UnicodeDecodeError) -> str:
    """Where the first byte that is not UTF-8 is, and what to do: the file was found, it is
    its encoding (Latin-1 from an old editor, UTF-16 from Windows Notepad) that is wrong."""
    data = bytes(err.object)
    utf16 = " (it is UTF-16)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
    line = data[: err.start].count(b"\n") + 1
    return (
        f"{path}: not UTF-8 text (line {line}: byte 0x{data[err.start]:02x}){utf16}; save it "
        "as UTF-8 (your editor's encoding setting), then run again"
    )
