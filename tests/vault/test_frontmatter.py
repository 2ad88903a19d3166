"""Frontmatter: splitting, YAML 1.1 quirks read as Obsidian shows them, and the fast parser agreeing with PyYAML."""

from __future__ import annotations

import random

import pytest

from vault.frontmatter import load_yaml, read_frontmatter, split_frontmatter
from vault.yaml_fast import parse_simple


def test_yes_no_on_off_stay_strings_true_false_are_booleans() -> None:
    data = load_yaml("a: yes\nb: no\nc: on\nd: off\ne: true\nf: False\ng: Yes\nno: key")
    assert data == {"a": "yes", "b": "no", "c": "on", "d": "off", "e": True, "f": False, "g": "Yes", "no": "key"}


def test_dates_become_iso_strings_and_keys_strings() -> None:
    data = load_yaml("since: 2024-01-05\nat: 2024-01-05 10:30:00\n2024: year\nnested: {d: 2023-12-31}")
    assert data == {"since": "2024-01-05", "at": "2024-01-05T10:30:00", "2024": "year",
                    "nested": {"d": "2023-12-31"}}


def test_bad_yaml_names_the_file_line() -> None:
    data, error = read_frontmatter("type: agent\ndepends_on: [a, b\nowner: x", first_line=2)
    assert data is None and error is not None
    assert error.line == 4
    assert "invalid YAML" in error.message


def test_impossible_date_is_an_error_not_a_crash() -> None:
    data, error = read_frontmatter("when: 2024-02-30", first_line=2)
    assert data is None and error is not None and error.line == 2


def test_split() -> None:
    assert split_frontmatter("no frontmatter\n---\n").yaml_text is None
    split = split_frontmatter("---\na: 1\nb: 2\n---\nbody\n")
    assert (split.yaml_text, split.body, split.body_line) == ("a: 1\nb: 2", "body\n", 5)
    assert split_frontmatter("---\na: 1\n").unclosed
    assert split_frontmatter("---\n---\nx").yaml_text == ""


CASES = [
    "type: agent\nowner: \"[[Platform Team]]\"\ndepends_on: [\"[[A]]\", '[[B|b]]']",
    "tags:\n  - a\n  - b\naliases:\n- x\n- 'y z'",
    "n: 3\nf: 1.5\nneg: -2\nnull_value: ~\nempty:\nbool: true\nweird: yes\nlive: on",
    "created: 2024-01-05\nurl: https://example.com/x?a=b\ntitle: It's fine",
    "a b: spaced key\nx.y: dotted\nunicode: héllo wörld",
    "# a comment\nkey: value",
    "list: []\nlist2: [a, 'b, c']",
    "octal: 012\nhex: 0x1F\nsexagesimal: 1:30\nexp: 1e3\nunderscore: 1_000\ninf: .inf",
    "colon: a: b\nhash: a #comment\nstar: *ref",
    "block: |\n  text\nfolded: >\n  more",
    "nested:\n  a: 1",
    "quoted: \"with \\\"escape\\\"\"\nsingle: 'it''s'",
    "trailing: [a, b,]\nflow: {a: 1}",
    "dup: 1\ndup: 2",
    "t: True\nf: FALSE\nn: Null",
    "date: 2024-13-45",
]


@pytest.mark.parametrize("text", CASES)
def test_fast_parser_agrees_with_pyyaml_or_declines(text: str) -> None:
    fast = parse_simple(text)
    if fast is not None:
        assert fast == load_yaml(text)


def test_fast_parser_handles_the_common_shapes() -> None:
    for text in CASES[:7]:
        assert parse_simple(text) is not None, text


def test_fast_parser_agrees_on_random_simple_frontmatter() -> None:
    rng = random.Random(7)
    atoms = ["agent", "Support Bot", "[[X]]", "0", "7", "-3", "2.5", "true", "no", "on", "~", "null", "2024-02-29",
             "a: b", "x #y", "'q'", '"[[Y|z]]"', "it's", "1_0", "0.5e3", "@at", "-", "日本", "a,b"]
    declined = 0
    for _ in range(400):
        lines = []
        for i in range(rng.randint(1, 6)):
            shape = rng.random()
            if shape < 0.5:
                lines.append(f"k{i}: {rng.choice(atoms)}")
            elif shape < 0.75:
                lines.append(f"k{i}: [{', '.join(rng.choice(atoms) for _ in range(rng.randint(0, 3)))}]")
            else:
                lines.append(f"k{i}:")
                lines.extend(f"  - {rng.choice(atoms)}" for _ in range(rng.randint(1, 3)))
        text = "\n".join(lines)
        fast = parse_simple(text)
        if fast is None:
            declined += 1
            continue
        assert fast == load_yaml(text), text
    assert declined < 400  # the fast path is exercised, not always declining
