"""A bureau's own DOCX template: checked before use, filled in a sandbox."""

import io
import zipfile

import docx
import httpx

from tests.conftest import NewDatabase
from tests.report import seed001
from tests.report.conftest import REPORTS, SCORING, Databases, make, system

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PROBLEM = "application/problem+json"


def template(*paragraphs: str, header: str = "", rows: tuple[str, ...] = ()) -> bytes:
    """Write a DOCX template: paragraphs, a header, and a docxtpl table-row loop."""
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = header
    for text in paragraphs:
        document.add_paragraph(text)
    if rows:
        table = document.add_table(rows=3, cols=len(rows))
        table.cell(0, 0).text = "{%tr for i in indicators %}"
        for cell, text in zip(table.rows[1].cells, rows, strict=True):
            cell.text = text
        table.cell(2, 0).text = "{%tr endfor %}"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


GOOD = template(
    "{{ title }}",
    "综合得分{{ total }}分，等级“{{ grade }}”。",
    "{% for l in level1 %}{{ l.name }}：{{ l.score }}；{% endfor %}",
    "{{ chart }}",
    header="{{ document_number }}",
    rows=("{{ i.name }}", "{{ i.score }}", "{{ i.reason }}"),
)


async def upload(client: httpx.AsyncClient, content: bytes, **params: str) -> httpx.Response:
    return await client.post(
        f"{REPORTS}/templates",
        params={"name": "某某财政局模板", **params},
        content=content,
        headers={"content-type": DOCX},
    )


async def test_an_uploaded_template_makes_a_docx_with_the_data(gateway: httpx.AsyncClient) -> None:
    uploaded = await upload(gateway, GOOD)
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert uploaded.headers["location"] == f"{REPORTS}/templates/{body['id']}"
    assert {"title", "level1[].score", "indicators[].reason", "chart"} <= set(body["placeholders"])
    listed = (await gateway.get(f"{REPORTS}/templates")).json()["items"]
    assert [t["id"] for t in listed] == [body["id"]]
    assert (await gateway.get(f"{REPORTS}/templates/{body['id']}")).json() == body
    evaluation = await seed001.create(gateway, SCORING)
    made = await make(gateway, evaluation["id"], fmt="docx", template_id=body["id"])
    assert made.job["document"]["template_sha256"] == body["sha256"]
    document = docx.Document(io.BytesIO(made.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert seed001.TEXTS["title"] in text
    assert "综合得分88.00分，等级“良”。" in text
    assert "决策：12.00；过程：16.00；产出：30.00；效益：30.00；" in text
    assert document.sections[0].header.paragraphs[0].text == seed001.TEXTS["document_number"]
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert len(rows) == 24
    assert rows[1] == [
        "立项程序规范性",
        "1.50",
        seed001.example("judgements")["1.1.2"]["reason"],
    ]
    assert document.inline_shapes  # the chart


async def test_a_template_with_an_unknown_placeholder_is_refused_naming_it(
    gateway: httpx.AsyncClient,
) -> None:
    refused = await upload(
        gateway, template("{{ title }}", "{{ l.nmae }}", header="{{ projct_name }}")
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM
    problem = refused.json()
    assert problem["type"] == "/problems/invalid-template"
    assert "projct_name" in problem["detail"]
    assert {e["path"] for e in problem["errors"]} == {"projct_name", "l"}
    assert (await gateway.get(f"{REPORTS}/templates")).json()["items"] == []


async def test_a_template_reaching_beyond_the_data_is_refused(gateway: httpx.AsyncClient) -> None:
    for source, words in [
        ("{{ title.__class__.__mro__ }}", "title.__class__"),
        ("{{ range(100000) }}", "calls are not allowed"),
        ("{{ grade * 100000000 }}", "operator * is not allowed"),
    ]:
        refused = await upload(gateway, template(source))
        assert refused.status_code == 422, source
        assert words in refused.json()["detail"], source


async def test_uploads_that_are_not_docx_templates_are_refused(gateway: httpx.AsyncClient) -> None:
    assert (await upload(gateway, b"%PDF-1.7 not a docx")).status_code == 415
    wrong_type = await gateway.post(
        f"{REPORTS}/templates",
        params={"name": "x"},
        content=GOOD,
        headers={"content-type": "text/plain"},
    )
    assert wrong_type.status_code == 415
    assert (await upload(gateway, GOOD, kind="letter")).status_code == 422
    names = (await gateway.get(f"{REPORTS}/templates/names")).json()["names"]
    assert "level1[].children[].indicators[].score" in names


async def test_a_template_is_used_only_for_its_kind_and_for_docx(
    gateway: httpx.AsyncClient,
) -> None:
    notice = (await upload(gateway, template("{{ notice_requirement }}"), kind="notice")).json()
    evaluation = await seed001.create(gateway, SCORING)
    url = f"{REPORTS}/evaluations/{evaluation['id']}/documents"
    as_report = await gateway.post(
        url, json={"kind": "report", "format": "docx", "template_id": notice["id"]}
    )
    as_pdf = await gateway.post(
        url, json={"kind": "notice", "format": "pdf", "template_id": notice["id"]}
    )
    assert (as_report.status_code, as_pdf.status_code) == (422, 422)
    assert {e["path"] for e in as_report.json()["errors"]} == {"body.kind"}
    made = await make(
        gateway, evaluation["id"], kind="notice", fmt="docx", template_id=notice["id"]
    )
    assert "于2025年6月30日前" in docx.Document(io.BytesIO(made.content)).paragraphs[0].text


async def test_a_template_that_unpacks_too_big_is_refused_before_it_is_read(
    new_database: NewDatabase,
) -> None:
    # A real DOCX whose document part is padded to 120 MB of zeros: about 120 KB uploaded.
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(GOOD)) as good,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in good.infolist():
            bomb.writestr(item, good.read(item))
        bomb.writestr("word/media/padding.bin", b"\0" * (120 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    async with system(Databases.new(new_database)) as client:
        refused = await upload(client, buffer.getvalue())
    assert refused.status_code == 413
    assert refused.headers["content-type"] == PROBLEM
    assert "unpacks to" in refused.json()["detail"]


async def test_a_template_larger_than_allowed_is_refused(new_database: NewDatabase) -> None:
    async with system(Databases.new(new_database), max_template_bytes=1000) as client:
        refused = await upload(client, GOOD)
    assert refused.status_code == 413
    assert refused.headers["content-type"] == PROBLEM
