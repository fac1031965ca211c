"""The body map: the body seen from behind and from the front, each a drawn outline
(QPainterPath) with tappable areas, left and right from the patient's own body.

Every area exists on each figure where the body part can be seen (arms and legs on both), is
a real checkable button (``map:<code>``; its twin on the other figure ``map:<code>:front``),
so it is reached by keyboard and read by a screen reader, and is at least 48 x 48 px. A line
under the figures says what is chosen, in words; a tap on the figure outside every area says
how to go on; the list of ``opt:pain.map:<code>`` buttons below sets the same answer.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QAbstractButton, QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.i18n import t

from ..common.controls import restyle, wrapped_label
from ..patient.items import ChoiceWidget
from ..theme import Theme

W, H = 300, 500
Rect = tuple[int, int, int, int]


def _mirror(r: Rect) -> Rect:
    x, y, w, h = r
    return (W - x - w, y, w, h)


# Areas on the figure seen from behind: the patient's left is on the viewer's left.
_LEFT_BACK: dict[str, Rect] = {
    "shoulder": (40, 80, 66, 56), "upper_arm": (26, 136, 66, 72), "forearm_hand": (8, 208, 76, 140),
    "buttock": (90, 272, 60, 50), "thigh": (94, 322, 56, 62), "below_knee": (96, 384, 54, 68),
    "foot": (86, 452, 64, 48),
}
BACK: dict[str, Rect] = {
    "head_back": (112, 0, 76, 54), "neck": (112, 54, 76, 48), "upper_back": (106, 102, 88, 58),
    "mid_back": (96, 160, 108, 56), "low_back": (96, 216, 108, 56),
    **{f"{part}_l": r for part, r in _LEFT_BACK.items()},
    **{f"{part}_r": _mirror(r) for part, r in _LEFT_BACK.items()},
}
# Seen from the front the patient's right is on the viewer's left.
_RIGHT_FRONT = {**{k: v for k, v in _LEFT_BACK.items() if k != "buttock"}, "thigh": (94, 290, 56, 94)}
FRONT: dict[str, Rect] = {
    "neck": (112, 54, 76, 48), "chest_wall": (106, 102, 88, 114),
    **{f"{part}_r": r for part, r in _RIGHT_FRONT.items()},
    **{f"{part}_l": _mirror(r) for part, r in _RIGHT_FRONT.items()},
}

# The right half of the outline (viewer's right), top of the neck to the crotch; mirrored.
_HALF = [(163, 52), (166, 74), (200, 80), (232, 90), (248, 112), (256, 160), (262, 204), (270, 262),
         (275, 300), (284, 330), (270, 350), (252, 336), (246, 302), (234, 244), (224, 204), (216, 154),
         (208, 134), (206, 172), (200, 228), (212, 278), (210, 330), (204, 384), (202, 424), (192, 458),
         (210, 484), (204, 498), (158, 498), (160, 458), (158, 420), (156, 384), (155, 330), (150, 304)]


@cache
def silhouette() -> QPainterPath:
    """The body's outline: a smooth curve through the points above, and the head (built once)."""
    points = [QPointF(x, y) for x, y in _HALF] + [QPointF(W - x, y) for x, y in reversed(_HALF[:-1])]
    path = QPainterPath()
    mid = (points[-1] + points[0]) / 2
    path.moveTo(mid)
    for a, b in zip(points, points[1:] + points[:1], strict=True):
        path.quadTo(a, (a + b) / 2)
    path.closeSubpath()
    head = QPainterPath()
    head.addEllipse(QRectF(122, 2, 56, 58))
    return path.united(head)


@cache
def area_shape(rect: Rect) -> QPainterPath:
    """The part of the outline inside one area's rectangle, in the area's own coordinates."""
    box = QPainterPath()
    box.addRect(QRectF(*rect))
    return silhouette().intersected(box).translated(-rect[0], -rect[1])


@cache
def details(front: bool) -> QPainterPath:
    """Lines that tell the two figures apart: a face, collarbones and a navel on the front;
    the spine, shoulder blades and the buttock line on the back."""
    path = QPainterPath()
    if front:
        path.addEllipse(QRectF(138, 22, 6, 6))
        path.addEllipse(QRectF(156, 22, 6, 6))
        path.moveTo(142, 42)
        path.quadTo(150, 48, 158, 42)  # a smile
        path.moveTo(116, 96)
        path.quadTo(134, 104, 148, 98)
        path.moveTo(184, 96)
        path.quadTo(166, 104, 152, 98)
        path.addEllipse(QRectF(147, 240, 6, 6))
    else:
        path.moveTo(150, 84)
        path.lineTo(150, 276)  # the spine
        path.moveTo(118, 116)
        path.quadTo(112, 140, 130, 150)
        path.moveTo(182, 116)
        path.quadTo(188, 140, 170, 150)
        path.moveTo(150, 276)
        path.lineTo(150, 300)
        path.moveTo(104, 306)
        path.quadTo(126, 316, 146, 306)
        path.moveTo(196, 306)
        path.quadTo(174, 316, 154, 306)
    return path


@cache
def drawn_figure(theme: Theme, front: bool, ratio: float) -> QPixmap:
    """The outline and its details, drawn once per theme and figure (antialiased paths are slow)."""
    pixmap = QPixmap(int(W * ratio), int(H * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor(theme.figure))
    p.setPen(QPen(QColor(theme.border), 3))
    p.drawPath(silhouette())
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(QColor(theme.border), 2))
    p.drawPath(details(front))
    p.end()
    return pixmap


class MapArea(QAbstractButton):
    """One area: the part of the outline inside its rectangle, filled when chosen."""

    def __init__(self, code: str, name: str, label: str, rect: Rect, theme: Theme, parent: QWidget) -> None:
        super().__init__(parent)
        self.code = code
        self.setObjectName(name)
        self.setAccessibleName(label)
        self.setToolTip(label)
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setGeometry(QRect(*rect))
        self.shape = area_shape(rect)
        self.theme = theme

    def paintEvent(self, event: Any) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.isChecked():
            p.fillPath(self.shape, QColor(self.theme.selected))
            p.setPen(QPen(QColor(self.theme.on_selected), 5))
            c = QRectF(self.rect()).center()
            p.drawPolyline([c + QPointF(-12, 0), c + QPointF(-3, 9), c + QPointF(13, -9)])
        p.setPen(QPen(QColor(self.theme.border), 1, Qt.PenStyle.DotLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        if self.hasFocus():
            p.setPen(QPen(QColor(self.theme.focus), 4))
            p.drawRoundedRect(QRectF(self.rect()).adjusted(2, 2, -2, -2), 8, 8)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.click()
            return
        super().keyPressEvent(event)


class BodyFigure(QWidget):
    """One figure. ``missed``: a tap on the figure outside every area."""

    missed = Signal()

    def __init__(self, areas: dict[str, Rect], labels: dict[str, str], theme: Theme, *, front: bool,
                 twins: frozenset[str] = frozenset(), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(W, H)
        self.theme = theme
        self.front = front
        self.buttons: dict[str, MapArea] = {}
        for code, rect in areas.items():
            name = f"map:{code}:front" if code in twins else f"map:{code}"
            self.buttons[code] = MapArea(code, name, labels[code], rect, theme, self)

    def paintEvent(self, event: Any) -> None:
        QPainter(self).drawPixmap(0, 0, drawn_figure(self.theme, self.front, self.devicePixelRatioF()))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.missed.emit()  # areas are children: a press that reaches the figure hit none
        event.accept()


class BodyMapWidget(ChoiceWidget):
    """The two figures, what is chosen in words, and the same areas as a list of buttons."""

    def build(self, value: Any) -> QWidget:
        box = QWidget(self)
        outer = QVBoxLayout(box)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)
        labels = {o.code: o.display.get(self.lang) for o in self.item.options}
        self.back = BodyFigure({c: r for c, r in BACK.items() if c in labels}, labels, self.theme, front=False)
        twins = frozenset(FRONT) & frozenset(BACK)
        self.front = BodyFigure({c: r for c, r in FRONT.items() if c in labels}, labels, self.theme, front=True,
                                twins=twins)
        row = QHBoxLayout()
        row.setSpacing(24)
        row.addStretch(1)
        # Seen from behind the patient's left is the viewer's left; from the front, the right.
        row.addWidget(self._captioned(self.back, "map.back", "map.your_left", "map.your_right"))
        row.addWidget(self._captioned(self.front, "map.front", "map.your_right", "map.your_left"))
        # what is chosen, in words, beside the figures where a finger just was
        self.chosen_line = wrapped_label("", "question", box)
        self.chosen_line.setObjectName("map:chosen")
        self.chosen_line.setMinimumWidth(200)
        self.chosen_line.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.chosen_line, 8)
        row.addStretch(1)
        outer.addLayout(row)
        self.figures_row, self.outer = row, outer
        self.areas: list[MapArea] = [*self.back.buttons.values(), *self.front.buttons.values()]
        for area in self.areas:
            area.clicked.connect(lambda _=False, code=area.code: self.on_area(code))
        for figure in (self.back, self.front):
            figure.missed.connect(self._missed)
        outer.addWidget(wrapped_label(t(self.lang, "map.list"), "hint", box))
        self.buttons = {}
        self.exclusive = set()
        outer.addWidget(self.option_grid(list(labels.items()), 3))  # the list: opt:pain.map:<code>
        self.labels = labels
        self.show_value(value)
        return box

    def _captioned(self, figure: BodyFigure, title: str, left: str, right: str) -> QWidget:
        """The figure with its name above ("Back", "Front") and the patient's sides below."""
        box = QWidget()
        lay = QGridLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setVerticalSpacing(2)
        head = wrapped_label(t(self.lang, title), "question", box)
        head.setObjectName(f"map:title:{title}")
        head.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(head, 0, 0, 1, 2)
        lay.addWidget(figure, 1, 0, 1, 2, Qt.AlignmentFlag.AlignHCenter)
        for col, key, arrow, align in ((0, left, "◀ {}", Qt.AlignmentFlag.AlignLeft),
                                       (1, right, "{} ▶", Qt.AlignmentFlag.AlignRight)):
            side = wrapped_label(arrow.format(t(self.lang, key)), "hint", box)
            side.setAlignment(align)
            lay.addWidget(side, 2, col)
        box.setFixedWidth(W + 40)
        return box

    def resizeEvent(self, event: Any) -> None:
        """'You chose' beside the figures on a wide screen, under them on a narrow one."""
        super().resizeEvent(event)
        beside = event.size().width() >= 2 * (W + 40) + 24 * 3 + 360
        inside = self.figures_row.indexOf(self.chosen_line) >= 0
        if beside != inside:
            (self.figures_row if inside else self.outer).removeWidget(self.chosen_line)
            if beside:
                self.figures_row.insertWidget(self.figures_row.count() - 1, self.chosen_line, 8)
            else:
                self.outer.insertWidget(1, self.chosen_line)

    def show_value(self, value: Any) -> None:
        super().show_value(value)
        chosen = [c for c in getattr(self, "labels", {}) if c in set(value or [])]
        for area in getattr(self, "areas", []):
            area.setChecked(area.code in chosen)
        if hasattr(self, "chosen_line"):
            words = ", ".join(self.labels[c] for c in chosen)
            self.chosen_line.setText(t(self.lang, "map.chosen", areas=words) if chosen else t(self.lang, "map.none"))
            restyle(self.chosen_line, role="question")

    def _missed(self) -> None:
        self.chosen_line.setText(t(self.lang, "map.missed"))
        restyle(self.chosen_line, role="error")

    def on_area(self, code: str) -> None:
        chosen = set(self.current())
        chosen.symmetric_difference_update({code})
        ordered = [c for c in self.buttons if c in chosen]
        self.show_value(ordered)
        self.give(ordered or None)
