"""The one-to-two page PDF summary of an intake: the report's HTML, laid out by QTextDocument
and printed with QPdfWriter. Needs only a QGuiApplication (the CLI makes an off-screen one)."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QSizeF
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from kiosk.export import write_private
from kiosk.review import IntakeReport, patient_name, report_html

PRINT_POINT_SIZE = 8.5


def pdf_file(out_dir: Path, uuid: str) -> Path:
    return out_dir / f"intake-{uuid}.pdf"


def render_pdf(report: IntakeReport, path: Path) -> Path:
    """Write the intake summary to ``path`` (owner-only, atomically). Returns the path."""
    footer = f"<p class='muted'>Intake summary for clinician review: {html.escape(patient_name(report.row))}.</p>"
    return html_to_pdf(report_html(report, for_print=True) + footer, path, f"Intake summary {report.row.uuid}")


def html_to_pdf(body: str, path: Path, title: str, point_size: float = PRINT_POINT_SIZE) -> Path:
    """Lay out and print in memory, then write the bytes owner-only (no file with patient data is
    ever on disk under the umask's permissions, or under a name another user could plant)."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator("Facet intake kiosk")
    writer.setResolution(300)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.Letter), QPageLayout.Orientation.Portrait,
                                     QMarginsF(14, 12, 14, 12), QPageLayout.Unit.Millimeter))
    doc = QTextDocument()
    font = QFont("DejaVu Sans")
    font.setPointSizeF(point_size)
    doc.setDefaultFont(font)
    doc.documentLayout().setPaintDevice(writer)  # lay out at the writer's resolution: points stay points
    doc.setHtml(body)
    rect = writer.pageLayout().paintRectPixels(writer.resolution())
    doc.setPageSize(QSizeF(rect.width(), rect.height()))  # the page's own margins, no extra 2 cm
    doc.setDocumentMargin(0)
    doc.print_(writer)
    del writer  # finishes the document
    buffer.close()
    return write_private(path, bytes(buffer.data().data()))


SHEET_NAME = "facet-joint-injections"
SHEET_STYLE = """<style>
body { font-family: 'DejaVu Sans', sans-serif; }
h1 { font-size: 175%; } h2 { font-size: 130%; margin-top: 14px; }
.lead { font-size: 110%; } .small { color: #45433F; font-size: 90%; margin-top: 18px; }
li { margin-bottom: 3px; }
</style>"""


def info_sheet_html(lang: str) -> str:
    from kiosk.resources import resource

    path = resource("info", f"{SHEET_NAME}.{lang}.html")
    if not path.exists():
        path = resource("info", f"{SHEET_NAME}.en.html")
    return SHEET_STYLE + path.read_text(encoding="utf-8")


def render_info_sheet(lang: str, out_dir: Path) -> Path:
    """The printable patient information sheet (large print, one page) in ``lang``."""
    return html_to_pdf(info_sheet_html(lang), out_dir / f"{SHEET_NAME}-{lang}.pdf",
                       "Facet joint injections: patient information", point_size=12)
