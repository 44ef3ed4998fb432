"""Every visible string of the dashboard, in Chinese (the default) and English.

Pages never write a visible literal: they call ``t("key")`` (``str.format`` fields allowed).
``tests/dashboard/test_i18n.py`` checks both languages exist for every key and scans the
pages for hard-coded strings.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

# key: (中文, English)
TEXTS: dict[str, tuple[str, str]] = {
    # app shell
    "app.title": ("软基智控", "pilewatch"),
    "app.subtitle": ("水泥搅拌桩施工质量实时监控", "Live quality monitoring of mixing piles"),
    "app.language": ("语言 / Language", "Language / 语言"),
    "lang.zh": ("中文", "中文"),
    "lang.en": ("English", "English"),
    "app.signed_in_as": ("当前用户：{name}（{role}）", "Signed in as {name} ({role})"),
    "app.sign_out": ("退出登录", "Sign out"),
    "app.site": ("工地", "Site"),
    "app.no_sites": ("暂无工地数据。", "No sites yet."),
    "app.refresh": ("自动刷新（秒）", "Auto refresh (s)"),
    "app.api": ("接口：{url}", "API: {url}"),
    "login.title": ("登录", "Sign in"),
    "login.token": ("API 令牌", "API token"),
    "login.help": (
        "请输入由 `pilewatch token create` 生成的令牌。",
        "Enter a token made by `pilewatch token create`.",
    ),
    "login.submit": ("登录", "Sign in"),
    "login.empty": ("请输入令牌。", "Please enter a token."),
    "login.auto_failed": (
        "环境变量中的令牌无法登录：{error}",
        "The token from the environment was refused: {error}",
    ),
    # roles
    "role.engineer": ("工程师", "engineer"),
    "role.supervisor": ("监理", "supervisor"),
    "role.integrity": ("质检", "integrity"),
    "role.admin": ("管理员", "admin"),
    # navigation
    "nav.overview": ("总览", "Overview"),
    "nav.rig": ("机台", "Rig live"),
    "nav.pile": ("桩", "Pile detail"),
    "nav.alerts": ("告警", "Alerts"),
    "nav.quality": ("质量", "Quality"),
    "nav.replay": ("回放", "Replay"),
    # errors
    "error.api": ("接口错误（{status}）：{detail}", "API error ({status}): {detail}"),
    "error.unreachable": (
        "无法连接接口 {url}：{detail}",
        "Cannot reach the API at {url}: {detail}",
    ),
    "error.unauthorized": ("令牌无效或已过期，请重新登录。", "Token refused: sign in again."),
    "error.forbidden": ("当前角色无权执行此操作。", "Your role may not do this."),
    "error.server": ("接口内部错误（{status}），请稍后重试。", "API failure ({status}); retry."),
    # states and verdicts
    "state.planned": ("计划", "planned"),
    "state.in_progress": ("施工中", "in progress"),
    "state.passed": ("合格", "passed"),
    "state.failed": ("不合格", "failed"),
    "state.pending": ("待评定", "awaiting verdict"),
    "state.unplanned": ("计划外", "unplanned"),
    "status.planned": ("计划", "planned"),
    "status.in_progress": ("施工中", "in progress"),
    "status.complete": ("完成", "complete"),
    "status.incomplete": ("未完成", "incomplete"),
    "verdict.pass": ("合格", "pass"),
    "verdict.fail": ("不合格", "fail"),
    "verdict.none": ("未评定", "no verdict yet"),
    "severity.info": ("提示", "info"),
    "severity.warning": ("警告", "warning"),
    "severity.critical": ("严重", "critical"),
    "alert_state.open": ("未处理", "open"),
    "alert_state.acknowledged": ("已确认", "acknowledged"),
    "alert_state.resolved": ("已解决", "resolved"),
    "common.all": ("全部", "all"),
    "common.none": ("—", "—"),
    "common.yes": ("是", "yes"),
    "common.no": ("否", "no"),
    "common.online": ("在线", "online"),
    "common.offline": ("离线", "offline"),
    "common.loading": ("加载中…", "Loading…"),
    # field labels
    "field.id": ("编号", "Id"),
    "field.pile": ("桩号", "Pile"),
    "field.site": ("工地", "Site"),
    "field.rig": ("机台", "Rig"),
    "field.status": ("状态", "Status"),
    "field.verdict": ("判定", "Verdict"),
    "field.state": ("显示状态", "State"),
    "field.x_m": ("X（米）", "X (m)"),
    "field.y_m": ("Y（米）", "Y (m)"),
    "field.cement_total_kg": ("水泥总量（kg）", "Cement (kg)"),
    "field.depth_reached_m": ("到达深度（m）", "Depth reached (m)"),
    "field.design_length_m": ("设计桩长（m）", "Design length (m)"),
    "field.online": ("在线", "Online"),
    "field.last_seen": ("最后通讯", "Last seen"),
    "field.current_pile": ("当前桩", "Current pile"),
    "field.live_depth_m": ("实时深度（m）", "Live depth (m)"),
    "field.started_at": ("开始时间", "Started"),
    "field.ended_at": ("结束时间", "Ended"),
    "field.samples": ("采样数", "Samples"),
    "field.rule": ("规则", "Rule"),
    "field.severity": ("级别", "Severity"),
    "field.alert_state": ("处理状态", "State"),
    "field.depth": ("深度区间（m）", "Depth (m)"),
    "field.value": ("实测值", "Value"),
    "field.limit": ("限值", "Limit"),
    "field.message": ("说明", "Message"),
    "field.raised_at": ("发生时间", "Raised"),
    "field.acknowledged_by": ("确认人", "Acknowledged by"),
    "field.resolved_by": ("解决人", "Resolved by"),
    "field.comment": ("备注", "Comment"),
    "field.at": ("时间", "At"),
    "field.actor": ("操作人", "By"),
    "field.action": ("操作", "Action"),
    "field.from_state": ("原状态", "From"),
    "field.to_state": ("新状态", "To"),
    "field.time": ("时间", "Time"),
    "field.depth_m": ("深度（m）", "Depth (m)"),
    "field.flow_l_min": ("流量（L/min）", "Flow (L/min)"),
    "field.rpm": ("转速（rpm）", "Speed (rpm)"),
    "field.pressure_mpa": ("压力（MPa）", "Pressure (MPa)"),
    "field.cement_kg_m": ("每米水泥（kg/m）", "Cement per metre (kg/m)"),
    "field.part": ("阶段", "Stroke"),
    "field.blade_passes_per_m": ("每米搅拌次数", "Blade passes per metre"),
    "field.count": ("桩数", "Piles"),
    "field.date": ("日期", "Date"),
    "field.pass_rate": ("合格率", "Pass rate"),
    "field.metric": ("指标", "Metric"),
    "field.series": ("序列", "Series"),
    # overview
    "overview.title": ("总览", "Overview"),
    "overview.today": ("今日数据（{date}）", "Today ({date})"),
    "overview.piles_finished": ("完成桩数", "Piles finished"),
    "overview.metres_treated": ("处理米数", "Metres treated"),
    "overview.cement_t": ("水泥用量（t）", "Cement used (t)"),
    "overview.pass_rate": ("合格率", "Pass rate"),
    "overview.alerts": ("未处理告警（严重/警告/提示）", "Open alerts (critical/warning/info)"),
    "overview.rigs_online": ("在线机台", "Rigs online"),
    "overview.map": ("桩位图", "Site map"),
    "overview.map_caption": (
        "共 {total} 根桩，已施工 {recorded} 根。悬停查看单桩摘要。",
        "{total} piles, {recorded} recorded. Hover a pile for its summary.",
    ),
    "overview.rigs": ("机台列表", "Rigs"),
    "overview.no_piles": ("该工地暂无桩位。", "No piles on this site yet."),
    "overview.no_rigs": ("暂无机台。", "No rigs yet."),
    "overview.open_pile": ("查看桩详情", "Open pile"),
    # rig live
    "rig.title": ("机台实时", "Rig live"),
    "rig.pick": ("机台", "Rig"),
    "rig.no_rigs": ("该工地暂无机台。", "No rigs on this site."),
    "rig.idle": ("机台当前无施工桩。", "The rig is not on a pile."),
    "rig.traces": ("深度、流量、转速、压力", "Depth, flow, rpm and pressure"),
    "rig.bins": ("分段水泥用量（随分段关闭逐步更新）", "Cement per bin (fills in as bins close)"),
    "rig.alert_banner": (
        "分段水泥不足：{message}（{top:.1f}–{bottom:.1f} m）",
        "Bin short of cement: {message} ({top:.1f}–{bottom:.1f} m)",
    ),
    "rig.no_telemetry": ("暂无该桩的数据。", "No telemetry for this pile yet."),
    # pile detail
    "pile.title": ("单桩详情", "Pile detail"),
    "pile.pick": ("桩号", "Pile"),
    "pile.none": ("该工地暂无已施工的桩。", "No recorded piles on this site yet."),
    "pile.profile": ("水泥用量剖面", "Cement profile"),
    "pile.down": ("下钻（喷浆）", "penetration"),
    "pile.up": ("提升（喷浆）", "withdrawal"),
    "pile.design_line": ("设计用量 {value:.1f} kg/m", "design {value:.1f} kg/m"),
    "pile.design_75": ("设计 75%", "75% of design"),
    "pile.design_length": ("设计桩长", "design length"),
    "pile.no_design": (
        "接口未提供设计用量，未画设计线。",
        "The API gives no design cement: no design lines drawn.",
    ),
    "pile.blades": ("搅拌次数", "Blade passes"),
    "pile.metrics": ("指标", "Metrics"),
    "pile.cv": ("变异系数 CV", "CV"),
    "pile.cu": ("均匀系数 CU", "CU"),
    "pile.du": ("下四分位均匀度 DU", "DU (lower quartile)"),
    "pile.min_ratio": ("最小比值", "Minimum ratio"),
    "pile.grade": ("等级", "Grade"),
    "pile.score": ("评分", "Score"),
    "pile.verdict_pass": ("判定：合格", "Verdict: pass"),
    "pile.verdict_fail": ("判定：不合格", "Verdict: fail"),
    "pile.verdict_none": ("判定：尚未评定", "Verdict: not yet known"),
    "pile.reasons": ("原因", "Reasons"),
    "pile.alerts": ("本桩告警", "Alerts on this pile"),
    "pile.no_alerts": ("本桩无告警。", "No alerts on this pile."),
    "pile.traces": ("原始曲线", "Raw traces"),
    "pile.report": ("下载检测报告（PDF）", "Download report (PDF)"),
    "pile.no_profile": ("暂无剖面数据。", "No profile yet."),
    # alerts
    "alerts.title": ("告警", "Alerts"),
    "alerts.filter_rig": ("机台", "Rig"),
    "alerts.filter_severity": ("级别", "Severity"),
    "alerts.filter_state": ("状态", "State"),
    "alerts.count": ("共 {n} 条告警", "{n} alerts"),
    "alerts.none": ("没有符合条件的告警。", "No alerts match."),
    "alerts.pick": ("选择告警", "Alert"),
    "alerts.detail": ("告警详情", "Alert detail"),
    "alerts.history": ("处理记录", "History"),
    "alerts.no_history": ("暂无处理记录。", "No history yet."),
    "alerts.comment": ("处理备注", "Comment"),
    "alerts.ack": ("确认告警", "Acknowledge"),
    "alerts.resolve": ("解决告警", "Resolve"),
    "alerts.need_comment": ("请填写备注。", "Please write a comment."),
    "alerts.done": ("已更新告警 {id}。", "Alert {id} updated."),
    "alerts.read_only": (
        "只有监理或管理员可以确认和解决告警。",
        "Only a supervisor or admin can acknowledge and resolve alerts.",
    ),
    # quality
    "quality.title": ("质量统计", "Quality"),
    "quality.from": ("开始日期", "From"),
    "quality.to": ("结束日期", "To"),
    "quality.pass_rate_by_day": ("每日合格率", "Pass rate by day"),
    "quality.distributions": ("分布", "Distributions"),
    "quality.control_charts": ("控制图", "Control charts"),
    "quality.uniformity": ("均匀性趋势（两个时段）", "Uniformity trend (two periods)"),
    "quality.rigs": ("机台对比", "Rig comparison"),
    "quality.empty": ("所选时段暂无数据。", "No data in this period."),
    "quality.other": ("其他统计", "Other figures"),
    "quality.piles": ("完成桩数", "Finished piles"),
    "quality.median_cement": ("每米水泥中位数（kg/m）", "Median cement (kg/m)"),
    "quality.median_cv": ("CV 中位数", "Median CV"),
    "quality.median_cu": ("CU 中位数", "Median CU"),
    "quality.by_rig": ("各机台分布", "By rig"),
    "quality.by_day": ("每日分布", "By day"),
    "quality.group": ("分组", "Group"),
    "quality.cement_p5": ("水泥 P5", "Cement P5"),
    "quality.cement_p50": ("水泥 P50", "Cement P50"),
    "quality.cement_p95": ("水泥 P95", "Cement P95"),
    "quality.cv_p50": ("CV P50", "CV P50"),
    "quality.cu_p50": ("CU P50", "CU P50"),
    "quality.chart_cv": ("变异系数 CV", "CV"),
    "quality.chart_cement_kg_m": ("每米水泥（kg/m）", "Cement per metre (kg/m)"),
    "quality.shewhart": ("Shewhart 单值控制图", "Shewhart individuals chart"),
    "quality.ewma": ("EWMA 控制图", "EWMA chart"),
    "quality.ucl": ("控制上限", "UCL"),
    "quality.lcl": ("控制下限", "LCL"),
    "quality.centre": ("中心线", "Centre"),
    "quality.out": ("失控点", "Out of control"),
    "quality.index": ("桩序号", "Pile no."),
    "quality.before": ("前一时段", "Earlier period"),
    "quality.after": ("后一时段", "Later period"),
    "quality.mean_cv": ("平均 CV", "Mean CV"),
    "quality.mean_cu": ("平均 CU", "Mean CU"),
    "quality.no_trend": ("需要两个时段都有完成的桩。", "Needs finished piles in both periods."),
    "quality.p_value": ("p 值", "p value"),
    "quality.median_rig": ("本机台中位数", "Median (rig)"),
    "quality.median_other": ("其他机台中位数", "Median (other rigs)"),
    "quality.conclusion": ("结论", "Conclusion"),
    # replay
    "replay.title": ("回放与模拟", "Replay and simulation"),
    "replay.mode": ("来源", "Source"),
    "replay.mode_scenario": ("模拟场景", "Scenario"),
    "replay.mode_recording": ("录制文件", "Recording"),
    "replay.scenario": ("场景", "Scenario"),
    "replay.recording": ("录制文件", "Recorded file"),
    "replay.no_recordings": ("暂无录制文件。", "No recordings yet."),
    "replay.rigs": ("机台数", "Rigs"),
    "replay.seed": ("随机种子", "Seed"),
    "replay.speed": ("速度倍数", "Speed"),
    "replay.site": ("工地编号", "Site id"),
    "replay.start": ("开始", "Start"),
    "replay.started": (
        "已启动 {id}，可在总览和机台页面观看。",
        "Started {id}: watch it on Overview and Rig live.",
    ),
    "replay.runs": ("运行记录", "Runs"),
    "replay.no_runs": ("尚未启动回放。", "No runs yet."),
    "replay.read_only": (
        "只有工程师或管理员可以启动回放。",
        "Only an engineer or admin can start a replay.",
    ),
    "replay.field_id": ("编号", "Id"),
    "replay.field_kind": ("类型", "Kind"),
    "replay.field_name": ("名称", "Name"),
    "replay.field_state": ("状态", "State"),
    "replay.field_started": ("启动时间", "Started"),
    "replay.field_detail": ("详情", "Detail"),
}


def lang() -> str:
    value = st.session_state.get("lang", DEFAULT_LANG)
    return value if value in LANGS else DEFAULT_LANG


def t(key: str, **fields: Any) -> str:
    """The text of ``key`` in the current language, formatted with ``fields``."""
    pair = TEXTS.get(key)
    if pair is None:
        return key
    text = pair[LANGS.index(lang())]
    return text.format(**fields) if fields else text


def label(prefix: str, value: object) -> str:
    """Translate an enum-like value (``label("severity", "critical")``); unknown values as is."""
    if value is None:
        return t("common.none")
    key = f"{prefix}.{value}"
    return t(key) if key in TEXTS else str(value)
