"""Roles from identity-provider claims or an allow list (svd.roles, data/roles.json)."""

from __future__ import annotations

import json

import pytest

from svd import roles
from svd.config import definitions_dir


def test_the_definitions_are_consistent():
    defs = roles.load_definitions()
    ids = [r.id for r in defs.roles]
    assert ids == ["public", "partner", "analyst"]
    assert defs.default_role == "public"
    assert set(defs.claim_values.values()) <= set(ids)
    assert set(defs.pages.values()) <= set(ids)
    # Public never gets records and always has public mode; only analysts manage data.
    assert [(r.record_level, r.manage_data, r.public_mode) for r in defs.roles] == [
        (False, False, True),
        (True, False, False),
        (True, True, False),
    ]


def test_every_page_of_the_app_is_listed():
    """A page added to app.py needs its line in roles.json (else it is analyst-only by default, silently)."""
    import re

    app = (definitions_dir().parent / "app.py").read_text()
    paths = re.findall(r'url_path="([^"]*)"', app)
    assert {"", "domestic-abuse", "hotspots", "data"} <= set(paths)
    listed = roles.load_definitions().pages
    assert [p for p in paths if p not in listed] == []


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        (None, "public"),
        ({}, "public"),
        ({"email": "a@council.gov.uk"}, "public"),
        ({"roles": ["SVD.Partner"]}, "partner"),
        ({"roles": "SVD.Analyst"}, "analyst"),
        ({"roles": ["SVD.Partner", "SVD.Analyst"]}, "analyst"),
        ({"groups": ["SVD.Partner"], "roles": ["Something.Else"]}, "partner"),
        ({"roles": ["svd.analyst"]}, "public"),  # claim values are exact, as the provider sends them
        ({"roles": 3}, "public"),
    ],
)
def test_role_from_claims(claims, expected):
    assert roles.role_from_claims(claims).id == expected


def test_the_allow_list_raises_a_role_and_the_highest_wins(tmp_path):
    path = tmp_path / "allow.csv"
    path.write_text("email,role\nAna@Council.gov.uk,analyst\np@mps.police.uk, partner\n,analyst\n")
    allow = roles.read_allow_list(path)
    assert allow == {"ana@council.gov.uk": "analyst", "p@mps.police.uk": "partner"}
    assert roles.role_from_claims({"email": "ana@council.gov.uk"}, allow).id == "analyst"
    # Entra ID gives preferred_username when email is absent.
    assert roles.role_from_claims({"preferred_username": "P@MPS.police.uk"}, allow).id == "partner"
    # A claim higher than the allow list wins; nobody signed in gets nothing from the list.
    assert (
        roles.role_from_claims({"email": "p@mps.police.uk", "roles": ["SVD.Analyst"]}, allow).id == "analyst"
    )
    assert roles.role_from_claims(None, allow).id == "public"


def test_an_unknown_role_in_the_allow_list_is_refused_with_its_line(tmp_path):
    path = tmp_path / "allow.csv"
    path.write_text("email,role\na@x.uk,analyst\nb@x.uk,admin\n")
    with pytest.raises(ValueError, match="line 3"):
        roles.read_allow_list(path)


def test_pages_per_role():
    defs = roles.load_definitions()
    public, partner, analyst = defs.roles
    assert roles.may_open(public, "") and roles.may_open(public, "funding")
    assert not roles.may_open(public, "hotspots") and not roles.may_open(public, "domestic-abuse")
    assert not roles.may_open(public, "data") and not roles.may_open(partner, "data")
    assert roles.may_open(partner, "hotspots") and roles.may_open(analyst, "data")
    assert not roles.may_open(partner, "a-page-nobody-listed")
    assert roles.unrestricted().id == "analyst"


def test_definitions_read_from_a_given_file(tmp_path):
    raw = json.loads((definitions_dir() / "roles.json").read_text())
    raw["claims"]["values"] = {"B&D CSP Analysts": "analyst"}
    path = tmp_path / "roles.json"
    path.write_text(json.dumps(raw))
    defs = roles.load_definitions(path)
    assert roles.role_from_claims({"groups": ["B&D CSP Analysts"]}, defs=defs).id == "analyst"
