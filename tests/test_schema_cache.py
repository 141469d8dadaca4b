"""The schema cache gives the schema OmegaConf builds, and never one of another code version."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import pytest
from omegaconf import OmegaConf
from omegaconf.errors import ValidationError

from hdsim.config import schema_cache
from hdsim.model.config import HdsimConfig, ScenarioConfig
from hdsim.paths import CACHE_VARIABLE


@pytest.fixture
def cache_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_VARIABLE, str(folder))
    monkeypatch.delenv(schema_cache.SWITCH_VARIABLE, raising=False)
    return folder


def files(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{schema_cache.PREFIX}*.pickle"))


def test_a_cached_schema_is_the_schema_omegaconf_builds_and_validates_alike(cache_in: Path):
    built = schema_cache.structured(HdsimConfig, ScenarioConfig)  # builds and stores
    schema_cache.structured(ScenarioConfig)  # another entry of the same code: both are kept
    assert len(files(cache_in)) == 2
    stored = {path: path.stat().st_mtime_ns for path in files(cache_in)}
    loaded = schema_cache.structured(HdsimConfig, ScenarioConfig)  # read from the file
    assert loaded[0] is not built[0]
    assert {path: path.stat().st_mtime_ns for path in files(cache_in)} == stored  # not rewritten
    for fresh, cached, kind in zip(built, loaded, (HdsimConfig, ScenarioConfig), strict=True):
        assert OmegaConf.to_yaml(cached) == OmegaConf.to_yaml(fresh)
        assert OmegaConf.get_type(cached) is kind
    # the loaded schema types values as the built one does: a wrong type is refused, by key
    job = loaded[0]
    with pytest.raises(ValidationError, match=r"households\.scale"):
        OmegaConf.merge(job, {"households": {"scale": "many"}})
    merged = OmegaConf.merge(job, {"households": {"scale": "0.5"}})
    assert merged.households.scale == 0.5


def test_another_code_version_never_reads_the_schema_of_this_one(
    cache_in: Path, monkeypatch: pytest.MonkeyPatch
):
    # what a source file holds is in the key
    package = cache_in.parent / "pkg"
    package.mkdir()
    (package / "a.py").write_text("X = 1\n")
    before = schema_cache.code_key(package)
    (package / "a.py").write_text("X = 2\n")
    schema_cache.code_key.cache_clear()
    assert schema_cache.code_key(package) != before
    schema_cache.structured(ScenarioConfig)
    (mine,) = files(cache_in)
    # a file of the same classes under another code key is not this version's: not read, dropped
    monkeypatch.setattr(schema_cache, "code_key", lambda: "another version of the code")
    schema_cache.structured(ScenarioConfig)
    (theirs,) = files(cache_in)
    assert theirs != mine


def test_a_broken_or_foreign_file_is_rebuilt_not_an_error(cache_in: Path):
    schema_cache.structured(ScenarioConfig)
    (path,) = files(cache_in)
    for content in (b"not a pickle", pickle.dumps({"names": ("other.Class",), "schemas": ()})):
        path.write_bytes(content)
        (schema,) = schema_cache.structured(ScenarioConfig)
        assert OmegaConf.get_type(schema) is ScenarioConfig
        assert schema_cache._read(path, (f"{ScenarioConfig.__module__}.ScenarioConfig",))


def test_an_unwritable_cache_or_the_switch_off_leaves_every_process_building(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("")
    monkeypatch.setenv(CACHE_VARIABLE, str(blocker / "cache"))
    (schema,) = schema_cache.structured(ScenarioConfig)
    assert OmegaConf.get_type(schema) is ScenarioConfig
    folder = tmp_path / "off"
    monkeypatch.setenv(CACHE_VARIABLE, str(folder))
    monkeypatch.setenv(schema_cache.SWITCH_VARIABLE, "0")
    schema_cache.structured(ScenarioConfig)
    assert not folder.exists()


@dataclass
class Plugin:
    """A config class as a plugin declares it (module level, so that pickle can name it)."""

    level: float = 1.0


def test_a_class_whose_shape_changed_at_run_time_gets_its_own_schema(
    cache_in: Path, monkeypatch: pytest.MonkeyPatch
):
    (before,) = schema_cache.structured(Plugin)
    assert before.level == 1.0
    # a lever registered at run time changes the class, not the package's files: another key
    monkeypatch.setattr(Plugin.__dataclass_fields__["level"], "default", 2.0)
    (after,) = schema_cache.structured(Plugin)
    assert after.level == 2.0
    assert len(files(cache_in)) == 2

    @dataclass
    class Local:  # pickle cannot name it: built, not cached, no error
        level: int = 3

    (local,) = schema_cache.structured(Local)
    assert local.level == 3 and len(files(cache_in)) == 2
