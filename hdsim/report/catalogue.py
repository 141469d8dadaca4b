"""Message catalogues of the reports: every label, heading and sentence, in Chinese and English.

Reports never write a label of their own: they ask :class:`Catalogue` for it by key, so a report
is in one language throughout. Both catalogues hold exactly the same keys (a test checks it).
Messages are ``str.format`` templates; numbers are formatted by :class:`Catalogue` helpers so
that percentages and percentage points read the same in tables, sentences and figures.

Names that come from data (township names, data sources, parameter help texts) are quoted as
they are in the data: they are data, not labels.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

LANGUAGES: tuple[str, ...] = ("zh", "en")
"""Report languages; the first is the default."""

ZH: dict[str, str] = {
    # document
    "title": "{county}常住人口城镇化模拟报告",
    "subtitle": "基于hdsim多主体模拟的{kind}结果：{target_year}年能否达到{target}？",
    "kind_job": "主任务（情景对比）",
    "kind_run": "单次运行",
    "kind_experiment": "实验",
    "built_from": "数据来源文件夹：{folder}",
    "generated": "生成于{time}，hdsim {version}；报告只读取模拟输出，不重新运行模型。",
    "contents": "目录",
    "figure": "图",
    "table": "表",
    "svg_link": "矢量图（SVG）",
    "page": "第{page}页",
    "pdf_full_list": "完整列表（共{n}项）见HTML和Markdown版报告，以及同目录下的{file}。",
    "none": "无",
    "labelled": "{label}：{text}",
    # sections
    "sec_answer": "结论：{target_year}年末能否达到{target}？",
    "sec_runs": "缺失或失败的运行",
    "sec_trajectories": "常住人口城镇化率走势（2020–{end_year}年）",
    "sec_hukou": "常住人口城镇化率与户籍人口城镇化率",
    "sec_townships": "乡镇与县城",
    "sec_jobs": "分行业就业",
    "sec_migration": "人口流动",
    "sec_policies": "各项政策的贡献",
    "sec_sensitivity": "敏感性分析",
    "sec_prim": "情景发现（PRIM）",
    "sec_target": "目标反推",
    "sec_calibration": "校准与回测",
    "sec_assumptions": "假设与数据",
    "sec_reproducibility": "可复现性",
    # answer
    "answer_intro": (
        "下表列出每个情景{target_year}年末常住人口城镇化率在{n}次重复模拟中的均值和5%–95%区间、"
        "达到{target}的概率（重复模拟中达到目标的比例，附Wilson 95%置信区间），"
        "以及各次模拟均值首次达到{target}的年份。"
    ),
    "col_scenario": "情景",
    "col_replicates": "重复次数",
    "col_rate_end": "{target_year}年末城镇化率（均值）",
    "col_interval": "5%–95%区间",
    "col_p_reach": "达到{target}的概率",
    "col_p_ci": "概率的95%置信区间",
    "col_year_crosses": "均值达到{target}的年份",
    "col_hukou_end": "{target_year}年末户籍人口城镇化率",
    "not_by": "到{end_year}年末仍未达到",
    "sentence": "{label}：{target_year}年末常住人口城镇化率预计为{mean}（5%–95%区间{lo}–{hi}），"
    "达到{target}的概率为{p}；{crossing}。{verdict}",
    "crossing_year": "各次模拟的均值在{year}年达到{target}",
    "crossing_never": "到{end_year}年末均值仍未达到{target}，差{gap}",
    "verdict_very_likely": "按模型假设，目标基本可以实现。",
    "verdict_likely": "按模型假设，实现目标的可能性大于一半。",
    "verdict_unlikely": "按模型假设，实现目标的可能性较小。",
    "verdict_very_unlikely": "按模型假设，目标难以实现。",
    "observed_note": "观测值：{points}。",
    "observed_point": "{date}为{value}（{source}）",
    # runs
    "runs_ok": "共{ok}次运行完成，{bad}次缺失或失败；报告只使用已完成的运行。",
    "col_run": "运行",
    "col_problem": "问题",
    "problem_no_success": "没有_SUCCESS标记（未完成或失败）",
    "problem_no_series": "有_SUCCESS标记但缺少county.parquet",
    "problem_absent": "按配置应有此运行，但文件夹不存在",
    "problem_error": "失败：{error}",
    # trajectories
    "traj_intro": (
        "图中实线为各次重复模拟的中位数，深色带为25%–75%区间，浅色带为5%–95%区间；"
        "水平虚线为{target}目标，竖线为{target_year}年末，黑点为观测值。"
    ),
    "fig_headline": "{county}常住人口城镇化率：各情景对比",
    "fig_fan": "各情景常住人口城镇化率扇形图",
    "axis_rate": "常住人口城镇化率",
    "axis_year": "年份",
    "axis_persons": "人",
    "axis_persons_year": "人/年",
    "axis_pp": "百分点",
    "axis_km2": "平方公里",
    "axis_villages": "个",
    "legend_target": "目标{target}",
    "legend_target_year": "{year}年末",
    "legend_observed": "观测值",
    "legend_median": "中位数",
    "legend_band_90": "5%–95%",
    "legend_band_50": "25%–75%",
    "legend_mean": "均值",
    # hukou
    "hukou_intro": (
        "户籍人口城镇化率按户籍人口计算，常住人口城镇化率按常住人口计算；两者之差反映"
        "在城镇居住但尚未落户的人口。表中为{target_year}年末各次模拟的均值。"
    ),
    "fig_hukou": "常住人口城镇化率（实线）与户籍人口城镇化率（虚线）",
    "fig_hukou_gap": "两率之差",
    "col_resident_rate": "常住人口城镇化率",
    "col_hukou_rate": "户籍人口城镇化率",
    "col_gap": "差距",
    "col_gap_start": "差距（{date}）",
    # townships
    "townships_intro": (
        "下图和下表为各乡镇从{start}到{target_year}年末的变化（各次模拟的均值）：城镇化率"
        "（城镇人口占常住人口的比例；城镇人口指乡镇驻地、县城及被纳入城区的村庄的常住人口）、"
        "城镇人口的变化和村庄常住人口的变化。县城所在的镇单列一行，其城镇人口变化另用一个刻度。"
    ),
    "fig_townships": "各乡镇城镇化率、城镇人口变化和村庄人口变化（{start}至{target_year}年末）",
    "panel_township_rate": "城镇化率（{target_year}年末）",
    "panel_township_urban": "城镇人口变化（人）",
    "panel_township_village": "村庄常住人口变化",
    "legend_census_day": "{date}（普查时）",
    "axis_own_scale": "县城所在镇：单独刻度（人）",
    "townships_urban_caption": "各乡镇城镇人口的变化（人）",
    "townships_rate_caption": "各乡镇城镇化率（{start}和{target_year}年末）",
    "townships_village_caption": "各乡镇村庄常住人口（{start}）及其到{target_year}年末的变化",
    "col_rate_start": "城镇化率（{date}）",
    "col_village_start": "村庄常住人口（{date}）",
    "count_mean_range": "平均{mean}个（各次模拟{lo}–{hi}个）",
    "count_all_runs": "各次模拟均为{n}个",
    "count_none": "各次模拟中均没有",
    "rate_by_year_caption": "各年末常住人口城镇化率（各次模拟的均值）",
    "fig_county_city": "县城的增长",
    "panel_county_city_population": "县城常住人口",
    "panel_builtup": "县城建成区面积",
    "panel_reclassified": "被纳入城区的村庄（累计）",
    "col_township": "乡镇",
    "col_urban_start": "城镇人口（{date}）",
    "col_change": "变化：{label}",
    "county_city_intro": "{label}：县城常住人口由{start}变为{end}，建成区面积达{km2}；"
    "被纳入城区的村庄{villages}，撤乡设镇{upgraded}。",
    # jobs
    "jobs_intro": "各行业就业人数在{start}和{target_year}年末的值（各次模拟的均值）。",
    "fig_jobs": "分行业就业人数变化（{start}至{target_year}年末）",
    "col_sector": "行业",
    "col_jobs_start": "就业（{date}）",
    "sector_total": "合计",
    # migration
    "migration_intro": (
        "各类人口流动按年累计（人/年，各次模拟的均值）；表中为{start}至{target_year}年末的累计人数。"
    ),
    "fig_migration": "人口流动（按年累计）",
    "col_flow": "流动",
    # policies
    "policies_intro": (
        "每项政策的贡献为该情景与基准情景在同一重复（同一随机数流，共同随机数法）下"
        "{target_year}年末城镇化率之差，表中为各次差值的均值和5%–95%区间（百分点）。"
    ),
    "policies_none": "没有基准情景或没有政策情景，无法计算政策贡献。",
    "policies_unpaired": "同一情景和重复编号下有多条序列，无法按共同随机数配对，未计算政策贡献。",
    "interaction_intro": (
        "组合情景的交互项 = 组合情景的效果 − 各单项政策效果之和（同一重复配对）。"
        "正值表示政策之间相互加强，负值表示相互削弱。"
    ),
    "interaction_missing_levers": "组合中以下政策没有单项情景，其效果计入交互项：{levers}。",
    "interaction_lever_differs": "以下政策在组合情景和单项情景中的设置不同：{levers}。",
    "fig_policies": "各情景相对基准情景的效果（{target_year}年末，百分点）",
    "fig_policy_paths": "相对基准情景的效果随时间变化（均值，百分点）",
    "col_levers": "政策",
    "col_effect": "效果（均值）",
    "col_effect_interval": "5%–95%区间",
    "col_pairs": "配对数",
    "col_combined": "组合情景",
    "col_sum_singles": "单项效果之和",
    "col_interaction": "交互项",
    # optional panels
    "fig_rank": "Spearman秩相关：{output}",
    "legend_rho": "Spearman ρ",
    "method_sobol": "Sobol方差分解",
    "method_morris": "Morris筛选",
    "method_rank": "拉丁超立方抽样的Spearman秩相关",
    "col_s1_conf": "S1置信区间半宽",
    "col_st_conf": "ST置信区间半宽",
    "col_mu_star_conf": "μ*置信区间半宽",
    "col_rho": "ρ",
    "col_p_value": "p值",
    "col_range": "政策取值范围",
    "prim_empty": "没有找到PRIM盒子：所有运行都达到或都未达到{target}。",
    "sensitivity_intro": "输出“{output}”对各不确定参数和政策的敏感性（{method}）。",
    "fig_sobol": "Sobol敏感性指数：{output}",
    "fig_morris": "Morris筛选：{output}",
    "legend_s1": "一阶指数S1",
    "legend_st": "总效应指数ST",
    "legend_mu_star": "μ*",
    "col_parameter": "参数",
    "col_s1": "S1",
    "col_st": "ST",
    "col_mu_star": "μ*",
    "col_sigma": "σ",
    "prim_intro": (
        "在以下参数范围（PRIM盒子）内，模拟更可能达到{target}：覆盖率为盒内达标运行占全部"
        "达标运行的比例，密度为盒内运行中达标的比例。"
    ),
    "fig_prim": "PRIM盒子：参数范围（归一化到抽样范围）",
    "col_box": "盒子",
    "col_lower": "下限",
    "col_upper": "上限",
    "col_coverage": "覆盖率",
    "col_density": "密度",
    "target_intro": (
        "使{target_year}年末达到{target}的概率达到给定水平所需的最小政策取值"
        "（共同随机数下的二分搜索）。"
    ),
    "col_lever": "政策或政策包",
    "col_level": "概率水平",
    "col_intensity": "所需取值",
    "col_p_at": "该强度下的概率",
    "not_reachable": "在政策强度范围内无法达到",
    "calibration_intro": (
        "模拟值（均值和5%–95%区间）与观测值的对比；“校准”为用于校准的观测，"
        "“回测”为校准时留出、用来检验预测的观测。"
    ),
    "fig_calibration": "校准与回测：模拟（均值和5%–95%区间）与观测",
    "col_date": "日期",
    "col_indicator": "指标",
    "col_observed": "观测值",
    "col_simulated": "模拟均值",
    "col_role": "用途",
    "role_calibration": "校准",
    "role_backtest": "回测",
    "optional_bad": "文件{file}缺少列{columns}，未生成此部分。",
    # assumptions
    "assumptions_intro": (
        "模型读取的每一个数据值及其来源和可信度如下；★表示估计值（待用实际数据替换）。"
        "可信度：官方=官方公报或区划代码；转引=引用官方数字的网页；推算=由其他数字计算；估计=假设。"
    ),
    "assumptions_data_dir": "数据文件夹：{path}；校验和{checksum}。",
    "assumptions_plan": "政策杠杆对应的规划：{title}（数据文件夹中的 plan.yaml）。",
    "assumptions_plan_template": "政策杠杆对应的规划：{title}——这是 hdsim-county init "
    "写出的省级方案类型模板，尚未按本县方案修改。",
    "assumptions_plan_missing": "数据文件夹中没有 plan.yaml：政策杠杆未对应本县的规划。",
    "assumptions_borrowed": "行为参数取自{county}的校准结果，未在本县拟合。",
    "assumptions_checksum_differs": (
        "注意：当前数据文件夹的校验和与运行时记录的不同，下表可能与运行所用数据不符。"
    ),
    "assumptions_counts": "按文件和可信度统计的数据项数",
    "assumptions_figures": "全部数据值",
    "assumptions_parameters": "行为参数（运行配置中的取值；状态取自参数说明）",
    "col_file": "文件",
    "col_row": "行",
    "col_entity": "对象",
    "col_field": "字段",
    "col_value": "数值",
    "col_source": "来源",
    "col_confidence": "可信度",
    "col_status": "状态",
    "col_note": "说明",
    "col_count": "项数",
    "col_estimated": "估计",
    "estimate_mark": "★",
    # reproducibility
    "repro_intro": "用以下信息可以重现本报告中的每一次运行。",
    "repro_item": "项目",
    "repro_value": "值",
    "repro_hdsim": "hdsim版本",
    "repro_versions": "Python / Mesa / numpy",
    "repro_config_hash": "配置哈希（{scenario}）",
    "repro_seed": "基础随机种子",
    "repro_replicates": "重复编号（SeedSequence的spawn_key）",
    "repro_command": "命令行",
    "repro_overrides": "Hydra覆盖参数",
    "repro_checksum": "数据校验和",
    "repro_data_dir": "数据文件夹",
    "repro_scale": "家庭规模系数（households.scale）",
    "repro_written": "运行时间",
    # levels, kinds
    "confidence_official": "官方",
    "confidence_quoted": "转引",
    "confidence_derived": "推算",
    "confidence_estimate": "估计",
    "status_calibrated": "校准",
    "status_literature": "文献",
    "status_assumption": "假设",
    "status_estimate": "估计",
    "status_official": "官方",
    "status_unknown": "未注明",
    "settlement_village": "村庄",
    "settlement_seat": "乡镇驻地",
    "settlement_county_city": "县城",
    "pp": "{value}个百分点",
    # decision summary and costs (hdsim/report/summary.py)
    "sec_summary": "决策摘要",
    "summary_verdict_reached": "结论：按模型假设，{target_year}年末达到{target}"
    "的把握最大的是“{label}”，"
    "预计为{mean}（5%–95%区间{lo}–{hi}），达到的概率为{p}。",
    "summary_verdict_not": "结论：按模型假设，{target_year}年末任何情景都难以达到{target}；"
    "效果最好的“{label}”预计为{mean}（5%–95%区间{lo}–{hi}），达到的概率为{p}，"
    "完成了从基准到目标差距的{share}。",
    "summary_outlook_year": "若各项措施持续实施，“{label}”达到{target}的概率：{items}。",
    "summary_outlook_never": "即使各项措施持续到{end_year}年，任何情景都没有一次模拟达到{target}"
    "（{items}）。",
    "outlook_p_item": "到{year}年{p}（90%区间{lo}–{hi}）",
    "summary_outlook_note_posterior": "本页的概率均来自行为参数取自"
    "按{window}年观测校准的后验分布的模拟："
    "{target_year}年末的概率来自每个情景{replicates}次模拟，"
    "措施持续时的概率来自主任务另行模拟到{end_year}年的每个情景{n}次模拟"
    "（规模为实际住户的{scale}，措施保持开启、持续支出运行费用）；目标年份仍为规划规定的{target_year}年。",
    "summary_outlook_note_point": "本页的概率来自行为参数取点估计的模拟（{target_year}年末每个情景"
    "{replicates}次，延续到{end_year}年每个情景{n}次，规模{scale}），只反映模型的随机性，"
    "不反映观测数据尚不能确定的行为参数。",
    "summary_p_prior": "本页的模拟按先验范围抽取行为参数，不给出本县的概率。",
    "summary_left_out": "这些概率按普查口径的常住人口城镇化率计算。城乡划分调整按规则模拟"
    "（镇区向邻近村庄扩展、开发区计入镇区、撤乡设镇后并入镇区的村庄、合村并居），"
    "没有使用国家统计局逐村的城乡划分代码；没有包括年度公布数据相对普查口径的估算误差，"
    "以及2030年人口普查后的重新校准（普查前按抽样推算的年度数据可能与普查结果相差数个百分点）。",
    "summary_validation": "回溯检验（不使用2020年普查数据）：模型从2010年普查状态起步，"
    "预测2020年普查的常住人口城镇化率为{model}（90%区间{lo}–{hi}），普查实际为{observed}，"
    "相差{gap}个百分点，{covered}{reading}（docs/validation.md，代码版本{commit}）。",
    "validation_floor": "；上表的城镇化率更接近公布数据的下限",
    "validation_ceiling": "；上表的城镇化率可能高于公布数据",
    "validation_covered": "实际值在区间内",
    "validation_not_covered": "实际值不在区间内",
    "summary_outlook_missing": "本次输出没有延续模拟，无法给出措施持续时达到目标的概率。",
    "summary_levers": "最关键的措施：{items}。",
    "summary_lever_item": "{label}（较基准提高{gain}，投入{cost}亿元）",
    "summary_sensitivity": "敏感性分析中影响最大的参数：{items}。",
    "summary_no_costs": "本次输出没有基准情景或支出记录，无法计算成本。",
    "col_gain_pp": "较基准提高（百分点）",
    "col_spending_yi": "至{target_year}年末累计投入（亿元）",
    "col_yi_per_pp": "每提高1个百分点投入（亿元）",
    "col_pp_per_yi": "每亿元提高（百分点）",
    "col_year_outlook": "措施持续时到{years}年达到{target}的概率",
    "outlook_not_by": "到{end_year}年仍未达到",
    "sec_costs": "成本与效益",
    "costs_intro": "投入按各措施的单位成本和实施强度计算"
    "（资本支出在实施期内均摊，运行费用逐年支出），"
    "效果为与同一随机序列下基准情景之差的平均值（共同随机数）。",
    "costs_value_caption": "{target_year}年末城镇化率提高与累计投入",
    "costs_year_caption": "“{label}”各措施年度支出与年度预算（亿元）",
    "costs_total_caption": "各情景年度总支出与年度预算（亿元）",
    "costs_lever_caption": "各情景各措施的年度支出（亿元，各次模拟的均值，至{target_year}年末）",
    "col_sum_years": "{first}–{last}年合计",
    "col_line": "项目",
    "sheet_levers": "各措施年度支出（亿元）",
    "xl_lever": "措施代码",
    "xl_measure": "措施",
    "xl_total": "合计",
    "xl_year_column": "{year}年",
    "col_year": "年份",
    "sec_rate_split": "城镇化率变化的统计部分与行为部分",
    "rate_split_intro": (
        "{label}：城镇人口的每一次变化分为统计部分和行为部分。统计部分是因所在地点的城乡划分代码改变"
        "（城区或镇区扩展并入村庄、特殊区域、撤乡设镇并入镇区的村庄、合村并组）而由乡村人口变为城镇人口"
        "（或反之）的人，没有人因此搬家；行为部分是城镇地点的出生、死亡、迁入和迁出。两部分之和恰为城镇"
        "人口的变化。城镇化率的变化（百分点）按同样方法拆分，分母的变化计入行为部分。"
    ),
    "rate_split_caption": "城镇人口变化的统计部分与行为部分（{label}，人，各次模拟的均值）",
    "rate_split_settlement_caption": "按地点类型的城镇人口变化（{label}，全部模拟期，人）",
    "col_split_statistical": "统计部分（人）",
    "col_split_behavioural": "行为部分（人）",
    "col_split_total": "城镇人口变化（人）",
    "col_split_statistical_pp": "城镇化率：统计部分（百分点）",
    "col_split_behavioural_pp": "城镇化率：行为部分（百分点）",
    "col_settlement": "地点类型",
    "col_measure": "措施",
    "col_budget": "年度预算",
    "col_total": "合计",
    "col_cost_capital": "资本支出（亿元，强度1）",
    "col_cost_running": "年运行费用（亿元，强度1）",
    "col_cost_flag": "单位成本依据",
    "costs_units_caption": "单位成本及其依据（★为估计值）",
    "costs_out_of_scope": "不在本模型效果范围内的措施（只计成本，不影响城镇化率）：{items}。",
    "costs_out_of_scope_none": "所有开启的措施在模型中都有作用于城镇化率的途径；"
    "规划中未列为措施的事项不在模型范围内。",
    "fig_costs": "各措施年度支出与年度预算",
    "axis_yi": "亿元",
    "legend_budget": "年度预算",
    "figure_source": "来源：hdsim模拟（{county}，{kind}，{runs}次运行），{date}生成",
    "dash": "–",
    "source_see": "英文原文见{file}",
    "sec_dictionary": "指标说明（数据字典）",
    "dictionary_intro": "输出中每个指标的代码、名称、单位和定义（hdsim/report/indicators.yaml）。",
    "col_indicator_code": "指标代码",
    "col_label": "名称",
    "col_unit": "单位",
    "col_definition": "定义",
    "sheet_summary": "摘要",
    "sheet_costs": "成本",
    "sheet_series": "年度序列",
    "sheet_townships": "乡镇×情景",
    "sheet_rate_split": "城镇化率变化分解",
    "settlement_all": "全县",
    "xl_settlement": "居住地类型",
    "xl_reclassification": "城乡重新划分（人）",
    "xl_births": "出生（人）",
    "xl_deaths": "死亡（人）",
    "xl_arrivals": "迁入城镇（人）",
    "xl_departures": "迁出城镇（人）",
    "xl_statistical": "统计部分（人）",
    "xl_behavioural": "行为部分（人）",
    "xl_statistical_pp": "城镇化率：统计部分（百分点）",
    "xl_behavioural_pp": "城镇化率：行为部分（百分点）",
    "sheet_inputs": "输入数据",
    "xl_scenario": "情景代码",
    "xl_label": "情景",
    "xl_replicates": "重复次数",
    "xl_rate_mean": "目标年末城镇化率（均值）",
    "xl_rate_p05": "5%分位",
    "xl_rate_p95": "95%分位",
    "xl_p_reach": "达到目标的概率",
    "xl_p_reach_lo": "概率95%置信下限",
    "xl_p_reach_hi": "概率95%置信上限",
    "xl_year_mean_crosses": "均值达到目标的年份",
    "xl_hukou_rate_mean": "目标年末户籍人口城镇化率",
    "xl_gain_pp": "较基准提高（百分点）",
    "xl_gain_pp_se": "提高的标准误（百分点）",
    "xl_spending_yi": "累计投入（亿元）",
    "xl_pp_per_yi": "每亿元提高（百分点）",
    "xl_yi_per_pp": "每百分点投入（亿元）",
    "xl_year": "年份",
    "xl_township_code": "乡镇代码",
    "xl_township": "乡镇",
    "xl_file": "文件",
    "xl_row": "行",
    "xl_entity": "对象",
    "xl_field": "字段",
    "xl_value": "数值",
    "xl_source": "来源",
    "xl_confidence": "可信度",
    "xl_note": "说明",
    "workbook_note": "同一文件夹中的 report.xlsx 是本报告的Excel工作簿"
    "（摘要、成本、各措施年度支出、年度序列、乡镇×情景、城镇化率变化分解、输入数据）。",
}

EN: dict[str, str] = {
    # document
    "title": "{county} urbanization: simulation report",
    "subtitle": "hdsim agent-based simulation, {kind}: is {target} reached by {target_year}?",
    "kind_job": "main job (scenario comparison)",
    "kind_run": "single run",
    "kind_experiment": "experiment",
    "built_from": "Built from the folder {folder}",
    "generated": "Generated {time} by hdsim {version}; the report reads simulation outputs only "
    "and never re-runs the model.",
    "contents": "Contents",
    "figure": "Figure",
    "table": "Table",
    "svg_link": "vector image (SVG)",
    "page": "page {page}",
    "pdf_full_list": "The full list ({n} items) is in the HTML and Markdown reports and in {file} "
    "beside them.",
    "none": "none",
    "labelled": "{label}: {text}",
    # sections
    "sec_answer": "The answer: is {target} reached by the end of {target_year}?",
    "sec_runs": "Missing or failed runs",
    "sec_trajectories": "Resident urbanization rate, 2020 to {end_year}",
    "sec_hukou": "Resident versus hukou urbanization",
    "sec_townships": "Townships and the county city",
    "sec_jobs": "Jobs by sector",
    "sec_migration": "Migration flows",
    "sec_policies": "What each policy contributes",
    "sec_sensitivity": "Sensitivity",
    "sec_prim": "Scenario discovery (PRIM)",
    "sec_target": "Target seeking",
    "sec_calibration": "Calibration and back-test",
    "sec_assumptions": "Assumptions and data",
    "sec_reproducibility": "Reproducibility",
    # answer
    "answer_intro": (
        "For each scenario: the resident urbanization rate at the end of {target_year}, mean and "
        "5-95% interval over {n} replicates; the probability of reaching {target} (share of "
        "replicates at or above it, with a Wilson 95% confidence interval); and the year in "
        "which the replicates' mean first reaches {target}."
    ),
    "col_scenario": "Scenario",
    "col_replicates": "Replicates",
    "col_rate_end": "Rate end {target_year} (mean)",
    "col_interval": "5-95% interval",
    "col_p_reach": "P(reach {target})",
    "col_p_ci": "95% CI of P",
    "col_year_crosses": "Year the mean reaches {target}",
    "col_hukou_end": "Hukou rate end {target_year}",
    "not_by": "not by {end_year}",
    "sentence": "{label}: the resident urbanization rate at the end of {target_year} is expected "
    "at {mean} (5-95%: {lo} to {hi}); the probability of reaching {target} is {p}; {crossing}. "
    "{verdict}",
    "crossing_year": "the replicates' mean reaches {target} in {year}",
    "crossing_never": "the replicates' mean is still {gap} short of {target} at the end of "
    "{end_year}",
    "verdict_very_likely": "Under the model's assumptions the target is all but certain.",
    "verdict_likely": "Under the model's assumptions the target is more likely than not.",
    "verdict_unlikely": "Under the model's assumptions the target is unlikely.",
    "verdict_very_unlikely": "Under the model's assumptions the target is out of reach.",
    "observed_note": "Observed: {points}.",
    "observed_point": "{value} on {date} ({source})",
    # runs
    "runs_ok": "{ok} runs completed, {bad} missing or failed; the report uses the completed "
    "runs only.",
    "col_run": "Run",
    "col_problem": "Problem",
    "problem_no_success": "no _SUCCESS marker (unfinished or failed)",
    "problem_no_series": "_SUCCESS present but county.parquet missing",
    "problem_absent": "expected by the configuration, but its folder does not exist",
    "problem_error": "failed: {error}",
    # trajectories
    "traj_intro": (
        "Solid lines are the replicates' median, the dark band the 25-75% range, the light band "
        "the 5-95% range; the dashed line is the {target} target, the vertical line the end of "
        "{target_year}, black dots the observed rates."
    ),
    "fig_headline": "{county} resident urbanization rate by scenario",
    "fig_fan": "Fan charts of the resident urbanization rate by scenario",
    "axis_rate": "resident urbanization rate",
    "axis_year": "year",
    "axis_persons": "persons",
    "axis_persons_year": "persons per year",
    "axis_pp": "percentage points",
    "axis_km2": "km²",
    "axis_villages": "villages",
    "legend_target": "target {target}",
    "legend_target_year": "end {year}",
    "legend_observed": "observed",
    "legend_median": "median",
    "legend_band_90": "5-95%",
    "legend_band_50": "25-75%",
    "legend_mean": "mean",
    # hukou
    "hukou_intro": (
        "The hukou rate counts registered persons holding an urban hukou, the resident rate "
        "counts residents living in urban places; the gap is people living in towns without "
        "an urban hukou. The table gives the replicates' mean at the end of {target_year}."
    ),
    "fig_hukou": "Resident (solid) and hukou (dashed) urbanization rates",
    "fig_hukou_gap": "Gap between the two rates",
    "col_resident_rate": "Resident rate",
    "col_hukou_rate": "Hukou rate",
    "col_gap": "Gap",
    "col_gap_start": "Gap ({date})",
    # townships
    "townships_intro": (
        "Each township from {start} to the end of {target_year} (replicates' mean): its "
        "urbanization rate (urban share of its residents; urban means town seats, the county "
        "city and villages absorbed into the urban area), the change of its urban population and "
        "the change of its village residents. The township holding the county city has a row of "
        "its own, with its own scale for the change in persons."
    ),
    "fig_townships": "Townships: urbanization rate, urban change and village change ({start} to "
    "end {target_year})",
    "panel_township_rate": "urbanization rate (end {target_year})",
    "panel_township_urban": "change in urban residents",
    "panel_township_village": "change in village residents",
    "legend_census_day": "census day {date}",
    "axis_own_scale": "county-city township: own scale (persons)",
    "townships_urban_caption": "Change in urban residents by township (persons)",
    "townships_rate_caption": "Urbanization rate by township ({start} and end {target_year})",
    "townships_village_caption": "Village residents by township ({start}) and their change to "
    "the end of {target_year}",
    "col_rate_start": "Rate ({date})",
    "col_village_start": "Village residents ({date})",
    "count_mean_range": "{mean} on average ({lo}–{hi} across runs)",
    "count_all_runs": "{n} in every run",
    "count_none": "none in any run",
    "rate_by_year_caption": "Resident urbanization rate at each year end (replicates' mean)",
    "fig_county_city": "Growth of the county city",
    "panel_county_city_population": "county-city residents",
    "panel_builtup": "county-city built-up area",
    "panel_reclassified": "villages absorbed into the urban area (cumulative)",
    "col_township": "Township",
    "col_urban_start": "Urban residents ({date})",
    "col_change": "Change: {label}",
    "county_city_intro": "{label}: county-city residents go from {start} to {end}; built-up "
    "area {km2}; villages absorbed into the urban area: {villages}; townships upgraded to towns: "
    "{upgraded}.",
    # jobs
    "jobs_intro": "Jobs by sector at {start} and at the end of {target_year} (replicates' mean).",
    "fig_jobs": "Change of jobs by sector ({start} to end {target_year})",
    "col_sector": "Sector",
    "col_jobs_start": "Jobs ({date})",
    "sector_total": "total",
    # migration
    "migration_intro": (
        "Migration flows summed by calendar year (persons per year, replicates' mean); the "
        "table gives the totals from {start} to the end of {target_year}."
    ),
    "fig_migration": "Migration flows (yearly totals)",
    "col_flow": "Flow",
    # policies
    "policies_intro": (
        "A policy's contribution is its scenario's rate at the end of {target_year} minus the "
        "baseline's, replicate by replicate (same random streams: common random numbers); the "
        "table gives the mean and 5-95% interval of these differences, in percentage points."
    ),
    "policies_none": "No baseline or no policy scenario: contributions cannot be computed.",
    "policies_unpaired": "Several series share a scenario and replicate number, so runs cannot "
    "be paired by common random numbers; contributions are not computed.",
    "interaction_intro": (
        "Interaction of a combined scenario = its effect minus the sum of the single-lever "
        "effects (paired by replicate). Positive: the levers reinforce each other; negative: "
        "they overlap or work against each other."
    ),
    "interaction_missing_levers": "These levers of the combination have no single-lever "
    "scenario, so their effect is inside the interaction term: {levers}.",
    "interaction_lever_differs": "These levers are set differently in the combination and in "
    "their single-lever scenario: {levers}.",
    "fig_policies": "Effect relative to the baseline (end {target_year}, percentage points)",
    "fig_policy_paths": "Effect relative to the baseline over time (mean, percentage points)",
    "col_levers": "Levers",
    "col_effect": "Effect (mean)",
    "col_effect_interval": "5-95% interval",
    "col_pairs": "Pairs",
    "col_combined": "Combined scenario",
    "col_sum_singles": "Sum of single effects",
    "col_interaction": "Interaction",
    # optional panels
    "fig_rank": "Spearman rank correlations: {output}",
    "legend_rho": "Spearman ρ",
    "method_sobol": "Sobol variance decomposition",
    "method_morris": "Morris screening",
    "method_rank": "Spearman rank correlation over a Latin-hypercube sample",
    "col_s1_conf": "S1 CI half-width",
    "col_st_conf": "ST CI half-width",
    "col_mu_star_conf": "μ* CI half-width",
    "col_rho": "ρ",
    "col_p_value": "p-value",
    "col_range": "Lever range",
    "prim_empty": "No PRIM box: either every run or no run reaches {target}.",
    "sensitivity_intro": "Sensitivity of '{output}' to the uncertainties and levers ({method}).",
    "fig_sobol": "Sobol indices: {output}",
    "fig_morris": "Morris screening: {output}",
    "legend_s1": "first order S1",
    "legend_st": "total order ST",
    "legend_mu_star": "μ*",
    "col_parameter": "Parameter",
    "col_s1": "S1",
    "col_st": "ST",
    "col_mu_star": "μ*",
    "col_sigma": "σ",
    "prim_intro": "Within these parameter ranges (PRIM boxes) runs reach {target} more often: "
    "coverage is the share of all successful runs inside the box, density the share of runs "
    "inside the box that succeed.",
    "fig_prim": "PRIM boxes: parameter ranges (scaled to the sampled range)",
    "col_box": "Box",
    "col_lower": "Lower",
    "col_upper": "Upper",
    "col_coverage": "Coverage",
    "col_density": "Density",
    "target_intro": "Smallest lever value at which the probability of reaching {target} by the "
    "end of {target_year} attains the given level (bisection with common random numbers).",
    "col_lever": "Lever or package",
    "col_level": "Probability level",
    "col_intensity": "Value needed",
    "col_p_at": "Probability at that intensity",
    "not_reachable": "not reachable within the lever's range",
    "calibration_intro": "Simulated (mean, 5-95%) against observed values; 'calibration' "
    "observations were used to fit the model, 'back-test' ones were held out of the fit and "
    "predicted.",
    "fig_calibration": "Calibration and back-test: simulated (mean, 5-95%) against observed",
    "col_date": "Date",
    "col_indicator": "Indicator",
    "col_observed": "Observed",
    "col_simulated": "Simulated mean",
    "col_role": "Role",
    "role_calibration": "calibration",
    "role_backtest": "back-test",
    "optional_bad": "The file {file} lacks the columns {columns}; this part is left out.",
    # assumptions
    "assumptions_intro": (
        "Every data value the model reads, with its source and confidence; ★ marks estimates "
        "(to be replaced by real figures). Confidence: official = official bulletin or code "
        "list; quoted = a page quoting the official figure; derived = computed from other "
        "figures; estimate = assumption."
    ),
    "assumptions_data_dir": "Data folder: {path}; checksum {checksum}.",
    "assumptions_plan": "The levers are mapped to the plan {title} (plan.yaml of the data "
    "folder).",
    "assumptions_plan_template": "The levers are mapped to the plan {title}: the template of the "
    "provincial plan type written by hdsim-county init, not yet edited to the county's own plan.",
    "assumptions_plan_missing": "The data folder has no plan.yaml: the levers are not mapped to "
    "the county's plan.",
    "assumptions_borrowed": "Behaviour borrowed from {county}, not fitted here.",
    "assumptions_checksum_differs": "Warning: the data folder's checksum differs from the one "
    "the runs recorded; the tables below may not be the data the runs used.",
    "assumptions_counts": "Data values by file and confidence",
    "assumptions_figures": "All data values",
    "assumptions_parameters": "Behavioural parameters (values in the run configuration; status "
    "from the parameter's help text)",
    "col_file": "File",
    "col_row": "Row",
    "col_entity": "Entity",
    "col_field": "Field",
    "col_value": "Value",
    "col_source": "Source",
    "col_confidence": "Confidence",
    "col_status": "Status",
    "col_note": "Note",
    "col_count": "Values",
    "col_estimated": "Estimate",
    "estimate_mark": "★",
    # reproducibility
    "repro_intro": "With these facts every run in this report can be reproduced.",
    "repro_item": "Item",
    "repro_value": "Value",
    "repro_hdsim": "hdsim version",
    "repro_versions": "Python / Mesa / numpy",
    "repro_config_hash": "config hash ({scenario})",
    "repro_seed": "base seed",
    "repro_replicates": "replicates (SeedSequence spawn_key)",
    "repro_command": "command line",
    "repro_overrides": "Hydra overrides",
    "repro_checksum": "data checksum",
    "repro_data_dir": "data folder",
    "repro_scale": "households.scale",
    "repro_written": "runs written",
    # levels, kinds
    "confidence_official": "official",
    "confidence_quoted": "quoted",
    "confidence_derived": "derived",
    "confidence_estimate": "estimate",
    "status_calibrated": "calibrated",
    "status_literature": "literature",
    "status_assumption": "assumption",
    "status_estimate": "estimate",
    "status_official": "official",
    "status_unknown": "not stated",
    "settlement_village": "villages",
    "settlement_seat": "town seats",
    "settlement_county_city": "county city",
    "pp": "{value} percentage points",
    # decision summary and costs (hdsim/report/summary.py)
    "sec_summary": "Decision summary",
    "summary_verdict_reached": "Verdict: under the model's assumptions, {target} by the end of "
    "{target_year} is most likely under “{label}”: {mean} expected (5-95% {lo}–{hi}), "
    "probability {p}.",
    "summary_verdict_not": "Verdict: under the model's assumptions, no scenario reaches {target} "
    "by the end of {target_year}; the best, “{label}”, is expected at {mean} (5-95% {lo}–{hi}), "
    "probability {p}, closing {share} of the baseline's gap to the target.",
    "summary_outlook_year": "If its levers stay on, the probability that “{label}” has reached "
    "{target}: {items}.",
    "summary_outlook_never": "Even with the levers on until {end_year}, no run of any scenario "
    "reaches {target} ({items}).",
    "outlook_p_item": "by {year} {p} (90% {lo}–{hi})",
    "summary_outlook_note_posterior": "Every probability on this page comes from runs drawing "
    "behaviour from the posterior fitted to {window}: at the end of {target_year} from "
    "{replicates} runs per scenario; with the levers on, from {n} runs per scenario the main job "
    "continued to {end_year} (scale {scale} of the real households, levers on and running costs "
    "paid). The target year stays the plan's {target_year}.",
    "summary_outlook_note_point": "The probabilities on this page come from runs at the point "
    "estimate of behaviour ({replicates} runs per scenario to {target_year}, {n} continued to "
    "{end_year} at scale {scale}): the model's randomness only, not what the data leave open.",
    "summary_p_prior": "These runs sample behaviour over prior ranges: no probability of the "
    "county is given.",
    "summary_left_out": "These probabilities are for the census-basis resident rate. "
    "Reclassification is simulated by rule (town seats growing over their villages, zones "
    "counted as 镇区, villages joined to an upgraded town, village mergers), not read from the "
    "NBS village code lists. Not included: the estimation error of the published yearly rate "
    "against the census basis, and the re-benchmarking after the 2030 census (a census can "
    "revise the pre-census yearly estimates by several points).",
    "summary_validation": "Hindcast with the 2020 census held out: started from the 2010 "
    "census, the model put the 2020 census rate at {model} (90% interval {lo}–{hi}) against "
    "{observed} observed, {gap} points off, {covered}{reading} (docs/validation.md, code "
    "{commit}).",
    "validation_floor": "; read the rates above as closer to a floor of the published figures",
    "validation_ceiling": "; the rates above may run ahead of the published figures",
    "validation_covered": "inside the interval",
    "validation_not_covered": "outside the interval",
    "summary_outlook_missing": "These outputs hold no continued runs, so the probability of "
    "reaching the target later with the levers on is not known.",
    "summary_levers": "The levers that matter most: {items}.",
    "summary_lever_item": "{label} ({gain} over the baseline for {cost} 亿元)",
    "summary_sensitivity": "Most influential parameters in the sensitivity analysis: {items}.",
    "summary_no_costs": "No baseline or no spending series in these outputs: costs are not "
    "computed.",
    "col_gain_pp": "gain over baseline (pp)",
    "col_spending_yi": "spent to end {target_year} (亿元)",
    "col_yi_per_pp": "亿元 per pp",
    "col_pp_per_yi": "pp per 亿元",
    "col_year_outlook": "P(≥{target}) by {years}, levers on",
    "outlook_not_by": "not by {end_year}",
    "sec_costs": "Costs and value for money",
    "costs_intro": "Spending follows each lever's unit costs times its intensity (capital spread "
    "over the ramp, running costs every year); gains are the mean difference to the baseline "
    "of the same replicate (common random numbers).",
    "costs_value_caption": "Gain by the end of {target_year} and money spent",
    "costs_year_caption": "“{label}”: spending by lever and year against the yearly budget (亿元)",
    "costs_total_caption": "Total spending by scenario and year against the yearly budget (亿元)",
    "costs_lever_caption": "Spending by scenario, lever and year (亿元, replicates' mean, to the "
    "end of {target_year})",
    "col_sum_years": "{first}–{last}",
    "col_line": "line",
    "sheet_levers": "spending by lever (yi yuan)",
    "xl_lever": "lever code",
    "xl_measure": "lever",
    "xl_total": "total",
    "xl_year_column": "{year}",
    "col_year": "year",
    "sec_rate_split": "Statistical and behavioural parts of the change of the rate",
    "rate_split_intro": (
        "{label}: every change of the urban population splits into a statistical part and a "
        "behavioural part. The statistical part is the persons who became urban (or rural) "
        "because the urban-rural code of their place changed (the county city or a town "
        "seat growing over a village, a special area, the villages joined to an upgraded "
        "township's centre, village mergers), without anybody moving; the behavioural part is "
        "births, deaths, arrivals and departures at urban places. The two add up exactly to "
        "the change of the urban population. The change of the rate (points) is split the same "
        "way, the change of its denominator counted as behaviour."
    ),
    "rate_split_caption": "Statistical and behavioural parts of the change of the urban "
    "population ({label}, persons, mean over the runs)",
    "rate_split_settlement_caption": "Change of the urban population by settlement type "
    "({label}, whole simulated period, persons)",
    "col_split_statistical": "statistical (persons)",
    "col_split_behavioural": "behavioural (persons)",
    "col_split_total": "change of urban population (persons)",
    "col_split_statistical_pp": "rate: statistical (points)",
    "col_split_behavioural_pp": "rate: behavioural (points)",
    "col_settlement": "settlement type",
    "col_measure": "lever",
    "col_budget": "yearly budget",
    "col_total": "total",
    "col_cost_capital": "capital cost (亿元, intensity 1)",
    "col_cost_running": "running cost a year (亿元, intensity 1)",
    "col_cost_flag": "basis of the unit cost",
    "costs_units_caption": "Unit costs and their basis (★ marks estimates)",
    "costs_out_of_scope": "Levers outside the model's effects (costed, no effect on the rate): "
    "{items}.",
    "costs_out_of_scope_none": "Every lever that is on has a path to the urbanization rate in "
    "the model; measures of the plan that are not levers are outside the model.",
    "fig_costs": "Spending by lever and year against the yearly budget",
    "axis_yi": "亿元",
    "legend_budget": "yearly budget",
    "figure_source": "Source: hdsim simulation ({county}, {kind}, {runs} runs), built {date}",
    "dash": "–",
    "source_see": "see {file}",
    "sec_dictionary": "Data dictionary",
    "dictionary_intro": "Code, label, unit and definition of every indicator in the outputs "
    "(hdsim/report/indicators.yaml).",
    "col_indicator_code": "indicator",
    "col_label": "label",
    "col_unit": "unit",
    "col_definition": "definition",
    "sheet_summary": "summary",
    "sheet_costs": "costs",
    "sheet_series": "yearly series",
    "sheet_townships": "townships x scenarios",
    "sheet_rate_split": "rate change split",
    "settlement_all": "whole county",
    "xl_settlement": "settlement type",
    "xl_reclassification": "reclassification (persons)",
    "xl_births": "births (persons)",
    "xl_deaths": "deaths (persons)",
    "xl_arrivals": "arrivals in urban places (persons)",
    "xl_departures": "departures from urban places (persons)",
    "xl_statistical": "statistical part (persons)",
    "xl_behavioural": "behavioural part (persons)",
    "xl_statistical_pp": "rate: statistical part (pp)",
    "xl_behavioural_pp": "rate: behavioural part (pp)",
    "sheet_inputs": "inputs",
    "xl_scenario": "scenario code",
    "xl_label": "scenario",
    "xl_replicates": "replicates",
    "xl_rate_mean": "rate at end of target year (mean)",
    "xl_rate_p05": "5th percentile",
    "xl_rate_p95": "95th percentile",
    "xl_p_reach": "probability of reaching the target",
    "xl_p_reach_lo": "probability, 95% CI low",
    "xl_p_reach_hi": "probability, 95% CI high",
    "xl_year_mean_crosses": "year the mean reaches the target",
    "xl_hukou_rate_mean": "hukou rate at end of target year",
    "xl_gain_pp": "gain over baseline (pp)",
    "xl_gain_pp_se": "standard error of the gain (pp)",
    "xl_spending_yi": "spent (亿元)",
    "xl_pp_per_yi": "pp per 亿元",
    "xl_yi_per_pp": "亿元 per pp",
    "xl_year": "year",
    "xl_township_code": "township code",
    "xl_township": "township",
    "xl_file": "file",
    "xl_row": "row",
    "xl_entity": "entity",
    "xl_field": "field",
    "xl_value": "value",
    "xl_source": "source",
    "xl_confidence": "confidence",
    "xl_note": "note",
    "workbook_note": "report.xlsx in the same folder is this report's Excel workbook "
    "(summary, costs, spending by lever and year, yearly series, townships x scenarios, "
    "rate change split, inputs).",
}


@cache
def scenario_labels() -> dict[str, dict[str, str]]:
    """Scenario name → short name for legends and tables, by language.

    The names are the ``label_zh`` and ``label_en`` of the scenario files (one label each).
    """
    from hdsim.model.scenarios import available_scenarios, load_scenario

    scenarios = {name: load_scenario(name) for name in available_scenarios()}
    return {
        "zh": {name: s.label_zh for name, s in scenarios.items()},
        "en": {name: s.label_en for name, s in scenarios.items()},
    }


@cache
def lever_names() -> dict[str, dict[str, str]]:
    """Lever name → display name, by language: the names each lever declares in its module.

    The lever registry is imported here, when a report first names a lever, so that drawing
    figures in the report's helper process does not import every policy.
    """
    from hdsim.policies.registry import lever_specs

    specs = lever_specs()
    return {
        "zh": {name: spec.name_zh for name, spec in specs.items()},
        "en": {name: spec.name_en for name, spec in specs.items()},
    }


def __getattr__(name: str) -> Any:
    """``LEVERS``: :func:`lever_names`, made when first asked for (it imports every lever)."""
    if name == "LEVERS":
        return lever_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


SECTORS: dict[str, dict[str, str]] = {
    "zh": {
        "coal_mining": "煤炭开采",
        "coking_chemicals": "焦化与化工",
        "metal_castings": "金属铸造",
        "other_manufacturing": "其他制造业",
        "construction": "建筑业",
        "trade_logistics": "商贸物流",
        "tourism_hospitality": "文旅与住宿餐饮",
        "public_services": "公共服务",
        "other_services": "其他服务业",
        "ecommerce": "电子商务",
    },
    "en": {
        "coal_mining": "coal mining",
        "coking_chemicals": "coking and chemicals",
        "metal_castings": "metal castings",
        "other_manufacturing": "other manufacturing",
        "construction": "construction",
        "trade_logistics": "trade and logistics",
        "tourism_hospitality": "tourism and hospitality",
        "public_services": "public services",
        "other_services": "other services",
        "ecommerce": "e-commerce",
    },
}

INDICATORS: dict[str, dict[str, str]] = {
    "zh": {
        "urbanization_rate": "常住人口城镇化率",
        "hukou_urbanization_rate": "户籍人口城镇化率",
        "resident_population": "常住人口",
        "urban_population": "城镇人口",
        "county_city_population": "县城常住人口",
        "moves_to_county_city": "迁入县城",
        "moves_to_seats": "迁往乡镇驻地",
        "moves_to_villages": "迁往村庄",
        "leave_county_individuals": "个人外出县外",
        "leave_county_households": "举家迁出县外",
        "return_individuals": "个人返回",
        "return_households": "举家返回",
        "p_reach": "达到目标的概率",
        "rate_end": "目标年末城镇化率",
        "rate_target": "目标年末城镇化率",
    },
    "en": {
        "urbanization_rate": "resident urbanization rate",
        "hukou_urbanization_rate": "hukou urbanization rate",
        "resident_population": "resident population",
        "urban_population": "urban population",
        "county_city_population": "county-city residents",
        "moves_to_county_city": "moves into the county city",
        "moves_to_seats": "moves to town seats",
        "moves_to_villages": "moves to villages",
        "leave_county_individuals": "individuals leaving the county",
        "leave_county_households": "whole households leaving the county",
        "return_individuals": "individuals returning",
        "return_households": "households returning",
        "p_reach": "probability of reaching the target",
        "rate_end": "rate at the end of the target year",
        "rate_target": "rate at the end of the target year",
    },
}

MESSAGES: dict[str, dict[str, str]] = {"zh": ZH, "en": EN}

_LATIN_WORD = re.compile(r"(?<![A-Za-z0-9_./])[A-Za-z]{3,}(?![A-Za-z0-9_./])")
"""An English word (not a code such as ``county.csv`` or ``rate_2020``)."""


@dataclass(frozen=True)
class Catalogue:
    """Labels and number formats of one report language.

    Attributes:
        lang: ``"zh"`` or ``"en"``.
    """

    lang: str = "zh"

    def __post_init__(self) -> None:
        if self.lang not in MESSAGES:
            raise ValueError(f"unknown report language '{self.lang}'; use one of {LANGUAGES}")

    def __call__(self, key: str, **values: object) -> str:
        """The message ``key`` with ``values`` filled in.

        Raises:
            KeyError: The catalogue has no such message.
        """
        return MESSAGES[self.lang][key].format(**values)

    def scenario(self, name: str, label_zh: str | None = None) -> str:
        """Short display name of a scenario: the run's own ``label_zh``, else its file's label."""
        if self.lang == "zh" and label_zh:
            return label_zh
        known = scenario_labels()[self.lang].get(name)
        return known or name.replace("_", " ")

    def lever(self, name: str) -> str:
        """Display name of a policy lever, as its module declares it."""
        from hdsim.policies.registry import lever_specs

        spec = lever_specs().get(name)
        if spec is None:
            return name.replace("_", " ")
        return spec.name_zh if self.lang == "zh" else spec.name_en

    def sector(self, name: str) -> str:
        """Display name of an economic sector."""
        return SECTORS[self.lang].get(name, name.replace("_", " "))

    def indicator(self, name: str) -> str:
        """Display name of an output indicator."""
        return INDICATORS[self.lang].get(name, name)

    def source_text(self, text: str, file: str) -> str:
        """A data source or note as the report shows it.

        English reports quote it as it is. The Chinese report quotes a text only when it is
        Chinese and otherwise points to the file that holds it (the full text is in
        ``inputs.csv`` and the workbook); the county folder's Chinese texts of its sources are
        applied before this (:meth:`hdsim.report.sections.Context.source`).
        """
        if self.lang != "zh" or not text or not _LATIN_WORD.search(text):
            return text
        return self("source_see", file=file)

    def pct(self, value: float, digits: int = 2) -> str:
        """A fraction as a percentage, e.g. ``0.4350 -> "43.50%"``; NaN as a dash."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        return f"{100 * float(value):.{digits}f}%"

    def pp(self, value: float, digits: int = 2, signed: bool = True) -> str:
        """A difference of fractions in percentage points, e.g. ``0.012 -> "+1.20"``."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        return f"{100 * float(value):{'+' if signed else ''}.{digits}f}"

    def pp_words(self, value: float, digits: int = 2) -> str:
        """A difference in percentage points, spelled out (for sentences)."""
        return self("pp", value=self.pp(value, digits, signed=False))

    def pct_signed(self, value: float, digits: int = 1) -> str:
        """A relative change as a signed percentage, e.g. ``-0.123 -> "-12.3%"``."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        return f"{100 * float(value):+.{digits}f}%"

    def count(self, value: float) -> str:
        """A count of persons or jobs, rounded, with thousands separators."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        return f"{round(float(value)):,}"

    def signed_count(self, value: float) -> str:
        """A change in persons or jobs, with its sign."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        return f"{round(float(value)):+,}"

    def number(self, value: float, digits: int = 3) -> str:
        """A general number with ``digits`` significant digits."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        return f"{float(value):.{digits}g}"

    def date(self, value: object) -> str:
        """A date as ``YYYY-MM-DD``."""
        return str(value)[:10]


__all__ = ["LANGUAGES", "MESSAGES", "Catalogue"]
