"""The PDF report carries its own Chinese font: on a machine with no CJK font it still prints Chinese.

A newcomer's machine is imitated with a fontconfig configuration that knows only DejaVu (the check
that fontconfig then finds no Chinese font is part of the test). The demo is built by the CLI
in-process (no font is involved), and the report is written by the CLI, as a user would, in a
subprocess under that configuration (fontconfig reads it when the process starts); the PDF's text must
hold the Chinese headings and every embedded font must be the shipped Noto Sans SC (read from the
font program's own name table, not from the name the PDF gives it).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from api_support import invoke_cli
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from zeropark.errors import SetupError
from zeropark.reports import fonts

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def _no_cjk_fontconfig(tmp_path: Path) -> dict[str, str]:
    """The environment of a machine whose fontconfig knows DejaVu only."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{DEJAVU}</dir>\n  <cachedir>{tmp_path / 'fc-cache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return {
        **os.environ,
        "FONTCONFIG_FILE": str(conf),
        "ZEROPARK_DATABASE_URL": f"sqlite:///{tmp_path / 'z.db'}",
    }


def _zeropark(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "zeropark", *args], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]


def _embedded_font_families(pdf: bytes) -> set[str]:
    """Family names in the name tables of the font programs embedded in ``pdf``."""
    families: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            desc = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = desc["/FontDescriptor"].get_object()
            stream = next(descriptor[k] for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in descriptor)
            families.add(TTFont(io.BytesIO(stream.get_object().get_data()))["name"].getDebugName(1))
    return families


@pytest.mark.skipif(not DEJAVU.is_dir() or shutil.which("fc-list") is None, reason="needs DejaVu and fc-list")
def test_pdf_prints_chinese_on_a_machine_without_cjk_fonts(tmp_path: Path) -> None:
    env = _no_cjk_fontconfig(tmp_path)
    # the imitated machine has no Chinese font at all
    zh = subprocess.run(["fc-list", ":lang=zh", "family"], env=env, capture_output=True, text=True)
    assert zh.returncode == 0 and zh.stdout.strip() == "", zh.stdout
    built = invoke_cli(env["ZEROPARK_DATABASE_URL"], "demo", "--enterprises", "6", "--days", "31")
    assert built.exit_code == 0, built.output
    out = tmp_path / "report.pdf"
    _zeropark(env, "report", "--year", "2025", "--kind", "pdf", "--output", str(out))
    pdf = out.read_bytes()
    text = "".join("".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages).split())
    for heading in ("2025年度园区碳排放报告", "一、摘要", "核心指标", "十一、核查状态与溯源信息", "示例数据"):
        assert heading in text, heading
    # regular and bold of the shipped font, and nothing else (no DejaVu, no system CJK font)
    assert _embedded_font_families(pdf) == {fonts.FAMILY}


def test_a_missing_font_stops_the_report_and_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match=r"report font Noto Sans SC is missing .*`make assets`"):
        fonts.font_face_css(tmp_path)
    rules = fonts.font_face_css()
    assert rules.count("@font-face") == 2 and "NotoSansSC-Bold.ttf" in rules and "font-weight: 700" in rules
