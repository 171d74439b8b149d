"""HTML tables inside a digest, row by row (bot/reports/html_tables.py)."""

from __future__ import annotations

from bot.reports.html_tables import MAX_OPEN, HtmlCell, html_tables


def tables(text: str) -> list[tuple[int, int, list[tuple[int, list[str], list[str], bool]]]]:
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if "<table" in line.lower()]
    return [
        (t.start, t.end, [(r.line, [c.text for c in r.cells], list(r.ids), r.unread) for r in t.rows])
        for t in html_tables(lines, starts)
    ]


def test_rows_cells_links_and_attribute_ids() -> None:
    text = (
        "# cs.LG\n"
        "<table>\n"
        "<thead><tr><th>#</th><th>题目</th></tr></thead>\n"
        "<tbody>\n"
        "<tr>\n"
        "  <td>1</td>\n"
        '  <td><a href="./p/1.html">From   Imitation &amp; Optimization</a></td>\n'
        '  <td><button data-arxiv-id="2508.07029v2" onclick="f(\'2508.06767\')">☆</button></td>\n'
        "</tr>\n"
        "</tbody>\n"
        "</table>\n"
        "after"
    )
    assert tables(text) == [
        (
            1,
            11,
            [
                (2, ["#", "题目"], [], False),
                (4, ["1", "[From Imitation & Optimization](./p/1.html)", "☆"], ["2508.07029"], False),
            ],
        )
    ]
    lines = text.split("\n")
    (table,) = html_tables(lines, [1])
    assert table.rows[0].cells == (HtmlCell("#", header=True), HtmlCell("题目", header=True))


def test_a_whole_table_on_one_line_unclosed_cells_and_upper_case_tags() -> None:
    text = '<TABLE><TR><TD>1<TD><A HREF="https://arxiv.org/abs/2508.07029">Title</A><TR><TD>2</TABLE> tail'
    assert tables(text) == [
        (0, 1, [(0, ["1", "[Title](https://arxiv.org/abs/2508.07029)"], [], False), (0, ["2"], [], False)])
    ]


def test_a_link_whose_href_would_not_read_back_as_markdown_is_its_text() -> None:
    text = '<table><tr><td><a href="a b(c)">Title</a> <a href="">x</a></td></tr></table>'
    assert tables(text)[0][2][0][1] == ["Title x"]


def test_a_nested_table_is_part_of_the_one_around_it_and_an_unclosed_one_runs_to_the_end() -> None:
    text = "<table>\n<tr><td><table><tr><td>in</td></tr></table></td></tr>\n</table>\nafter\n<table><tr><td>x"
    found = tables(text)
    assert [(start, end) for start, end, _rows in found] == [(0, 3), (4, 5)]


def test_a_row_of_constructs_that_never_end_is_given_up_and_the_next_row_read() -> None:
    # Each unfinished `<a b="` is searched for its end to the end of the row: given up after
    # MAX_OPEN of them, so crafted rows cannot make html.parser's work grow with their square.
    crafted = '<a b="x>y" ' * 200
    text = f"<table>\n<tr><td>{crafted}\n<tr><td>2508.07029 Title</td></tr>\n</table>"
    rows = tables(text)[0][2]
    assert rows == [(1, [], [], True), (2, ["2508.07029 Title"], [], False)]


def test_stray_less_than_signs_in_text_are_text() -> None:
    text = "<table><tr><td>a < b and c <= d</td><td>x</td></tr></table>"
    assert tables(text)[0][2] == [(0, ["a < b and c <= d", "x"], [], False)]
    assert MAX_OPEN >= 2  # a row may end on one unfinished construct, read twice (feed, close)
