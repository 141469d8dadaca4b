"""``docs/parameters.md`` is generated from the parameter declarations and the county's values."""

from __future__ import annotations

from pathlib import Path

import pytest

from hdsim.config.parameter_doc import county_behaviour, main, parameter_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "parameters.md"


def test_the_committed_parameter_table_is_the_generated_one():
    """Regenerate with ``python -m hdsim.config.parameter_doc docs/parameters.md``."""
    assert DOC.read_text(encoding="utf-8") == parameter_markdown()


def test_the_table_shows_the_county_value_and_the_source_of_every_parameter():
    text = parameter_markdown()
    consider = county_behaviour().location.consider_rate
    row = next(line for line in text.splitlines() if line.startswith("| `consider_rate` |"))
    assert f"| {consider:.6g} |" in row and "calibrated" in row
    assert "国办发〔2018〕27号" in text  # the school-closure threshold's source


def test_a_behaviour_file_with_an_unknown_parameter_is_refused_in_one_line(tmp_path):
    bad = tmp_path / "county.yaml"
    bad.write_text("location:\n  consider_rat: 0.1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"county\.yaml, group 'location'"):
        county_behaviour(bad)


def test_the_generator_without_a_target_file_exits_2(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err
