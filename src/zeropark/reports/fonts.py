"""The report font (报告字体): Noto Sans SC, shipped with the project's set-up, never taken from the system.

A PDF drawn with whatever CJK font the machine happens to have shows boxes (豆腐块) on a machine
that has none, and WeasyPrint does so silently. The project therefore ships its own font:
``make assets`` copies Noto Sans SC (SIL Open Font License 1.1) from the npm packages
``@expo-google-fonts/noto-sans-sc`` (full TrueType files, for the PDF and its charts) and
``@fontsource/noto-sans-sc`` (WOFF2 subsets, for the web pages) into
``web/static/vendor/fonts``. The PDF names the files in ``@font-face`` rules and the charts
register them with matplotlib; when a file is missing, rendering stops with
:class:`~zeropark.errors.SetupError` saying how to install it, instead of printing boxes.
"""

from __future__ import annotations

from pathlib import Path

from zeropark.errors import SetupError

#: The family name the PDF, its charts and the web pages use.
FAMILY = "Noto Sans SC"
#: Where ``make assets`` puts the fonts (beside the other front-end assets from npm).
FONT_DIR = Path(__file__).resolve().parent.parent / "web" / "static" / "vendor" / "fonts"
#: CSS font weight → file name of the TrueType font in :data:`FONT_DIR`.
FILES: dict[int, str] = {400: "NotoSansSC-Regular.ttf", 700: "NotoSansSC-Bold.ttf"}


def font_files(font_dir: Path | None = None) -> dict[int, Path]:
    """Weight → path of the shipped report font files.

    Raises
    ------
    SetupError
        A file is missing (names it, and the command that installs it).
    """
    where = FONT_DIR if font_dir is None else font_dir
    paths = {weight: where / name for weight, name in FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise SetupError(
            f"the report font {FAMILY} is missing ({', '.join(missing)}); without it the PDF would "
            "show boxes instead of Chinese. Install it with `make assets` (npm ci copies it from "
            "@expo-google-fonts/noto-sans-sc)"
        )
    return paths


def font_face_css(font_dir: Path | None = None) -> str:
    """``@font-face`` rules naming the shipped files by ``file://`` URL, for WeasyPrint.

    Raises
    ------
    SetupError
        A font file is missing.
    """
    return "\n".join(
        f"@font-face {{ font-family: '{FAMILY}'; font-style: normal; font-weight: {weight}; "
        f"src: url('{path.as_uri()}') format('truetype'); }}"
        for weight, path in sorted(font_files(font_dir).items())
    )
