"""No template carries an inline style or script, which the content security policy would block
(the pages would lose their layout or behaviour without a word); the server-error page's one
style block is allowed by its hash."""

import base64
import hashlib
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted(
    p
    for p in ROOT.glob("**/templates/**/*.html")
    if ".venv" not in p.parts and "staticfiles" not in p.parts
)


def test_no_template_has_an_inline_style_or_script():
    assert len(TEMPLATES) > 20
    found = []
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        if path == ROOT / "templates" / "500.html":
            text = re.sub(r"<style>.*?</style>", "", text, flags=re.S)
        for pattern in (r"\sstyle=", r"<style", r"<script(?![^>]*\bsrc=)", r"\son[a-z]+="):
            if re.search(pattern, text):
                found.append((str(path.relative_to(ROOT)), pattern))
    assert found == []


def test_the_server_error_page_style_is_allowed_by_its_hash():
    text = (ROOT / "templates" / "500.html").read_text(encoding="utf-8")
    style = re.search(r"<style>(.*?)</style>", text, flags=re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    style_src = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"]
    assert f"'sha256-{digest}'" in style_src
