"""The draft needs assessment (svd.needs): layout on a tiny hand-made draft, and on the real data its figures
against ``python -m svd figures``, every section present in the .docx and the .pdf read back, and its time."""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys

import altair as alt
import pandas as pd
import pytest

from svd import needs, strategy
from svd import provenance as prov
from svd.config import repo_root

SECTION_TITLES = (
    "Place and population",
    "Violence and exploitation affecting under-25s",
    "Domestic abuse",
    "Sexual violence",
    "Harm and cost",
    "Cross-border",
    "Data gaps",
)


# ------------------------------------------------------------------------------------------------ tiny


def _tiny_draft() -> needs.Draft:
    sim = prov.records(True, "Apr 2025 to Mar 2026", method="of knife-flagged offences")
    real = prov.mps("Apr 2025 to Mar 2026", method="count")
    chart = alt.Chart(
        pd.DataFrame({"hour": [1, 2, 3], "share": [10.0, 20.0, 70.0]}), title="Tiny chart"
    ).mark_bar()
    chart = chart.encode(x="hour:O", y="share:Q")
    sections = [
        needs.Section(
            "a",
            "Violence and exploitation affecting under-25s",
            "Intro A.",
            (
                needs.Finding(
                    "knife",
                    "Knife offences that are personal robbery",
                    49.0,
                    "49%",
                    sim,
                    "knife_personal_robbery",
                ),
                needs.Finding(
                    "robbery", "Personal robbery", 678.0, "678", real, statistic="no significant change"
                ),
            ),  # fmt: skip
            (needs.Table("Ages", ("People", "Age", "Share"), (("Victims", "0-17", "47%"),), sim),),
            (needs.Chart("Tiny chart", "Bar chart: 70% in hour 3.", chart, sim),),
        ),
        needs.Section("harm_cost", "Harm and cost", "Intro B.", gaps=(f"{needs.NOT_YET}: a reason.",)),
        needs.Section("cross_border", "Cross-border", "Intro C.", points=("12 wards share a border.",)),
    ]
    return needs.Draft(pd.Timestamp("2026-03-01"), "Apr 2025 to Mar 2026", "Apr 2024 to Mar 2025",
                       "Simulated records.", True, tuple(sections))  # fmt: skip


def test_reference_text_per_unit():
    assert needs.format_reference({"value": 46, "unit": "percent"}) == "46%"
    assert needs.format_reference({"value": 3670, "unit": "offences"}) == "3,670 offences"
    assert (
        needs.format_reference({"value": 2, "unit": "times the population share"})
        == "2 times the population share"
    )


def test_finding_row_sets_the_2023_figure_beside_the_current_and_says_simulated():
    d = _tiny_draft()
    knife, robbery = d.sections[0].findings
    row = needs.finding_row(knife)
    ref = strategy.reference("knife_personal_robbery")
    assert row[0] == "Knife offences that are personal robbery"
    assert row[1].startswith("49%\nApr 2025 to Mar 2026")
    assert row[2] == f"{ref['value']}%\n{ref['period']}"
    assert row[3].startswith("SIMULATED records")
    real = needs.finding_row(robbery)
    assert real[2] == "–" and "no significant change" in real[1] and real[3].startswith("Official data")


def test_a_section_that_cannot_be_computed_says_so_and_gives_no_figures():
    def cross_border(ctx):
        raise FileNotFoundError("/secret/path/london_wards.json")

    s = needs.build_section(cross_border, None)
    assert s.title == "Cross-border" and s.findings == () and s.charts == () and s.tables == ()
    assert len(s.gaps) == 1 and s.gaps[0].startswith(needs.NOT_YET)
    assert "/secret" not in s.gaps[0]  # no path reaches the reader


def test_svg_made_readable_for_fpdf():
    svg = '<svg><line x2="5" y1="2"/><path d=""/><path d="M0,0L1,1"/><text font-family="sans-serif">a</text></svg>'
    out = needs.svg_for_fpdf(svg, "DejaVu").decode()
    assert 'x1="0"' in out and 'y2="0"' in out and 'x2="5"' in out and 'y1="2"' in out
    assert 'd=""' not in out and 'd="M0,0L1,1"' in out
    assert 'font-family="DejaVu"' in out and "sans-serif" not in out


def test_docx_has_title_language_headings_header_rows_alt_text_and_commentary():
    from docx import Document
    from docx.oxml.ns import qn

    d = _tiny_draft()
    doc = Document(io.BytesIO(needs.document_bytes(d, ".docx")))
    assert doc.core_properties.title == d.title
    assert doc.core_properties.language == needs.LANGUAGE
    lang = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert lang.find(qn("w:lang")).get(qn("w:val")) == needs.LANGUAGE
    headings = [
        (p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))
    ]
    for n, s in enumerate(d.sections, start=1):
        assert ("Heading 1", f"{n}. {s.title}") in headings
    assert sum(1 for _, text in headings if text == needs.COMMENTARY) == len(d.sections)
    findings = doc.tables[0]
    assert [c.text for c in findings.rows[0].cells] == list(needs.FINDING_HEADER)
    assert findings.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert findings.rows[1].cells[2].text.startswith("52%")
    doc_pr = doc.inline_shapes[0]._inline.docPr
    assert doc_pr.get("descr") == "Bar chart: 70% in hour 3." and doc_pr.get("title") == "Tiny chart"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert needs.NOT_YET in text and "SIMULATED" in text and "12 wards share a border." in text


def _poppler(tool: str, path, *args: str) -> str:
    return subprocess.run([tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip


def test_pdf_has_every_section_metadata_tags_outline_and_vector_chart(tmp_path):
    d = _tiny_draft()
    raw = needs.document_bytes(d, ".pdf")
    path = tmp_path / "tiny.pdf"
    path.write_bytes(raw)
    info = _poppler("pdfinfo", path)
    assert f"Title:           {d.title}" in info and "Tagged:          yes" in info
    assert b"/Lang (en-GB)" in raw
    for n, s in enumerate(d.sections, start=1):  # headings are outline entries (bookmarks)
        assert f"/Title ({n}. {s.title})".encode() in raw
    assert b"/Alt (Bar chart: 70% in hour 3.)" in raw
    text = _poppler("pdftotext", path, "-layout")
    for s in d.sections:
        assert s.title in text
    assert needs.NOT_YET.split(" by ")[0] in text and needs.COMMENTARY in text and "SIMULATED" in text
    # The chart is vector paths and text (its title is text in the PDF), not a raster image.
    assert "Tiny chart" in text
    assert len(_poppler("pdfimages", path, "-list").strip().splitlines()) == 2  # the header lines only


def test_output_format_is_checked(tmp_path):
    with pytest.raises(ValueError, match=r"\.docx or \.pdf"):
        needs.write(tmp_path / "draft.txt")


def test_command_line_error_is_a_sentence(tmp_path):
    from svd.cli import main

    assert main(["needs-assessment", "--out", str(tmp_path / "d.pdf"), "--month", "2026-13"]) == 1


# ------------------------------------------------------------------------------------------------ real


@pytest.fixture(scope="module")
def real_draft():
    return needs.gather()


@pytest.mark.realdata
@pytest.mark.slow
def test_every_page_figure_in_the_draft_equals_svd_figures(real_draft):
    p = subprocess.run([sys.executable, "-m", "svd", "figures", "--json"], cwd=repo_root(), capture_output=True,
                       text=True, check=True)  # fmt: skip
    figures = {(f["page"], f["id"]): f for f in json.loads(p.stdout)["figures"]}
    from_pages = [f for f in real_draft.findings() if f.figure is not None]
    assert len(from_pages) >= 9
    for f in from_pages:
        fig = figures[f.figure]
        if f.id == "serious_violence_rate":
            assert f.value == pytest.approx(fig["detail"]["rate_per_1000"])
            continue
        assert f.value == pytest.approx(fig["value"]), f.id
        assert f.display.startswith(fig["display"]), f.id
        assert f.provenance.to_dict() == fig["provenance"], f.id
        assert f.statistic == fig["detail"].get("change"), f.id


@pytest.mark.realdata
@pytest.mark.slow
def test_cross_border_figures_equal_svd_border(real_draft):
    p = subprocess.run([sys.executable, "-m", "svd", "border", "--json"], cwd=repo_root(), capture_output=True,
                       text=True, check=True)  # fmt: skip
    report = json.loads(p.stdout)
    section = next(s for s in real_draft.sections if s.id == "cross_border")
    assert list(section.points) == report["sentences"]
    table = section.tables[0]
    assert len(table.rows) == len(report["wards"])
    for row, ward in zip(table.rows, report["wards"], strict=True):
        assert (
            row[0] == ward["ward_name"]
            and row[2] == f"{ward['offences']:,}"
            and row[6] == ward["change_test"]
        )
    mine = [w for w in report["wards"] if w["side"] == report["borough"]]
    this_side = next(f for f in section.findings if f.id == "border_this_side")
    assert this_side.value == sum(w["offences"] for w in mine)


@pytest.mark.realdata
@pytest.mark.slow
def test_harm_figures_equal_the_harm_view(real_draft):
    from svd import harm

    ctx = needs.load_context()
    comp = harm.sna_comparison(ctx.ward, ctx.periods)
    section = next(s for s in real_draft.sections if s.id == "harm_cost")
    for r in comp.itertuples():
        f = next(f for f in section.findings if f.id == f"robbery_share_{r.measure}")
        assert (f.value is None and pd.isna(r.current)) or f.value == pytest.approx(r.current)
        assert f.reference["value"] == r.published


@pytest.mark.realdata
@pytest.mark.slow
def test_the_draft_has_every_section_and_each_finding_its_source(real_draft):
    assert tuple(s.title for s in real_draft.sections) == SECTION_TITLES
    for s in real_draft.sections[:6]:
        assert s.findings, s.title
    refs = {r for r in strategy.references()["id"]}
    for f in real_draft.findings():
        assert f.provenance.source and f.provenance.period
        assert f.reference_id is None or f.reference_id in refs
        if f.provenance.simulated and f.statistic:
            # Only the page's own "not tested" wording, or a label on real figures.
            assert "not tested" in f.statistic, f.id
    with_ref = [f for f in real_draft.findings() if f.reference_id]
    assert len(with_ref) >= 20


@pytest.mark.realdata
@pytest.mark.slow
def test_needs_assessment_for_march_2026_is_written_quickly_and_reads_back(tmp_path):
    from docx import Document

    times = {}
    for fmt in (".docx", ".pdf"):
        out = tmp_path / f"draft{fmt}"
        # CPU time of the child, not wall time: on a shared machine the wall clock measures the other jobs.
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run([sys.executable, "-m", "svd", "needs-assessment", "--out", str(out), "--month", "2026-03"],
                           cwd=repo_root(), capture_output=True, text=True)  # fmt: skip
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times[fmt] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        assert p.returncode == 0, p.stderr
    assert max(times.values()) < 60, times
    doc = Document(str(tmp_path / "draft.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [f"{n}. {t}" for n, t in enumerate(SECTION_TITLES, start=1)]
    text = _poppler("pdftotext", tmp_path / "draft.pdf")
    for title in SECTION_TITLES:
        assert title in text
    assert "Apr 2025 to Mar 2026" in text


@pytest.mark.realdata
@pytest.mark.slow
def test_data_page_offers_the_draft_and_builds_it_through_the_cache(monkeypatch):
    from tests.pagetest import open_page
    from ui import cache

    monkeypatch.delenv("SVD_PUBLIC", raising=False)
    at = open_page("data.py")
    labels = [b.proto.label for b in at.get("download_button")]
    for _, label, _ in needs.DOWNLOADS:
        assert label in labels
    assert any(needs.PAGE_NOTE in m.value for m in at.markdown)
    # What the button's callable returns: the PDF built on the page's data root and record set.
    raw = cache.needs_assessment(cache.data_root(), None, ".pdf")
    assert raw.startswith(b"%PDF") and needs.TITLE.encode() in raw


@pytest.mark.realdata
@pytest.mark.slow
def test_data_page_does_not_offer_the_draft_in_public_mode(monkeypatch):
    from tests.pagetest import open_page

    monkeypatch.setenv("SVD_PUBLIC", "1")
    at = open_page("data.py")
    labels = [b.proto.label for b in at.get("download_button")]
    assert not any(label in labels for _, label, _ in needs.DOWNLOADS)
    assert any(needs.PUBLIC_NOTE in m.value for m in at.markdown)


def test_the_command_refuses_in_public_mode(tmp_path, monkeypatch, capsys):
    """Public mode: no unsuppressed draft from the command line either; a sentence, no file, exit 2."""
    from svd import cli, needs

    monkeypatch.setenv("SVD_PUBLIC", "1")
    out = tmp_path / "draft.pdf"
    assert cli.main(["needs-assessment", "--out", str(out)]) == 2
    assert needs.PUBLIC_NOTE in capsys.readouterr().err
    assert not out.exists()


def test_docx_layout_fits_the_page_as_libreoffice_renders_it():
    """What rendering the Word draft with LibreOffice showed: A4, tables across the text width in set column
    widths (names and labels wider, no equal split that breaks words), rows that never split across a page,
    charts no wider than the text and kept with their captions, and each section on a new page."""
    from docx import Document
    from docx.oxml.ns import qn

    d = _tiny_draft()
    doc = Document(io.BytesIO(needs.document_bytes(d, ".docx")))
    sec = doc.sections[0]
    assert sec.page_width.cm == pytest.approx(21.0, abs=0.01) and sec.page_height.cm == pytest.approx(
        29.7, abs=0.01
    )
    text_width = sec.page_width - sec.left_margin - sec.right_margin
    findings, ages = doc.tables[0], doc.tables[1]
    grid = [int(c.get(qn("w:w"))) for c in findings._tbl.tblGrid.findall(qn("w:gridCol"))]
    twips = text_width / 635  # EMU → twentieths of a point
    assert sum(grid) == pytest.approx(twips, rel=0.01)
    weights = needs.FINDING_WEIGHTS
    assert [g / sum(grid) for g in grid] == pytest.approx([w / sum(weights) for w in weights], rel=0.01)
    age_grid = [int(c.get(qn("w:w"))) for c in ages._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert age_grid[0] > age_grid[1]  # names wider than the figures (needs.table_weights)
    for table in doc.tables:
        for row in table.rows:
            assert row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
    assert findings.rows[1].cells[0].paragraphs[0].runs[0].font.size.pt == needs.TABLE_TEXT_PT
    assert doc.inline_shapes[0].width <= text_width
    picture = next(p for p in doc.paragraphs if p._p.xpath(".//w:drawing"))
    assert picture.paragraph_format.keep_with_next
    starts = [p for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert [bool(p.paragraph_format.page_break_before) for p in starts] == [False] + [True] * (
        len(starts) - 1
    )
