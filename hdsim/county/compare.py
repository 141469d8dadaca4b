"""Compare a county folder with its rebuild from the census tables (``hdsim-county compare``).

For a folder made by hand or from a bulletin (e.g. the embedded one), the tables may now give
official counts where the folder estimates: :func:`compare_text` rebuilds the folder's county
from the tables (nothing is written) and lists, with figures, the 5-year age groups by sex, the
household-size shares and the county keys where the two differ, and the census figures only
the rebuild has (household types, residents registered in another township).
"""

from __future__ import annotations

from hdsim.county.scaffold import build_tables
from hdsim.data.loader import CountyData


def compare_text(data: CountyData) -> str:
    """Differences between a county folder and its rebuild from the census tables, as Markdown.

    Args:
        data: The folder, loaded.

    Returns:
        Markdown tables (age groups, household sizes, county keys).
    """
    tables = build_tables(data.name("code"))
    lines = [f"# {data.name('name_zh')}: folder ({data.directory.name}) vs census tables", ""]
    lines += ["| age | male tables | male folder | female tables | female folder | diff % |"]
    lines += ["|---|---|---|---|---|---|"]
    total_abs = 0
    for new, (_, old) in zip(tables["age_sex"], data.age_sex.iterrows(), strict=True):
        dm, df = int(old["male"]) - new["male"], int(old["female"]) - new["female"]
        total_abs += abs(dm) + abs(df)
        pct = 100 * (abs(dm) + abs(df)) / max(1, new["male"] + new["female"])
        label = f"{new['age_lo']}+" if new["age_lo"] == 85 else f"{new['age_lo']}-{new['age_hi']}"
        lines.append(
            f"| {label} | {new['male']} | {int(old['male'])} | {new['female']} | "
            f"{int(old['female'])} | {pct:.1f} |"
        )
    lines += ["", f"Persons in a different age group or sex (sum of |diff|): {total_abs}", ""]
    lines += ["| size | share tables | share folder |", "|---|---|---|"]
    for new, old in zip(tables["household_sizes"], data.household_sizes["share"], strict=True):
        lines.append(f"| {new['size']} | {new['share']:.4f} | {old:.4f} |")
    lines += ["", "| county key | tables (or estimate) | folder |", "|---|---|---|"]
    for row in tables["county"]:
        key = row["key"]
        old = data.county["value"].get(key)
        if old is None or abs(float(old) - float(row["value"])) > 1e-9:
            shown = "—" if old is None else f"{float(old):g}"
            lines.append(f"| {key} ({row['confidence']}) | {float(row['value']):g} | {shown} |")
    return "\n".join(lines) + "\n"
