"""The body map: a back and a front figure with tappable areas, left and right from the
patient's own body. Each area is a real checkable button (``map:<code>``), so it can be
reached by keyboard and read by a screen reader; the list of ``opt:pain.map:<code>``
buttons next to it sets the same answer."""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QAbstractButton, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..theme import Theme

W, H = 300, 480

# Areas in a 300 x 480 box; every one at least 48 x 48 px. On the back figure the patient's
# left is on the viewer's left; on the front figure it is on the viewer's right.
BACK = {
    "head_back": (124, 0, 52, 48), "neck": (124, 50, 52, 48),
    "shoulder_l": (38, 100, 62, 50), "upper_back": (102, 100, 96, 50), "shoulder_r": (200, 100, 62, 50),
    "mid_back": (96, 152, 108, 48), "low_back": (96, 202, 108, 48),
    "buttock_l": (92, 252, 57, 48), "buttock_r": (151, 252, 57, 48),
    "thigh_l": (92, 302, 57, 56), "thigh_r": (151, 302, 57, 56),
    "below_knee_l": (94, 360, 54, 68), "below_knee_r": (152, 360, 54, 68),
    "foot_l": (86, 430, 62, 48), "foot_r": (152, 430, 62, 48),
}
FRONT = {
    "upper_arm_r": (34, 102, 58, 90), "chest_wall": (96, 100, 108, 90), "upper_arm_l": (208, 102, 58, 90),
    "forearm_hand_r": (26, 194, 62, 120), "forearm_hand_l": (212, 194, 62, 120),
}


def _silhouette() -> QPainterPath:
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)  # so simplified() unites the overlapping parts
    path.addEllipse(QRectF(126, 2, 48, 46))
    path.addRoundedRect(QRectF(136, 40, 28, 64), 8, 8)
    path.addRoundedRect(QRectF(44, 98, 212, 38), 18, 18)
    path.addRoundedRect(QRectF(96, 102, 108, 200), 18, 18)
    path.addRoundedRect(QRectF(44, 106, 44, 108), 18, 18)
    path.addRoundedRect(QRectF(212, 106, 44, 108), 18, 18)
    path.addRoundedRect(QRectF(36, 196, 44, 124), 18, 18)
    path.addRoundedRect(QRectF(220, 196, 44, 124), 18, 18)
    path.addRoundedRect(QRectF(98, 290, 48, 150), 18, 18)
    path.addRoundedRect(QRectF(154, 290, 48, 150), 18, 18)
    path.addRoundedRect(QRectF(90, 434, 56, 40), 14, 14)
    path.addRoundedRect(QRectF(154, 434, 56, 40), 14, 14)
    return path.simplified()


class MapArea(QAbstractButton):
    def __init__(self, code: str, label: str, theme: Theme, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName(f"map:{code}")
        self.setAccessibleName(label)
        self.setToolTip(label)
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.theme = theme

    def paintEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(3, 3, -3, -3)
        if self.isChecked():
            p.setBrush(QColor(self.theme.selected))
            p.setPen(QPen(QColor(self.theme.on_selected), 3))
            p.drawRoundedRect(r, 10, 10)
            p.setPen(QPen(QColor(self.theme.on_selected), 5))
            c = r.center()
            p.drawPolyline([c + type(c)(-12, 0), c + type(c)(-3, 9), c + type(c)(13, -9)])
        else:
            p.setBrush(Qt.BrushStyle.NoBrush)
            pen = QPen(QColor(self.theme.border), 2, Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawRoundedRect(r, 10, 10)
        if self.hasFocus():
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(QColor(self.theme.focus), 4))
            p.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 10, 10)

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.click()
            return
        super().keyPressEvent(event)


class BodyFigure(QWidget):
    toggled = Signal(str, bool)

    def __init__(self, areas: dict[str, tuple[int, int, int, int]], labels: dict[str, str], theme: Theme,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(W, H)
        self.theme = theme
        self.path = _silhouette()
        self.buttons: dict[str, MapArea] = {}
        for code, (x, y, w, h) in areas.items():
            button = MapArea(code, labels[code], theme, self)
            button.setGeometry(QRect(x, y, w, h))
            button.toggled.connect(lambda on, code=code: self.toggled.emit(code, on))
            self.buttons[code] = button

    def paintEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setBrush(QColor(self.theme.figure))
        p.setPen(QPen(QColor(self.theme.border), 2))
        p.drawPath(self.path)


def figure_with_caption(title: str, left_caption: str, right_caption: str, figure: BodyFigure) -> QWidget:
    """The figure under one line: which side is which, and whether it is the back or front."""
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(4)
    row = QHBoxLayout()
    for text, align, role in ((f"◀ {left_caption}", Qt.AlignmentFlag.AlignLeft, "hint"),
                              (title, Qt.AlignmentFlag.AlignHCenter, "question"),
                              (f"{right_caption} ▶", Qt.AlignmentFlag.AlignRight, "hint")):
        label = QLabel(text)
        label.setProperty("role", role)
        label.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(label, 1)
    lay.addLayout(row)
    lay.addWidget(figure, 0, Qt.AlignmentFlag.AlignHCenter)
    box.setMaximumWidth(W + 120)
    return box
