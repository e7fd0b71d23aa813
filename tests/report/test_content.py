"""From the scoring and survey answers to the printed data: numbers are printed, never redone."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from services.report import clients, content
from services.report.render import pages

RESULT: dict[str, Any] = {
    "system_name": "测试指标体系",
    "total_weight": "100",
    "total": "79.99",
    "score_rate": "0.7999",
    "grade": "中",
    "complete": True,
    "groups": [
        {
            "code": "1",
            "name": "过程",
            "weight": "100",
            "score": "79.99",
            "score_rate": "0.7999",
            "children": [
                {
                    "code": "1.1",
                    "name": "资金管理",
                    "weight": "100",
                    "score": "79.99",
                    "score_rate": "0.7999",
                    "indicator_codes": ["1.1.1", "1.1.2"],
                }
            ],
        }
    ],
    "indicators": [
        {
            "code": "1.1.1",
            "name": "预算执行率",
            "level_path": ["过程", "资金管理"],
            "weight": "50",
            "final_score": "18.75",
            "score_rate": "0.3750",
            "inputs": {"调整预算数": "276.96", "实际支出": "103.86", "预算执行率": "37.50%"},
            "explanation": "预算执行率 = 37.50%；得分 = 37.50% × 50 = 18.75",
            "deduction_reason": "预算执行率偏低",
        },
        {
            "code": "1.1.2",
            "name": "资金使用合规性",
            "level_path": ["过程", "资金管理"],
            "weight": "50",
            "final_score": "61.24",
            "score_rate": "1.2248",
            "explanation": "评分要点 1 得满分",
            "deduction_reason": None,
        },
    ],
}


def sources(surveys: list[clients.Survey] | None = None, **texts: Any) -> clients.Sources:
    """Seed-000-like answers of the scoring service, with texts to taste."""
    evaluation = clients.Evaluation.model_validate(
        {
            "id": "6f1e2a4e-1d1c-4c55-9a3e-2d7f1b0f7a10",
            "project_id": "0b8e3a55-8f0e-4d3b-9d54-0d3a9c1c9e01",
            "system_key": "9a4d6c8e-0b4f-4c6e-8a2b-5d1f3e7a9b02",
            "system_version": 1,
            "status": "draft",
            "revision": 4,
            "facts": {
                "年初预算金额": "490",
                "调整预算数": "276.96",
                "拨付资金": "236.96",
                "实际支出": "103.86",
            },
            "texts": texts,
            "sources": {},
            "result": RESULT,
            "updated_at": "2023-10-20T08:00:00Z",
        }
    )
    project = clients.Project.model_validate(
        {"id": evaluation.project_id, "name": "2022年安全生产专项经费", "year": 2022}
    )
    system = clients.SystemVersion.model_validate(
        {
            "key": evaluation.system_key,
            "version": 1,
            "system": {
                "name": "测试指标体系",
                "facts": [
                    {"name": "年初预算金额", "unit": "万元"},
                    {"name": "实际支出", "unit": "万元"},
                ],
                "indicators": [
                    {
                        "code": "1",
                        "name": "过程",
                        "weight": "100",
                        "children": [
                            {
                                "code": "1.1",
                                "name": "资金管理",
                                "weight": "100",
                                "children": [
                                    {
                                        "code": "1.1.1",
                                        "name": "预算执行率",
                                        "weight": "50",
                                        "explanation": "预算资金是否按计划执行",
                                        "standard": "得分=率×50",
                                    },
                                ],
                            }
                        ],
                    }
                ],
            },
        }
    )
    return clients.Sources(evaluation, project, system, surveys or [])


@pytest.mark.parametrize(
    ("value", "points", "percent", "number"),
    [
        ("12", "12.00", "1200.00%", "12"),
        ("2.5", "2.50", "250.00%", "2.5"),
        ("0.6667", "0.67", "66.67%", "0.6667"),
        ("0.98715", "0.99", "98.72%", "0.98715"),  # half up, as 四舍五入
        ("140.00", "140.00", "14000.00%", "140"),
    ],
)
def test_numbers_are_printed_with_the_report_conventions(
    value: str, points: str, percent: str, number: str
) -> None:
    assert content.points(Decimal(value)) == points
    assert content.percent(Decimal(value)) == percent
    assert content.number(Decimal(value)) == number


def test_dates_are_printed_the_chinese_way() -> None:
    assert content.chinese_date(date(2024, 12, 31)) == "2024年12月31日"
    assert content.upper_month(date(2023, 10, 8)) == "二〇二三年十月"
    assert [pages.chinese_number(n) for n in (1, 10, 11, 20, 24)] == [
        "一",
        "十",
        "十一",
        "二十",
        "二十四",
    ]


def test_the_data_carries_the_evaluation_numbers_as_printed() -> None:
    data = content.report_data(sources())
    assert (data.total, data.score_rate, data.grade) == ("79.99", "79.99%", "中")
    assert data.level1[0].summary == "一级指标“过程”满分为100分，得分79.99分，得分率为79.99%。"
    first = data.indicators[0]
    assert (first.weight, first.score, first.score_rate) == ("50", "18.75", "37.50%")
    assert first.reason == "预算执行率偏低"
    assert first.explanation == "预算资金是否按计划执行"
    assert first.summary.endswith("扣分原因：预算执行率偏低")
    assert data.indicators[1].reason == "/"
    assert data.draft
    assert data.status_label == "草稿"


def test_funds_come_from_the_facts_and_the_rate_the_scoring_printed() -> None:
    funds = content.report_data(sources()).funds
    assert (funds.budget, funds.adjusted_budget, funds.arrived, funds.spent) == (
        "490",
        "276.96",
        "236.96",
        "103.86",
    )
    assert funds.execution_rate == "37.50%"
    assert funds.unit == "万元"


def test_a_fact_role_names_the_funds_fact_whatever_it_is_called() -> None:
    answers = sources()
    system = answers.system.model_copy(
        update={
            "system": answers.system.system.model_copy(
                update={
                    "facts": [
                        clients.FactSpec(name="实际支出", unit="万元", role="budget"),
                        clients.FactSpec(name="拨付资金", unit="万元", role="spent"),
                    ]
                }
            )
        }
    )
    funds = content.report_data(
        clients.Sources(answers.evaluation, answers.project, system, [])
    ).funds
    # The roles say 实际支出 is the budget and 拨付资金 the spending: the names are not read.
    assert (funds.budget, funds.spent) == ("103.86", "236.96")
    assert (funds.adjusted_budget, funds.arrived) == ("276.96", "236.96")


def test_declared_targets_become_the_targets_table() -> None:
    row = {
        "level1": "产出指标",
        "level2": "数量指标",
        "name": "检查企业家次",
        "value": "≥ 500 家次",
    }
    targets = content.report_data(sources(targets=[row])).targets
    assert [t.model_dump() for t in targets] == [row]


def test_an_indicator_without_analysis_gets_its_facts_and_calculation() -> None:
    paragraph = content.report_data(sources()).indicators[0].paragraph
    assert paragraph.startswith(
        "相关数据：调整预算数276.96，实际支出103.86万元，预算执行率37.50%。"
    )
    assert "评分过程：预算执行率 = 37.50%" in paragraph
    written = content.report_data(sources(analysis={"1.1.1": "评价组核查了明细账。"}))
    assert written.indicators[0].paragraph == "评价组核查了明细账。"


def test_cover_defaults_and_dates_do_not_depend_on_today() -> None:
    data = content.report_data(sources())
    assert data.title == "2022年安全生产专项经费绩效评价报告"
    assert data.report_date == "2023年10月20日"  # the evaluation's last change, not today
    assert "在收到本告知书后及时" in data.notice_requirement
    dated = content.report_data(
        sources(report_date="2023-10-31", rectification_deadline="2023-12-31")
    )
    assert dated.report_month == "二〇二三年十月"
    assert "于2023年12月31日前" in dated.notice_requirement
    assert data.sha256() == content.report_data(sources()).sha256() != dated.sha256()


def test_a_survey_becomes_a_table_of_its_likert_questions_in_level_order() -> None:
    results = clients.SurveyResults.model_validate(
        {
            "survey_id": "s1",
            "n": 52,
            "satisfaction": "0.9872",
            "satisfaction_percent": "98.72%",
            "questions": [
                {
                    "code": "q1",
                    "text": "工作效率",
                    "counts": {"满意": 2, "非常满意": 50},
                    "n": 52,
                    "satisfaction": "0.9904",
                },
                {
                    "code": "q2",
                    "text": "专业水平",
                    "kind": "likert",
                    "counts": {"非常满意": 49, "满意": 3, "一般": 0},
                    "n": 52,
                },
                {"code": "q3", "text": "您的职业", "kind": "choice", "counts": {"农民": 9}, "n": 9},
            ],
        }
    )
    data = content.report_data(sources([clients.Survey("市民满意度", "s1", results)]))
    survey = data.surveys[0]
    assert survey.labels == ["非常满意", "满意", "一般"]
    assert [q.counts for q in survey.questions] == [["50", "2", "0"], ["49", "3", "0"]]
    assert survey.questions[0].satisfaction == "99.04%"
    assert survey.questions[1].satisfaction == "—"
    assert (survey.n, survey.satisfaction) == ("52", "98.72%")
    html = pages.html("report", data)
    assert "表5 满意度调查结果" in html
    assert '<td class="num">50</td>' in html


def test_a_survey_that_cannot_be_read_is_left_out_and_said_so() -> None:
    missing = clients.Survey("市民满意度", "s1", None, "survey service unavailable")
    data = content.report_data(sources([missing]))
    assert data.surveys == []
    assert "“市民满意度”的满意度调查结果暂时无法读取" in data.survey_note
    assert data.survey_note in pages.html("report", data)
    assert data.survey_note in pages.markdown("report", data)
