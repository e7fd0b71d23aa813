"""A report built from a real survey: the survey service's counts become the satisfaction table."""

import httpx

from tests.report import seed001
from tests.report.conftest import API, SCORING, make
from tests.survey.conftest import SEED001_SHEETS, field, likert_sheet

SURVEY = f"{API}/survey"


async def test_the_satisfaction_table_shows_the_surveys_counts(gateway: httpx.AsyncClient) -> None:
    evaluation = await seed001.create(gateway, SCORING, finalize=False)
    fielded = await field(gateway, "seed001", prefix=SURVEY, target=52)
    sheets = [likert_sheet(levels) for levels in SEED001_SHEETS]
    batch = await gateway.post(
        f"{SURVEY}/s/{fielded['public_token']}/sheets/batch", json={"sheets": sheets}
    )
    assert batch.status_code == 200, batch.text
    sourced = await gateway.put(
        f"{SCORING}/evaluations/{evaluation['id']}/sources/市民满意度",
        json={"survey_id": fielded["id"]},
    )
    assert sourced.status_code == 200, sourced.text
    made = await make(gateway, evaluation["id"], fmt="md")
    text = made.content.decode()
    assert "本次“市民满意度”调查共收回有效问卷52份，经计算满意度为98.72%。" in text
    assert "| 事项 | 非常满意 | 满意 | 一般 | 不满意 | 非常不满意 | 满意度 |" in text
    assert "| 安全生产监管及应急管理工作效率 | 50 | 2 | 0 | 0 | 0 |" in text
    assert "| 在处理安全生产监管及应急突发事件的专业水平 | 49 | 3 | 0 | 0 | 0 |" in text
