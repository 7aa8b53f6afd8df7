"""import_raw copies a file that lives only in a documentation page out of its fenced block (session 32)."""

from __future__ import annotations

import pytest

from benchmarks.realworld.import_raw import markdown_block

PAGE = """# Running it

Some words.

```sh
mkdir data
```

## Minimal example

# not a heading outside a fence? it is one, but not the one asked for, so it ends nothing yet

Text before the block.

```yaml
services:
  app:
    image: example/app:1.2
    # a YAML comment inside the fence is no heading
    ports:
      - 8080:8080
```

```yaml
services: {second: {}}
```

## With a proxy

```yaml
services: {proxy: {}}
```
"""


def test_the_block_under_the_heading_is_the_first_fence_after_it() -> None:
    assert markdown_block(PAGE.replace("# not a heading", "not a heading"), "Minimal example") == (
        "services:\n  app:\n    image: example/app:1.2\n    # a YAML comment inside the fence is no heading\n"
        "    ports:\n      - 8080:8080\n")


def test_another_heading_before_any_fence_ends_the_section() -> None:
    with pytest.raises(ValueError, match="no fenced block under 'Minimal example'"):
        markdown_block(PAGE, "Minimal example")


def test_a_comment_line_inside_a_fence_is_never_taken_for_the_heading() -> None:
    page = "```yaml\n# Minimal example\nx: 1\n```\n\n## Other\n\n```yaml\ny: 2\n```\n"
    with pytest.raises(ValueError, match="no heading 'Minimal example'"):
        markdown_block(page, "Minimal example")


def test_a_later_section_is_read_on_its_own() -> None:
    assert markdown_block(PAGE, "With a proxy") == "services: {proxy: {}}\n"
