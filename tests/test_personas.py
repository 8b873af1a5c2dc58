"""Persona format, bundled persona library and `clientsim personas` CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from clientsim import paths
from clientsim.cli.main import main
from clientsim.core.errors import PersonaError, UserError
from clientsim.personas import (
    DIFFICULTIES,
    MODALITIES,
    STYLES,
    PersonaLibrary,
    load_persona,
    persona_from_dict,
    persona_from_record,
    validate_file,
)
from clientsim.personas.loader import SCHEMA_PATH

BUNDLED = paths.bundled_personas_dir()
BUNDLED_FILES = sorted(BUNDLED.glob("*.json"))
FIRST_PERSON = re.compile(r"\b(I|I'm|I've|I'd|I'll|me|my|mine|myself|we|our|us)\b")


@pytest.fixture(scope="module")
def bundled() -> PersonaLibrary:
    return PersonaLibrary.load([BUNDLED])


def _raw(persona_id: str) -> dict:
    return json.loads((BUNDLED / f"{persona_id}.json").read_text(encoding="utf-8"))


def _write(folder: Path, name: str, data) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")
    return path


# --- the format ------------------------------------------------------------------


def test_schema_is_a_valid_draft_2020_12_schema():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["format"]["const"] == "clientsim.persona/1"


def test_every_schema_field_says_what_is_expected():
    """Error messages quote the description, so every field needs one."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    missing = []

    def walk(node, where):
        for name, sub in node.get("properties", {}).items():
            if "description" not in sub:
                missing.append(f"{where}{name}")
            walk(sub, f"{where}{name}.")
            if isinstance(sub.get("items"), dict):
                walk(sub["items"], f"{where}{name}[].")

    walk(schema, "")
    assert missing == []


@pytest.mark.parametrize("path", BUNDLED_FILES, ids=lambda p: p.stem)
def test_every_bundled_persona_validates(path):
    assert validate_file(path) == []
    persona = load_persona(path)
    assert persona.id == path.stem
    assert persona.source_path == path
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == "clientsim.persona/1"


@pytest.mark.parametrize("path", BUNDLED_FILES, ids=lambda p: p.stem)
def test_bundled_persona_works_as_a_small_model_prompt(path):
    p = load_persona(path)
    assert 5 <= len(p.sample_lines) <= 8
    assert sum(bool(FIRST_PERSON.search(line)) for line in p.sample_lines) >= 4
    assert FIRST_PERSON.search(p.opening_statement)
    assert all(len(line) <= 160 for line in p.sample_lines), "sample lines should be short"
    assert p.trainee_brief.referral_note and p.trainee_brief.learning_objectives
    assert p.instructor_notes.strip()
    # Short sentences: a 1.5B model copies long-winded fields badly.
    sentences = re.split(r"(?<=[.!?])\s+", p.presenting_problem)
    assert max(len(s.split()) for s in sentences) <= 40


def test_library_meets_the_brief(bundled):
    personas = bundled.all()
    assert bundled.errors == []
    assert len(personas) >= 6
    assert {m for p in personas for m in p.modality} == set(MODALITIES)
    assert {p.style.conversational_style for p in personas} == set(STYLES)
    assert len({p.difficulty for p in personas}) >= 3
    ages = [p.identity.age for p in personas]
    assert min(ages) < 25 and max(ages) > 60
    assert len({p.identity.gender for p in personas}) >= 3
    assert len({p.identity.cultural_background for p in personas}) == len(personas)
    # Distinct voices: pace and flatness differ between personas.
    assert len({(p.voice.length_scale, p.voice.noise_scale) for p in personas}) == len(personas)


def test_cbt_personas_have_rich_conceptualizations(bundled):
    cbt = bundled.search(modality="CBT")
    assert len(cbt) >= 3
    for p in cbt:
        c = p.cbt
        assert c is not None and len(c.situations) >= 3, p.id
        assert c.core_beliefs and len(c.intermediate_beliefs) >= 2 and len(c.coping_strategies) >= 3
        for s in c.situations:
            assert s.situation and s.automatic_thought and s.emotion and s.behaviour


def test_mi_personas_span_stages_of_change(bundled):
    mi = bundled.search(modality="MI")
    assert len(mi) >= 3
    assert len({p.mi.stage_of_change for p in mi}) >= 2
    for p in mi:
        assert p.mi.reasons_for_change and p.mi.reasons_against_change and p.mi.values


def test_a_persona_discloses_passive_ideation_only_when_asked_with_care(bundled):
    risky = [p for p in bundled.all() if "passive suicidal ideation" in p.risk.details.lower()]
    assert len(risky) == 1
    p = risky[0]
    assert p.risk.level in ("low", "moderate")
    assert "no plan" in p.risk.details.lower() and "no intent" in p.risk.details.lower()
    assert "asks with care" in p.risk.disclosure
    assert len(p.risk.protective_factors) >= 3
    notes = p.instructor_notes.lower()
    assert "careful asking" in notes and "safety plan" in notes
    # The trainee view must not give the disclosure away.
    trainee = json.dumps(_trainee_json(p.id)).lower()
    assert "suicid" not in trainee and "passive" not in trainee


def _trainee_json(persona_id: str) -> dict:
    from clientsim.cli.personas_cmd import trainee_view

    return trainee_view(PersonaLibrary.load([BUNDLED]).get(persona_id))


def test_persona_survives_a_round_trip_through_a_session_record(bundled):
    for p in bundled.all():
        stored = json.loads(json.dumps(p.to_dict()))  # as sessions keep it: no "format", lists
        again = persona_from_record(stored)
        assert again.source_path is None
        assert again.to_dict() == p.to_dict()
        assert persona_from_dict(p.to_dict()) == again  # tuples straight from to_dict()


def test_a_file_must_name_its_format(tmp_path):
    data = _raw("linh-smoking")
    del data["format"]
    errors = validate_file(_write(tmp_path, "linh-smoking.json", data))
    assert [(e.field, "missing" in e.problem) for e in errors] == [("format", True)]


# --- malformed files ----------------------------------------------------------------


def test_missing_field_names_file_and_field(tmp_path):
    data = _raw("daniel-alcohol")
    del data["opening_statement"]
    path = _write(tmp_path, "daniel-alcohol.json", data)
    with pytest.raises(PersonaError) as info:
        load_persona(path)
    err = info.value
    assert err.field == "opening_statement" and err.path == path
    assert str(path) in str(err) and "opening_statement" in str(err) and "missing" in str(err)


def test_wrong_enum_names_the_json_path_and_allowed_values(tmp_path):
    data = _raw("linh-smoking")
    data["mi"]["stage_of_change"] = "thinking about it"
    data["style"]["conversational_style"] = "angry"
    errors = validate_file(_write(tmp_path, "linh-smoking.json", data))
    by_field = {e.field: e.problem for e in errors}
    assert set(by_field) == {"mi.stage_of_change", "style.conversational_style"}
    assert "precontemplation" in by_field["mi.stage_of_change"]
    assert "'thinking about it'" in by_field["mi.stage_of_change"] or '"thinking about it"' in by_field["mi.stage_of_change"]
    assert "upset" in by_field["style.conversational_style"]


def test_bad_json_reports_line_and_column(tmp_path):
    path = _write(tmp_path, "broken.json", '{\n  "id": "broken",\n  "name": "B",\n}\n')
    errors = validate_file(path)
    assert len(errors) == 1
    assert "line 4, column 1" in errors[0].problem
    assert str(path) in str(errors[0])


def test_all_problems_are_reported_with_nested_paths(tmp_path):
    data = _raw("amara-social-anxiety")
    data["identity"]["age"] = "24"
    data["cbt"]["situations"][1]["emotion"] = ""
    data["style"]["tone"] = "soft"
    data["sample_lines"][2] = "Client: I freeze."
    errors = validate_file(_write(tmp_path, "amara-social-anxiety.json", data))
    fields = [e.field for e in errors]
    assert "identity.age" in fields
    assert "cbt.situations[1].emotion" in fields
    assert "style.tone" in fields
    assert "sample_lines[2]" in fields
    problems = {e.field: e.problem for e in errors}
    assert "spelling" in problems["style.tone"]
    assert "empty" in problems["cbt.situations[1].emotion"]


@pytest.mark.parametrize(
    "change, field, words",
    [
        (lambda d: d.update(mi=None), "mi", "modality MI"),
        (lambda d: d.update(id="someone-else"), "id", "file name"),
        (lambda d: d.update(id="Daniel Alcohol"), "id", "slug"),
        (lambda d: d["risk"].update(level="moderate", details="", disclosure=""), "risk.details", "moderate"),
        (lambda d: d.update(modality=["MI", "CBT"], cbt=None), "cbt", "modality CBT"),
        (lambda d: d.update(format="clientsim.persona/0"), "format", "clientsim.persona/1"),
    ],
)
def test_semantic_rules(tmp_path, change, field, words):
    data = _raw("daniel-alcohol")
    change(data)
    errors = validate_file(_write(tmp_path, "daniel-alcohol.json", data))
    matching = [e for e in errors if e.field == field]
    assert matching, [str(e) for e in errors]
    assert words in matching[0].problem


def test_cbt_persona_needs_two_situations():
    data = _raw("riley-panic")
    data["cbt"]["situations"] = data["cbt"]["situations"][:1]
    with pytest.raises(PersonaError) as info:
        persona_from_dict(data)
    assert info.value.field == "cbt.situations" and "at least 2" in info.value.problem


def test_a_bad_file_is_reported_and_the_others_still_load(tmp_path):
    pack = tmp_path / "pack"
    broken = _write(pack, "broken.json", '{"id": "broken", ')
    data = _raw("tyler-cannabis")
    data["style"]["resistance"] = "extreme"
    wrong = _write(pack, "tyler-cannabis.json", data)
    good = _raw("linh-smoking")
    good.update(id="linh-smoking-v2", name="Linh Tran (pack copy)")
    _write(pack, "linh-smoking-v2.json", good)

    library = PersonaLibrary.load([BUNDLED, pack])
    assert {e.path for e in library.errors} == {broken, wrong}
    assert any(e.field == "style.resistance" for e in library.errors)
    assert "linh-smoking-v2" in library.personas
    # The bad override did not replace the bundled persona.
    assert library.get("tyler-cannabis").style.resistance == "high"
    assert len(library) == len(BUNDLED_FILES) + 1


def test_later_folder_overrides_same_id(tmp_path):
    data = _raw("linh-smoking")
    data["name"] = "Linh Tran-Nguyen"
    pack = tmp_path / "lab"
    _write(pack, "linh-smoking.json", data)
    library = PersonaLibrary.load([BUNDLED, pack])
    assert library.get("linh-smoking").name == "Linh Tran-Nguyen"
    assert library.get("linh-smoking").source_path == pack / "linh-smoking.json"


def test_default_dirs_include_the_user_pack(clientsim_home):
    data = _raw("linh-smoking")
    data.update(id="my-own-client", name="Mo Own")
    _write(paths.user_personas_dir(), "my-own-client.json", data)
    library = PersonaLibrary.load()
    assert "my-own-client" in library.personas and "tomas-depression" in library.personas


# --- search and get ---------------------------------------------------------------------


def test_search_filters(bundled):
    assert [p.id for p in bundled.search("alcohol")] == ["daniel-alcohol"]
    assert all("CBT" in p.modality for p in bundled.search(modality="cbt"))
    assert [p.style.conversational_style for p in bundled.search(style="tangent")] == ["tangent"]
    advanced = bundled.search(difficulty="advanced")
    assert advanced and all(p.difficulty == "advanced" for p in advanced)
    assert bundled.search("panic heart", modality="CBT")[0].id == "riley-panic"
    assert bundled.search("alcohol", modality="CBT") == []
    assert len(bundled.search()) == len(bundled)
    with pytest.raises(UserError, match="DBT"):
        bundled.search(modality="DBT")


def test_get_unknown_lists_available_ids(bundled):
    with pytest.raises(UserError) as info:
        bundled.get("nobody")
    assert "nobody" in str(info.value) and "tomas-depression" in str(info.value)


# --- CLI ------------------------------------------------------------------------------


def test_cli_list(capsys):
    assert main(["personas", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["ID", "NAME", "AGE", "MODALITY", "STYLE", "DIFFICULTY", "RISK"]
    rows = {line.split()[0]: line for line in out[1:]}
    assert set(rows) == {p.stem for p in BUNDLED_FILES}
    assert "moderate" in rows["tomas-depression"] and "62" in rows["tomas-depression"]


def test_cli_list_filters_and_json(capsys):
    assert main(["personas", "list", "--modality", "mi", "--difficulty", "advanced", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["tyler-cannabis"]
    assert rows[0]["style"] == "reserved" and rows[0]["age"] == 17


def test_cli_show_trainee_view_hides_instructor_material(capsys):
    assert main(["personas", "show", "tomas-depression"]) == 0
    out = capsys.readouterr().out
    assert "Tomás Herrera" in out and "Referral note" in out and "Learning objectives" in out
    assert "Instructor notes" not in out and "careful asking" not in out
    assert "Protective factors" not in out and "core beliefs" not in out


def test_cli_show_instructor_adds_everything(capsys):
    assert main(["personas", "show", "tomas-depression", "--instructor"]) == 0
    out = capsys.readouterr().out
    assert "Instructor notes" in out and "careful asking" in out
    assert "CBT: core beliefs" in out and "Protective factors" in out and "Sample lines" in out


def test_cli_show_json(capsys):
    assert main(["personas", "show", "linh-smoking", "--json"]) == 0
    trainee = json.loads(capsys.readouterr().out)
    assert trainee["trainee_brief"]["referral_note"] and "instructor_notes" not in trainee and "mi" not in trainee
    assert main(["personas", "show", "linh-smoking", "--json", "--instructor"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert full["instructor_notes"] and full["mi"]["stage_of_change"] == "contemplation"


def test_cli_show_unknown_id(capsys):
    assert main(["personas", "show", "nobody"]) == 2
    err = capsys.readouterr().err
    assert "nobody" in err and "linh-smoking" in err


def test_cli_validate(tmp_path, capsys):
    assert main(["personas", "validate", str(BUNDLED)]) == 0
    out = capsys.readouterr().out
    assert f"{len(BUNDLED_FILES)} valid, 0 invalid" in out

    data = _raw("riley-panic")
    data["style"]["conversational_style"] = "anxious"
    bad = _write(tmp_path, "riley-panic.json", data)
    assert main(["personas", "validate", str(bad), str(BUNDLED / "linh-smoking.json")]) == 1
    out = capsys.readouterr().out
    assert f"INVALID {bad}" in out and "style.conversational_style" in out and "anxious" in out
    assert "1 valid, 1 invalid" in out

    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["personas", "validate", str(empty)]) == 1


def test_cli_list_warns_about_bad_user_files(capsys):
    _write(paths.user_personas_dir(), "half.json", "{")
    assert main(["personas", "list"]) == 0
    captured = capsys.readouterr()
    assert "half.json" in captured.err and "JSON syntax" in captured.err
    assert "linh-smoking" in captured.out
