"""How the kiosk looks for the patient at the glass: language, text size and contrast. Every
reset returns to the clinic's first language, the normal size and the standard theme."""

from __future__ import annotations

from kiosk.i18n import LANGUAGES

from ..theme import TEXT_SIZES, THEMES, Theme, stylesheet


class Look:
    """The patient's choices of look; ``languages`` the clinic offers, in the kiosk's order."""

    def __init__(self, languages: tuple[str, ...]) -> None:
        self.languages = tuple(code for code in LANGUAGES if code in languages) or LANGUAGES
        self.lang, self.text_size, self.theme_name = "", "normal", "standard"
        self.reset()

    def reset(self) -> None:
        self.lang, self.text_size, self.theme_name = self.languages[0], "normal", "standard"

    def next_size(self) -> None:
        sizes = list(TEXT_SIZES)
        self.text_size = sizes[(sizes.index(self.text_size) + 1) % len(sizes)]

    def toggle_contrast(self) -> None:
        self.theme_name = "standard" if self.theme_name == "high-contrast" else "high-contrast"

    @property
    def theme(self) -> Theme:
        return THEMES[self.theme_name]

    @property
    def high_contrast(self) -> bool:
        return self.theme_name == "high-contrast"

    def stylesheet(self) -> str:
        return stylesheet(self.theme, self.text_size)
