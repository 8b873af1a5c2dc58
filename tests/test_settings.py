import json
import os

from clientsim import paths
from clientsim.settings import SETTINGS_VERSION, Settings, upgrade


def test_defaults_when_no_file():
    s = Settings.load()
    assert s.model_path is None
    assert s.n_threads is None
    assert s.effective_threads() == (os.cpu_count() or 1)
    assert s.voice.store_audio is False
    assert s.voice.stt_model == "tiny.en"
    assert s.version == SETTINGS_VERSION
    assert s.notices == []


def test_save_and_load_round_trip():
    s = Settings()
    s.model_path = "/models/x.gguf"
    s.n_threads = 3
    s.font_size = 15
    s.last_persona_id = "maria"
    s.voice.send_mode = "auto"
    s.voice.hands_free = True
    s.lab.url, s.lab.model, s.lab.use = "http://lab:8080", "qwen", True
    path = s.save()
    assert path == paths.settings_path()
    data = json.loads(path.read_text())
    assert data["version"] == SETTINGS_VERSION
    assert "notices" not in data
    t = Settings.load()
    assert t.to_dict() == s.to_dict()


def test_save_is_atomic_and_leaves_no_temp_files():
    s = Settings()
    s.save()
    s.font_size = 20
    s.save()
    files = sorted(p.name for p in paths.settings_path().parent.iterdir())
    assert files == ["settings.json"]
    assert Settings.load().font_size == 20


def test_corrupt_file_is_set_aside_with_a_notice():
    p = paths.settings_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text("{not json", encoding="utf-8")
    s = Settings.load()
    assert s.font_size == Settings().font_size
    assert len(s.notices) == 1 and "default settings" in s.notices[0]
    kept = [q for q in p.parent.iterdir() if q.name.startswith("settings.json.corrupt-")]
    assert len(kept) == 1 and kept[0].read_text() == "{not json"
    assert not p.exists()


def test_wrong_types_fall_back_to_defaults():
    p = paths.settings_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps({"version": 2, "n_threads": "many", "font_size": 400,
                             "voice": {"stt_model": "huge", "mute": 1}}))
    s = Settings.load()
    assert s.n_threads is None
    assert s.font_size == 28
    assert s.voice.stt_model == "tiny.en"
    assert s.voice.mute is True


def test_version_1_upgrades_itself():
    old = {"version": 1, "threads": 2, "voice_mute": True, "voice_stt_model": "base", "font_size": 14}
    d = upgrade(dict(old))
    assert d["version"] == SETTINGS_VERSION
    assert d["n_threads"] == 2 and "threads" not in d
    assert d["voice"] == {"mute": True, "stt_model": "base"}
    p = paths.settings_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(old))
    s = Settings.load()
    assert (s.n_threads, s.font_size, s.voice.mute, s.voice.stt_model) == (2, 14, True, "base")


def test_version_2_lab_address_moves_under_lab_and_stays_off():
    d = upgrade({"version": 2, "lab_server_url": "http://lab:8080", "font_size": 13})
    assert "lab_server_url" not in d and d["lab"] == {"url": "http://lab:8080"}
    s = Settings.from_dict({"version": 2, "lab_server_url": "http://lab:8080"})
    assert (s.lab.url, s.lab.use, s.lab.model) == ("http://lab:8080", False, None)


def test_lab_settings_of_the_wrong_type_fall_back():
    s = Settings.from_dict({"version": 3, "lab": {"use": "yes", "url": 5, "model": "  "}})
    assert (s.lab.use, s.lab.url, s.lab.model) == (False, None, None)
    s = Settings.from_dict({"version": 3, "lab": {"use": True, "url": None}})
    assert s.lab.use is False  # nothing to use without an address


def test_newer_version_is_read_with_a_notice():
    p = paths.settings_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps({"version": 99, "font_size": 16, "future_option": 1}))
    s = Settings.load()
    assert s.font_size == 16
    assert s.notices and "newer version" in s.notices[0]
