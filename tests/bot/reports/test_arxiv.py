import pytest

from bot.reports.arxiv import arxiv_id_from_url, impossible_arxiv_id, parse_arxiv_id


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
        # As typed in a chat: `/paper arxiv 2602.01234` found nothing.
        ("arXiv 2602.01234", "2602.01234"),
        ("arxiv: 2602.01234v2", "2602.01234"),
        ("ARXIV hep-th/9901001", "hep-th/9901001"),
        ("arxiv 0000.00000", None),
        ("arxive 2602.01234", None),
        ("1412.1234", "1412.1234"),
        ("2602.1234", None),  # four digits ended in 2014
        ("1412.12345", None),  # five began in 2015
        ("0000.00000", None),
        ("2600.00001", None),
        ("2613.00001", None),
        ("0612.00001", None),  # new-style ids began in April 2007
        ("hep-th/9901001", "hep-th/9901001"),
        ("HEP-TH/9901001v3", "hep-th/9901001"),
        ("Hep-Th/9901001", "hep-th/9901001"),
        ("math.GT/0309136", "math/0309136"),  # the subject class is not part of the id
        ("hep-th/9913001", None),
        ("hep-th/1201001", None),  # old-style ids ended in 2007
        ("26020.1234", None),
        ("diffusion", None),
        # Pasted from an address bar (no scheme) or a citation (arXiv's DOI).
        ("hf.co/papers/2602.01234", "2602.01234"),
        ("huggingface.co/papers/2602.01234", "2602.01234"),
        ("arxiv.org/abs/2602.01234v2", "2602.01234"),
        ("www.arxiv.org/pdf/2602.01234v2.pdf", "2602.01234"),
        ("10.48550/arXiv.2602.01234", "2602.01234"),
        ("https://doi.org/10.48550/arXiv.2602.01234", "2602.01234"),
        ("doi: 10.48550/ARXIV.2602.01234", "2602.01234"),
        ("10.48550/arXiv.hep-th/9901001", "hep-th/9901001"),
        ("10.1145/3580305.3599456", None),
        ("example.com/papers/2602.01234", None),
    ],
)
def test_parse_arxiv_id(text: str, expected: str | None) -> None:
    assert parse_arxiv_id(text) == expected


def test_case_variants_of_an_old_style_id_in_links_are_one_id() -> None:
    urls = ("https://arxiv.org/abs/hep-th/9901001", "https://arxiv.org/abs/HEP-TH/9901001v2")
    assert {arxiv_id_from_url(url) for url in urls} == {"hep-th/9901001"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0000.00000", "month 00 does not exist"),
        ("https://huggingface.co/papers/2613.00001", "month 13 does not exist"),
        ("2602.1234", "since January 2015 (1501) numbers have five digits"),
        ("diffusion", None),
        ("2602.01234", None),
        ("hf.co/papers/2613.00001", "month 13 does not exist"),
        ("10.48550/arXiv.0000.00000", "month 00 does not exist"),
    ],
)
def test_impossible_ids_say_why(text: str, reason: str | None) -> None:
    assert impossible_arxiv_id(text) == reason
