"""Colours, sizes and the stylesheet. Two themes (standard, high contrast) and three text
sizes; the contrast of every text/background pair is computed, and tested, from here."""

from __future__ import annotations

from typing import NamedTuple

TEXT_SIZES = {"normal": 20, "large": 24, "largest": 28}  # base text in points
MIN_TARGET_PX = 48
BUTTON_HEIGHT_PX = 64


class Theme(NamedTuple):
    name: str
    background: str
    text: str
    muted: str
    surface: str
    primary: str
    on_primary: str
    option: str
    on_option: str
    border: str
    selected: str
    on_selected: str
    error: str
    notice: str
    on_notice: str
    focus: str
    figure: str
    ok: str  # "Review saved." and other calm confirmations: never the error colour

    def pairs(self) -> list[tuple[str, str, str]]:
        """(what, foreground, background) for every text the kiosk draws."""
        return [
            ("text", self.text, self.background), ("muted", self.muted, self.background),
            ("typed text", self.text, self.surface), ("primary button", self.on_primary, self.primary),
            ("option", self.on_option, self.option), ("selected option", self.on_selected, self.selected),
            ("error", self.error, self.background), ("confirmation", self.ok, self.background),
            ("notice", self.on_notice, self.notice),
        ]


STANDARD = Theme(
    name="standard", background="#F4F1EA", text="#1A1A1A", muted="#45433F", surface="#FFFFFF",
    primary="#0B4F8A", on_primary="#FFFFFF", option="#FFFFFF", on_option="#1A1A1A", border="#5B5853",
    selected="#0B4F8A", on_selected="#FFFFFF", error="#9E0019", notice="#FFF3CD", on_notice="#1A1A1A",
    focus="#B34700", figure="#D8D2C6", ok="#1D5E2C",
)
HIGH_CONTRAST = Theme(
    name="high-contrast", background="#000000", text="#FFFFFF", muted="#E6E6E6", surface="#000000",
    primary="#FFFF00", on_primary="#000000", option="#000000", on_option="#FFFFFF", border="#FFFFFF",
    selected="#FFFF00", on_selected="#000000", error="#FF9E9E", notice="#000000", on_notice="#FFFFFF",
    focus="#00FFFF", figure="#3A3A3A", ok="#9EFFB0",
)
THEMES = {t.name: t for t in (STANDARD, HIGH_CONTRAST)}
REQUIRED_CONTRAST = {"standard": 4.5, "high-contrast": 7.0}


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(fg: str, bg: str) -> float:
    """WCAG 2 contrast ratio."""
    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


STAFF_TEXT_PT = 18  # staff screens: the minimum base size, so a queue fits at a glance
STAFF_BUTTON_PX = 44  # plus padding and border: 52 px on screen


def stylesheet(theme: Theme, text_size: str = "normal", *, base_pt: int | None = None,
               button_px: int = BUTTON_HEIGHT_PX) -> str:
    base = base_pt or TEXT_SIZES[text_size]
    t = theme
    return f"""
QWidget {{ background: {t.background}; color: {t.text}; font-size: {base}pt; }}
QLabel {{ background: transparent; }}
QPushButton[chrome="true"], QLabel[chrome="true"] {{ font-size: {min(base, 24)}pt; }}
QLabel[role="title"] {{ font-size: {round(base * 1.5)}pt; font-weight: bold; }}
QLabel[role="question"] {{ font-size: {round(base * 1.15)}pt; font-weight: bold; }}
QLabel[role="step"], QLabel[role="hint"], QLabel[role="privacy"] {{ color: {t.muted}; }}
QLabel[role="error"] {{ color: {t.error}; font-weight: bold; }}
QLabel[role="ok"] {{ color: {t.ok}; font-weight: bold; }}
QFrame[role="item"] {{ border: 2px solid {t.border}; border-radius: 12px; }}
QFrame[role="item"][invalid="true"] {{ border: 4px solid {t.error}; }}
QWidget[role="scrim"] {{ background: rgba(0, 0, 0, 160); }}
QFrame[role="overlay"] {{ background: {t.notice}; border: 4px solid {t.border}; border-radius: 16px; }}
QLabel[notice="plain"], QLabel[notice="now"] {{ color: {t.on_notice}; }}
QFrame[role="keyboard"] {{ background: {t.surface}; border-top: 3px solid {t.border}; }}
QPushButton {{ min-height: {button_px}px; padding: 6px 18px;
    background: {t.option}; color: {t.on_option}; border: 3px solid {t.border}; border-radius: 10px; }}
QPushButton:checked {{ background: {t.selected}; color: {t.on_selected}; border: 3px solid {t.selected}; }}
QPushButton[role="primary"] {{ background: {t.primary}; color: {t.on_primary}; border: 3px solid {t.primary};
    font-weight: bold; }}
QPushButton[role="quiet"] {{ border: 3px solid {t.border}; }}
QPushButton[role="hero"] {{ background: {t.primary}; color: {t.on_primary}; border: 3px solid {t.primary};
    font-weight: bold; font-size: {round(base * 1.6)}pt; min-width: 380px; min-height: 110px; border-radius: 16px; }}
QPushButton[role="scale"] {{ padding: 4px 2px; min-width: 56px; }}
QPushButton[wrap="true"] {{ padding: 4px 12px; }}
QPushButton[align="left"] {{ text-align: left; }}
QPushButton[role="compact"] {{ min-height: {MIN_TARGET_PX}px; padding: 2px 14px; }}
QPushButton[nav="true"] {{ min-height: 72px; }}
QPushButton[key="short"] {{ min-height: 46px; max-height: 46px; padding: 0px 4px; }}
QPushButton[key="tall"] {{ min-height: 64px; max-height: 64px; padding: 0px 4px; }}
QLabel[role="review-question"] {{ color: {t.muted}; font-size: {round(base * 0.9)}pt; }}
QLabel[role="review-answer"] {{ font-weight: bold; }}
QLabel[role="review-section"] {{ margin-top: 8px; }}
QWidget[role="review-group"] {{ border-left: 4px solid {t.border}; }}
QFrame[role="overlay"][tone="now"] {{ border: 6px solid {t.error}; }}
QFrame[role="overlay"][tone="nurse"] {{ background: {t.surface}; border: 4px solid {t.primary}; }}
QLabel[notice="nurse"] {{ color: {t.text}; }}
QPushButton:focus {{ border: 3px solid {t.focus}; }}
QPushButton:disabled {{ color: {t.muted}; }}
QLineEdit {{ min-height: {button_px}px; background: {t.surface}; color: {t.text};
    border: 3px solid {t.border}; border-radius: 8px; padding: 0 12px; font-size: {round(base * 1.2)}pt; }}
QLineEdit:focus {{ border: 4px solid {t.focus}; }}
QScrollArea {{ border: none; }}
QScrollBar:vertical {{ width: 28px; background: {t.background}; }}
QScrollBar::handle:vertical {{ background: {t.border}; min-height: 60px; border-radius: 8px; }}
"""


def colours(theme: Theme) -> dict[str, str]:
    return {name: getattr(theme, name) for name in theme._fields if name != "name"}
