import pytest

from bot.reports.arxiv import arxiv_id_from_url, parse_arxiv_id


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://huggingface.co/papers/2602.02472", "2602.02472"),
        ("https://hf.co/papers/2602.02472v2", "2602.02472"),
        ("https://arxiv.org/abs/2602.02472v3", "2602.02472"),
        ("https://arxiv.org/pdf/2602.02472v1.pdf", "2602.02472"),
        ("http://arxiv.org/html/2602.02472", "2602.02472"),
        ("https://arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001"),
        ("https://arxiv.org/abs/2602.02472?context=cs", "2602.02472"),
        ("https://example.com/papers/2602.02472", None),
        ("https://huggingface.co/papers/date/2026-02-03", None),
        ("not a url", None),
    ],
)
def test_arxiv_id_from_url(url: str, expected: str | None) -> None:
    assert arxiv_id_from_url(url) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2602.01234", "2602.01234"),
        ("2602.01234v2", "2602.01234"),
        ("arXiv:2602.01234", "2602.01234"),
        ("2602.1234", "2602.1234"),
        ("26020.1234", None),
        ("diffusion", None),
    ],
)
def test_parse_arxiv_id(text: str, expected: str | None) -> None:
    assert parse_arxiv_id(text) == expected
