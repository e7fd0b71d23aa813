"""Seed 001 (兴宁, 88 points, 良) as a scored evaluation with the evaluator's texts.

Used by the report tests and by bench/report.py; it goes through the scoring API only.
"""

import json
from pathlib import Path
from typing import Any

import httpx

EXAMPLE = Path(__file__).parents[2] / "examples" / "seed001"
TEXTS: dict[str, Any] = {
    "title": "2024年度安全生产监管经费项目绩效评价报告",
    "evaluation_object": "2024年度安全生产监管经费项目",
    "evaluating_unit": "广东某某会计师事务所有限公司",
    "document_number": "兴财绩评〔2025〕第003号",
    "report_date": "2025-03-31",
    "base_date": "2024-12-31",
    "summary": "受兴宁市财政局委托，评价组遵循科学规范、公正公开、绩效相关的原则，"
    "对2024年度安全生产监管经费项目开展绩效评价。现将绩效评价报告摘要如下。",
    "background": "为贯彻落实党的二十大精神以及习近平总书记对安全生产、防灾减灾救灾和应急管理工作"
    "重要指示批示精神，兴宁市人民政府与梅州市人民政府签订了《2024年度安全生产和消防工作责任书》。\n"
    "市应急管理局根据责任书组织开展安全生产监管经费项目，坚持生命至上、安全第一。",
    "purpose": "全面了解财政资金使用绩效，切实提高财政资源配置效率和使用效益。",
    "scope": "本次绩效评价的对象及范围为2024年度安全生产监管经费项目，涉及预算资金140万元。",
    "principles": "遵循实事求是、客观公正、科学规范原则。",
    "methods": "本次绩效评价主要采用专家咨询法、现场核查法、目标预定与实施效果比较法、"
    "成本效益分析法、因素分析法和公众评判法等方法。",
    "basis": [
        "《中华人民共和国预算法》",
        "《中共中央国务院关于全面实施预算绩效管理的意见》（中发〔2018〕34号）",
        "财政部《关于印发〈项目支出绩效评价管理办法〉的通知》（财预〔2020〕10号）",
        "兴财绩〔2021〕5号关于印发《兴宁市财政支出绩效评价实施办法》的通知",
    ],
    "problems": "（一）立项前期计划不完善，预算编制及分配存在不足。\n"
    "（二）绩效目标及指标设置不合理，项目绩效管理有待提升。\n"
    "（三）资金使用管理不规范，项目过程管理力度有待加强。",
    "suggestions": "（一）合理完善项目工作计划，科学细化预算编制过程。\n"
    "（二）强化预算绩效管理意识，全面、合理设置绩效目标及指标。\n"
    "（三）进一步规范资金管理，加大项目过程管理力度。",
    "result_use": "将绩效评价结果反馈项目实施单位，并作为以后年度预算安排的重要依据。",
    "rectification_deadline": "2025-06-30",
    "analysis": {
        "1.1.1": "项目依据《2024年度安全生产和消防工作责任书》等文件要求立项，符合行业发展规划"
        "和政策要求，为部门履职所需。该指标评价得2分。",
    },
}


def example(name: str) -> Any:
    """Load one JSON file of the seed 001 example."""
    return json.loads((EXAMPLE / f"{name}.json").read_text(encoding="utf-8"))


async def create(
    scoring: httpx.AsyncClient,
    prefix: str = "",
    finalize: bool = True,
    judgements: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Create the seed 001 project and evaluation through the scoring API; return it."""
    key = (await scoring.post(f"{prefix}/templates/seed001/copies")).json()["key"]
    project = await scoring.post(
        f"{prefix}/projects",
        json={
            "name": "2024年度安全生产监管经费项目",
            "year": 2024,
            "implementing_unit": "兴宁市应急管理局",
            "commissioning_unit": "兴宁市财政局",
            "facts": example("facts"),
        },
    )
    assert project.status_code == 201, project.text
    created = await scoring.post(
        f"{prefix}/evaluations",
        json={
            "project_id": project.json()["id"],
            "system_key": key,
            "judgements": example("judgements") if judgements is None else judgements,
            "texts": TEXTS,
        },
    )
    assert created.status_code == 201, created.text
    evaluation: dict[str, Any] = created.json()
    if finalize:
        url = f"{prefix}/evaluations/{evaluation['id']}"
        for step in ("submit", "finalize"):
            answer = await scoring.post(f"{url}/{step}", json={})
            assert answer.status_code == 200, answer.text
            evaluation = answer.json()
    return evaluation
