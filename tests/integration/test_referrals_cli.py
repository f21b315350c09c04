"""``vrhub referrals``: teams and members, the escalation and retention jobs, subject
access from the console (including for someone with no record), and keys."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from vrhub.access.principal import console_administrator
from vrhub.access.services import AccessServices
from vrhub.pathways.referral_forms import ConsentInput, Identity, NewReferral
from vrhub.pathways.referrals import Pathway
from vrhub.pathways.sealing import sealer_for, weakness
from vrhub.settings import Settings

PASSWORD = "plum kettle orbit lantern 42"


def test_teams_jobs_and_subject_access(run: Any, home: Path) -> None:
    env = {"VRHUB_HOME": str(home)}
    code, out, err = run("referrals", "teams", "add", "Hospital youth work", "--kind",
                         "hospital_youth_work", "--org", "RJ1", "--json")
    assert code == 0, err
    team = json.loads(out)["id"]
    code, _, err = run("referrals", "teams", "add", "Hospital youth work", "--kind",
                       "hospital_youth_work", "--org", "RJ1")
    assert code == 8 and "there is already a team called 'Hospital youth work'" in err
    code, _, err = run("referrals", "teams", "add", "X", "--kind", "hospital", "--org", "RJ1")
    assert code == 4 and "team kind 'hospital' is not one of" in err
    settings = Settings.load(env, environment="test")
    services = AccessServices.from_settings(settings)
    try:
        services.identity.create_user(console_administrator("t"), "ana@example.org",
                                      role="case_worker", organisation="RJ1",
                                      password=PASSWORD)
        services.identity.create_user(console_administrator("t"), "pan@example.org",
                                      role="pan_london_analyst", organisation="VRU",
                                      password=PASSWORD)
    finally:
        services.close()
    assert run("referrals", "teams", "member", str(team), "ana@example.org")[0] == 0
    code, _, err = run("referrals", "teams", "member", str(team), "pan@example.org")
    assert code == 2 and "pan@example.org is a pan_london_analyst; teams are for case " \
        "workers and team leads" in err
    code, out, _ = run("referrals", "teams", "list", "--json")
    assert json.loads(out)[0]["members"] == [{"email": "ana@example.org", "lead": False}]

    services = AccessServices.from_settings(settings)
    try:
        ana = services.identity.sign_in("ana@example.org", PASSWORD)
        past = dt.datetime.now() - dt.timedelta(days=3)
        pathway = Pathway(services.sessions, sealer_for(settings), services.audit,
                          clock=lambda: past)
        case = pathway.create(ana, NewReferral(
            team_id=team, identity=Identity("Leah", "Mensah", dt.date(2007, 9, 1)),
            reachable_moment="custody", moment_at=past - dt.timedelta(hours=1),
            referrer_kind="custody_youth_worker", allocate_to_me=True,
            consent=ConsentInput("given", "young_person", "verbal", ["referral"])))
    finally:
        services.close()
    code, out, _ = run("referrals", "escalate", "--json")
    assert json.loads(out) == {"escalated": 1}  # a custody referral: a day to respond
    code, out, _ = run("referrals", "subject-access", "--given-name", "leah",
                       "--family-name", "MENSAH", "--date-of-birth", "2007-09-01")
    answer = json.loads(out)
    assert answer["found"] and answer["records"][0]["reference"] == case.reference
    assert answer["searched"] == "every team"
    code, out, _ = run("referrals", "subject-access", "--given-name", "No",
                       "--family-name", "One", "--date-of-birth", "2001-01-01")
    none = json.loads(out)
    assert code == 0 and none["found"] is False and none["records"] == []
    assert none["statement"].startswith("No referral record is held for a person")
    code, _, err = run("referrals", "subject-access", "--given-name", "A", "--family-name",
                       "B", "--date-of-birth", "1st May")
    assert code == 2 and "date of birth '1st May' is not a date" in err
    code, out, _ = run("referrals", "purge", "--json")
    assert json.loads(out) == {"erased": []}  # still open: nothing due
    code, out, _ = run("referrals", "new-key")
    assert code == 0 and weakness(out.strip()) is None
