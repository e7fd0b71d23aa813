"""Turn what the scoring and survey services answered into the data a document prints."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from services.report import clients
from services.report.data import (
    Funds,
    Indicator,
    Level1,
    Level2,
    ReportData,
    Survey,
    SurveyQuestion,
    Target,
)

CENT = Decimal("0.01")
NONE = "—"
NO_REASON = "/"
# Fact names the seeds use for the funds table, most common first.
FUND_FACTS = {
    "budget": ("预算资金", "年初预算金额", "年初预算数", "预算数", "计划到位资金"),
    "adjusted_budget": ("调整预算数", "调整后预算数", "调整后预算金额"),
    "arrived": ("实际到位资金", "拨付资金", "到位资金"),
    "spent": ("实际支出资金", "实际支出", "实际使用资金", "支出金额"),
}
EXECUTION_RATES = ("预算执行率", "资金使用率", "资金支出率")
LIKERT = ("非常满意", "满意", "一般", "不满意", "非常不满意")
UPPER_DIGITS = "〇一二三四五六七八九"
STATUS_LABELS = {"draft": "草稿", "submitted": "已提交待审", "finalized": "已定稿"}
MONTHS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")


def points(value: Decimal) -> str:
    """Print points with two decimals, half up (四舍五入): 12 -> '12.00'."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def percent(fraction: Decimal) -> str:
    """Print a fraction as a percentage with two decimals: 0.6667 -> '66.67%'."""
    return f"{points(fraction * 100)}%"


def number(value: Decimal) -> str:
    """Print a weight or an amount without trailing zeros: 20.00 -> '20', 2.50 -> '2.5'."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def chinese_date(day: date | None) -> str:
    """Print a date the Chinese way: 2024年12月31日."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def upper_month(day: date) -> str:
    """Print the month of a date in Chinese numerals, as report covers do: 二〇二五年三月."""
    year = "".join(UPPER_DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{MONTHS[day.month - 1]}月"


def _fact(evaluation: clients.Evaluation, names: tuple[str, ...]) -> str:
    for name in names:
        value = evaluation.facts.get(name)
        if value is not None and not isinstance(value, bool):
            return number(Decimal(value))
    return NONE


def funds(evaluation: clients.Evaluation, system: clients.System) -> Funds:
    """Return the funds table from the evaluation's facts and the rate the scoring printed."""
    result = evaluation.result
    rate = NONE
    for indicator in result.indicators if result else []:
        rate = next((indicator.inputs[n] for n in EXECUTION_RATES if n in indicator.inputs), rate)
    units = _units(system)
    # A fact the system marks with a role wins; seeds without roles are read by their names.
    roles = {fact.role: fact.name for fact in system.facts if fact.role}
    names = {key: (roles[key],) if key in roles else known for key, known in FUND_FACTS.items()}
    unit = next((units[n] for found in names.values() for n in found if n in units), "万元")
    amounts = {key: _fact(evaluation, found) for key, found in names.items()}
    return Funds(unit=unit, execution_rate=rate, **amounts)


def _units(system: clients.System) -> dict[str, str]:
    return {fact.name: fact.unit for fact in system.facts if fact.unit}


def _facts_sentence(inputs: dict[str, str], units: dict[str, str]) -> str:
    if not inputs:
        return ""
    parts = [f"{name}{value}{units.get(name, '')}" for name, value in inputs.items()]
    return "相关数据：" + "，".join(parts) + "。"


def _nodes(nodes: list[clients.Node]) -> dict[str, clients.Node]:
    found: dict[str, clients.Node] = {}
    for node in nodes:
        found[node.code] = node
        found.update(_nodes(node.children))
    return found


def indicator(
    score: clients.IndicatorScore, node: clients.Node | None, analysis: str, units: dict[str, str]
) -> Indicator:
    """Return one level-3 indicator as printed: numbers, reason and analysis paragraph."""
    assert score.final_score is not None  # documents are made of complete results only
    assert score.score_rate is not None
    weight, final, rate = number(score.weight), points(score.final_score), percent(score.score_rate)
    reason = score.deduction_reason or NO_REASON
    summary = f"该指标满分{weight}分，评价得{final}分，得分率{rate}。"
    if score.deduction_reason:
        summary += f"扣分原因：{score.deduction_reason}"
    calculation = score.explanation
    paragraph = analysis or (_facts_sentence(score.inputs, units) + f"评分过程：{calculation}。")
    path = [*score.level_path, "", ""]
    return Indicator(
        code=score.code,
        level1=path[0],
        level2=path[1],
        name=score.name,
        weight=weight,
        score=final,
        score_rate=rate,
        reason=reason,
        explanation=node.explanation if node else "",
        standard=node.standard if node else "",
        evidence=node.evidence if node else "",
        calculation=calculation,
        paragraph=paragraph,
        summary=summary,
    )


def levels(result: clients.Result, by_code: dict[str, Indicator]) -> list[Level1]:
    """Return the level-1 groups with their level-2 children and level-3 indicators."""
    return [
        Level1(
            code=group.code,
            name=group.name,
            weight=number(group.weight),
            score=points(group.score),
            score_rate=percent(group.score_rate),
            summary=f"一级指标“{group.name}”满分为{number(group.weight)}分，"
            f"得分{points(group.score)}分，得分率为{percent(group.score_rate)}。",
            children=[
                Level2(
                    code=child.code,
                    name=child.name,
                    weight=number(child.weight),
                    score=points(child.score),
                    score_rate=percent(child.score_rate),
                    indicators=[by_code[c] for c in child.indicator_codes if c in by_code],
                )
                for child in group.children
            ],
        )
        for group in result.groups
    ]


def _percent_of(printed: str | None, fraction: Decimal | None) -> str:
    if printed:
        return printed
    return percent(fraction) if fraction is not None else NONE


def survey(found: clients.Survey) -> Survey | None:
    """Return a survey's satisfaction table, or None when its results could not be read."""
    results = found.results
    if results is None:
        return None
    # Satisfaction questions only (Likert levels): choice and text questions have no rate.
    rated = [q for q in results.questions if q.kind == "likert" or q.satisfaction is not None]
    seen = [label for q in rated for label in q.counts]
    labels = [label for label in LIKERT if label in seen]
    labels += [label for label in dict.fromkeys(seen) if label not in labels]
    return Survey(
        fact=found.fact,
        n=str(results.n),
        satisfaction=_percent_of(results.satisfaction_percent, results.satisfaction),
        labels=labels,
        questions=[
            SurveyQuestion(
                text=q.text,
                counts=[str(q.counts.get(label, 0)) for label in labels],
                n=str(q.n),
                satisfaction=_percent_of(q.satisfaction_percent, q.satisfaction),
            )
            for q in rated
        ],
    )


def _survey_note(found: list[clients.Survey]) -> str:
    missing = [s for s in found if s.results is None]
    if not missing:
        return ""
    names = "、".join(s.fact for s in missing)
    return f"“{names}”的满意度调查结果暂时无法读取（调查服务未提供），本报告未列出调查结果表。"


def _notice(data: dict[str, str], deadline: str) -> dict[str, str]:
    commissioning = data["commissioning_unit"] or "委托单位"
    evaluating = data["evaluating_unit"] or "评价机构"
    by_when = f"于{deadline}前" if deadline else "在收到本告知书后及时"
    return {
        "notice_opening": f"根据{commissioning}的委托，{evaluating}对你单位实施的"
        f"{data['project_name']}开展了绩效评价。现将评价结果反馈如下。",
        "notice_requirement": f"请你单位对照上述问题认真整改，并{by_when}将整改情况书面报送"
        f"{commissioning}。",
    }


def _system_summary(result: clients.Result) -> str:
    level2 = sum(len(group.children) for group in result.groups)
    return (
        f"本次评价采用《{result.system_name}》，包括{len(result.groups)}项一级指标、"
        f"{level2}项二级指标、{len(result.indicators)}项三级指标，满分"
        f"{number(result.total_weight)}分。"
    )


def report_data(sources: clients.Sources) -> ReportData:
    """Return the data of a report and of its result notice, from a completely scored result."""
    evaluation, project, system = sources.evaluation, sources.project, sources.system.system
    result = evaluation.result
    assert result is not None
    assert result.complete
    texts = evaluation.texts
    nodes, units, written = _nodes(system.indicators), _units(system), texts.analysis or {}
    indicators = [
        indicator(score, nodes.get(score.code), written.get(score.code, ""), units)
        for score in result.indicators
    ]
    day = texts.report_date or evaluation.updated_at.date()  # never today: same data, same bytes
    grade = result.grade or NONE
    total, rate = points(result.total), percent(result.score_rate)
    units = {
        "project_name": project.name,
        "implementing_unit": project.implementing_unit or "",
        "commissioning_unit": project.commissioning_unit or "",
        "evaluating_unit": texts.evaluating_unit or "",
    }
    deadline = chinese_date(texts.rectification_deadline)
    return ReportData(
        evaluation_id=str(evaluation.id),
        revision=evaluation.revision,
        status=evaluation.status,
        status_label=STATUS_LABELS.get(evaluation.status, evaluation.status),
        draft=evaluation.status != "finalized",
        title=texts.title or f"{project.name}绩效评价报告",
        document_number=texts.document_number or "",
        year=str(project.year),
        evaluation_object=texts.evaluation_object or project.name,
        **units,
        **_notice(units, deadline),
        report_date=chinese_date(day),
        report_date_iso=day.isoformat(),
        report_month=upper_month(day),
        base_date=chinese_date(texts.base_date),
        rectification_deadline=deadline,
        summary=texts.summary or "",
        background=texts.background or "",
        purpose=texts.purpose or "",
        scope=texts.scope or "",
        principles=texts.principles or "",
        methods=texts.methods or "",
        basis=list(texts.basis or []),
        problems=texts.problems or "",
        suggestions=texts.suggestions or "",
        result_use=texts.result_use or "",
        system_name=result.system_name,
        system_summary=_system_summary(result),
        total=total,
        total_weight=number(result.total_weight),
        score_rate=rate,
        grade=grade,
        conclusion=f"经综合评价，{project.name}最终得分为{total}分，得分率{rate}，"
        f"绩效评价等级为“{grade}”。",
        funds=funds(evaluation, system),
        targets=[Target(**row.model_dump()) for row in texts.targets or []],
        level1=levels(result, {i.code: i for i in indicators}),
        indicators=indicators,
        surveys=[s for s in map(survey, sources.surveys) if s is not None],
        survey_note=_survey_note(sources.surveys),
    )
