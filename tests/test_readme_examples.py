"""What the README offers to copy is valid: the example applications' identity numbers and its cluster settings.

The walkthrough itself runs in ``test_readme_walkthrough.py`` (on a live stack); these checks need none.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from temporalio.service import TLSConfig

from domain.identity import id_number_problem
from infra.connection import connect_config

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of the unified social credit code (GB 32100-2015): no I, O, Z, S, V."""
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_character(first17: str) -> str:
    """The check character of a unified social credit code (GB 32100-2015, modulus 31)."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def example(name: str) -> dict[str, object]:
    found: dict[str, object] = json.loads((ROOT / "examples" / name).read_text("utf-8"))
    return found


class TestExampleApplications:
    """The walkthrough's two applicants carry identity numbers that pass their standard's check."""

    def test_the_person_has_a_valid_resident_identity_number(self) -> None:
        """examples/application.json: a natural person whose number passes GB 11643 (check character included)."""
        applicant = example("application.json")["applicant"]
        assert isinstance(applicant, dict) and applicant["kind"] == "natural_person"
        assert id_number_problem(applicant["id_number"]) is None

    def test_the_check_of_gb_11643_notices_a_wrong_check_character(self) -> None:
        """The check the person's number passes is a real one: its last character changed, it fails."""
        applicant = example("application.json")["applicant"]
        assert isinstance(applicant, dict)
        number = applicant["id_number"]
        assert id_number_problem(number[:17] + ("1" if number[17] != "1" else "2")) is not None

    def test_the_company_has_a_valid_unified_social_credit_code(self) -> None:
        """examples/application-company.json: an enterprise whose code passes GB 32100's check character."""
        applicant = example("application-company.json")["applicant"]
        assert isinstance(applicant, dict) and applicant["kind"] == "commercial_enterprise"
        code = applicant["id_number"]
        assert re.fullmatch(rf"[{USCC_CHARS}]{{18}}", code), code
        assert uscc_check_character(code[:17]) == code[17]

    @pytest.mark.parametrize(
        "code",
        [
            "91350100M000100Y43",  # the example printed in GB 32100-2015 itself
            "914403001922038216",  # 华为技术有限公司, as on its business licence
            "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
        ],
    )
    def test_the_credit_code_check_matches_published_codes(self, code: str) -> None:
        """The GB 32100 check computed here agrees with the standard's example and real licences."""
        assert uscc_check_character(code[:17]) == code[17]


class TestClusterSettings:
    """The README's block for a real Temporal cluster configures the connection every ogi process makes."""

    def test_the_readme_cluster_variables_reach_the_connection(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Address, namespace and the mTLS files of the README's exports are what ogi connects with."""
        text = README.read_text("utf-8")
        block = text.split("### A real Temporal cluster", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
        exports = dict(
            word.split("=", 1)
            for line in block.splitlines()
            if line.startswith("export ")
            for word in shlex.split(line, comments=True)[1:]
        )
        assert {"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_TLS_CLIENT_CERT_PATH"} <= exports.keys()
        for variable, value in exports.items():
            if variable.endswith("_PATH"):  # the README's /etc/ogi/tls/... files, here with recognisable content
                stand_in = tmp_path / Path(value).name
                stand_in.write_bytes(f"contents of {Path(value).name}".encode())
                value = str(stand_in)
            monkeypatch.setenv(variable, value)
        monkeypatch.delenv("TEMPORAL_PROFILE", raising=False)
        # A temporal.toml of the machine running the tests must not add to (or override) the README's settings.
        monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(tmp_path / "no-temporal.toml"))
        config = connect_config()
        assert config["target_host"] == exports["TEMPORAL_ADDRESS"]
        assert config["namespace"] == exports["TEMPORAL_NAMESPACE"]
        tls = config["tls"]
        assert isinstance(tls, TLSConfig)
        assert tls.client_cert == b"contents of client.pem"
        assert tls.client_private_key == b"contents of client.key"
        assert tls.server_root_ca_cert == b"contents of ca.pem"
