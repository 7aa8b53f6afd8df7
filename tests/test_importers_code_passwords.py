"""`import source`: how a service's code hashes the passwords it keeps becomes its ``password_hashing``
(``engine.importers.code_passwords``): a fast digest only where a password goes into it, the weakest of several."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.importers.code_passwords import hashing, names_password
from engine.importers.code_text import blank_comments
from engine.loader import load_documents
from engine.review import review
from tests.helpers import write
from tests.importer_helpers import fact

GO_LOGIN = """
    package accounts

    // sha1.New() in a comment hashes nothing
    func (s *Server) Login(ctx context.Context, in *pb.LoginRequest) (*pb.Token, error) {
        digest := sha512.Sum512([]byte(in.Secret + in.Pwd))
        return s.issue(in.Name, fmt.Sprintf("%x", digest))
    }
"""
GO_HELPER = """
    func saltedHash(passw, salt string) string {
        h := md5.New()
        io.WriteString(h, salt)
        io.WriteString(h, passw)
        return fmt.Sprintf("%x", h.Sum(nil))
    }
"""
CPP_HANDLER = """
    void Register(const std::string &name, const std::string &passphrase) {
      std::string salt = RandomText(16);
      std::string stored = picosha2::hash256_hex_string(passphrase + salt);
      Save(name, salt, stored);
    }
"""
JAVA_SIGNATURE = """
    public String encode(CharSequence rawPassword) throws NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-1");
        return Hex.encode(digest.digest(rawPassword.toString().getBytes()));
    }
"""
PY_CONTENT = """
    import hashlib

    def etag(body):
        return hashlib.sha256(body).hexdigest()

    def boarding(passenger, bypass_queue):
        return hashlib.md5(passenger.encode()).hexdigest()
"""
NODE_BCRYPT = """
    const bcrypt = require('bcrypt');
    const hashed = await bcrypt.hash(req.body.password, 12);
"""
NODE_BOTH = NODE_BCRYPT + """
    function legacyCheck(user, pass) {
      return crypto.createHash('sha256').update(pass).digest('hex') === user.legacy;
    }
"""


def _hashing(files: dict[str, str]) -> tuple[str, str, int] | None:
    found = hashing([(path, blank_comments(textwrap.dedent(code))) for path, code in files.items()])
    return None if found is None else (found.algorithm, found.at.file, found.at.line)


@pytest.mark.parametrize(("files", "expected"), [
    ({"login.go": GO_LOGIN}, ("sha512", "login.go", 6)),  # the password in the call's arguments
    ({"hash.go": GO_HELPER}, ("md5", "hash.go", 3)),  # fed to the digest on the next lines
    ({"UserHandler.h": CPP_HANDLER}, ("sha256", "UserHandler.h", 4)),
    ({"Encoder.java": JAVA_SIGNATURE}, ("sha1", "Encoder.java", 3)),  # named by the method it is in
    ({"content.py": PY_CONTENT}, None),  # digests of a body and of a passenger: no password goes in
    ({"users.js": NODE_BCRYPT}, ("bcrypt", "users.js", 3)),
    ({"users.js": NODE_BOTH}, ("sha256", "users.js", 6)),  # the weak path beside the strong one
    ({"b.go": GO_HELPER, "a.go": GO_LOGIN}, ("md5", "b.go", 3)),  # the weakest of the service's files
    ({"import.py": "import bcrypt\nfrom argon2 import PasswordHasher\n"}, None),  # imports alone hash nothing
    ({"Config.java": "import org.example.crypto.BCryptPasswordEncoder;\n"}, None),
    ({"Config.java": "import org.example.crypto.BCryptPasswordEncoder;\nclass Config {\n"
                     "  PasswordEncoder encoder() { return new BCryptPasswordEncoder(); }\n}\n"},
     ("bcrypt", "Config.java", 3)),  # the encoder it builds, not its import
])
def test_the_weakest_way_the_code_hashes_a_password(files: dict[str, str], expected: Any) -> None:
    assert _hashing(files) == expected


JAVA_TICKET_SIGNER = """
    public class TicketSigner {
        public String sign(Ticket ticket) {
            String body = serialise(ticket);
            return hexOf(body);
        }
        public boolean matches(Ticket ticket, String mac) {
            return this.hexOf(serialise(ticket)).equals(mac);
        }
        private String hexOf(String passwordInput) throws NoSuchAlgorithmException {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return encode(md.digest(passwordInput.getBytes()));
        }
    }
"""


@pytest.mark.parametrize(("changed", "expected"), [
    ({}, None),  # the helper's only password word is its parameter, and both calls hand it a ticket's text
    ({"hexOf(body)": "hexOf(account.getPassword())"}, ("sha256", "Signer.java", 11)),  # one call hands it a password
    ({"hexOf": "hashPassword"}, ("sha256", "Signer.java", 11)),  # its own name says password
    ({"return hexOf(body);": "return body;", "this.hexOf(serialise(ticket))": "serialise(ticket)"},
     ("sha256", "Signer.java", 11)),  # nobody in the code calls it: its callers are unknown
])
def test_a_helper_named_for_a_password_that_its_callers_never_hand_one_hashes_no_password(
        changed: dict[str, str], expected: Any) -> None:
    code = JAVA_TICKET_SIGNER
    for old, new in changed.items():
        code = code.replace(old, new)
    assert _hashing({"Signer.java": code}) == expected


def test_a_password_is_named_by_its_words_never_by_a_prefix() -> None:
    for name in ("req.Password", "password_hashed", "calculatePassHash", "userPwd", "PASSWD", "new_pw", "pass"):
        assert names_password(name), name
    for name in ("passenger", "bypass", "compass", "passport", "pwned"):
        assert not names_password(name), name
    assert not names_password("except KeyError:\n    pass", python=True)  # Python's statement names nothing
    assert names_password("pass_hash = digest", python=True)


def test_a_python_pass_statement_after_a_digest_is_no_password() -> None:
    code = "def checksum(blob):\n    h = hashlib.sha1(blob)\n    if not blob:\n        pass\n    return h\n"
    assert hashing([("sum.py", code)]) is None


def test_many_digests_in_one_file_are_read_once_each() -> None:
    code = "func f(b []byte) {\n" + "  x := sha256.Sum256(b)\n" * 5000 + "}\n"
    assert hashing([("big.go", code)]) is None
    unclosed = "h := sha1.New(" * 3000
    assert hashing([("open.go", unclosed)]) is None


COMPOSE = """
    services:
      accounts:
        image: acme/accounts
      catalog:
        image: acme/catalog
"""


def _specs(tmp: str) -> list[str]:
    compose = write(tmp, "compose.yaml", COMPOSE)
    write(tmp, "accounts/main.go", GO_HELPER)
    write(tmp, "catalog/app.js", NODE_BCRYPT)
    return [f"compose={compose}", f"source={tmp}/accounts", f"source={tmp}/catalog"]


def test_imported_services_state_how_they_hash_passwords_and_a_fast_digest_is_a_risk(tmp_path: Any) -> None:
    docs = load_artifacts(_specs(str(tmp_path)))
    design = load_documents(docs)
    assert fact(design, "service:accounts").data.get("password_hashing") == "md5"
    assert fact(design, "service:catalog").data.get("password_hashing") == "bcrypt"
    notes = [text for d in docs for text in getattr(d, "notes", {}).get("service:accounts", [])]
    assert any("password_hashing md5" in n and "fast digest" in n and "main.go:2:10" in n for n in notes), notes
    rv = review([], extra=load_artifacts(_specs(str(tmp_path))))
    assert {f.subject for f in rv.findings if f.rule == "weak-password-hashing"} == {"service:accounts"}


PY_DJANGO_LEGACY = """
    import hashlib

    from django.contrib.auth.hashers import PBKDF2PasswordHasher


    class LegacyRoundsHasher(PBKDF2PasswordHasher):
        algorithm = "legacy_rounds"

        def encode(self, password, salt, iterations=None):
            digest = hashlib.sha512(force_bytes(password)).digest()
            return self.slow_round(digest.hex(), salt, iterations)

        def slow_round(self, password, salt, iterations=None):
            return super().encode(password, salt, iterations)


    def fingerprint(password):
        return hashlib.sha1(password.encode()).hexdigest()
"""
PY_BCRYPT_PREHASH = """
    def store(password):
        pre = hashlib.sha256(password.encode()).digest()
        return bcrypt.hashpw(base64.b64encode(pre), bcrypt.gensalt())
"""


@pytest.mark.parametrize(("changed", "files", "expected"), [
    # the SHA-512 rounds go into the base class's PBKDF2: the class is a slow hasher, and the module-level SHA-1
    # beside it (a password going in, no slow function after it) stays the weakest path
    ({}, None, ("sha1", "hashers.py", 19)),
    ({"def fingerprint(password):\n    return hashlib.sha1(password.encode()).hexdigest()\n": ""}, None,
     ("pbkdf2", "hashers.py", 7)),
    # a subclass whose encode never hands the digest to the base class keeps the SHA-512 as the stored hash
    ({"return super().encode(password, salt, iterations)": "return password",
      "def fingerprint(password):\n    return hashlib.sha1(password.encode()).hexdigest()\n": ""}, None,
     ("sha512", "hashers.py", 11)),
    # a class deriving from no slow hasher: its digest is the stored hash
    ({"(PBKDF2PasswordHasher)": "(BasePasswordHasher)",
      "def fingerprint(password):\n    return hashlib.sha1(password.encode()).hexdigest()\n": ""}, None,
     ("sha512", "hashers.py", 11)),
    # a SHA-256 taken before bcrypt, further down the same function, is a pre-hash
    ({}, {"store.py": PY_BCRYPT_PREHASH}, ("bcrypt", "store.py", 4)),
])
def test_a_digest_handed_on_to_a_slow_function_is_a_pre_hash(changed: dict[str, str], files: Any,
                                                             expected: Any) -> None:
    code = textwrap.dedent(PY_DJANGO_LEGACY)
    for old, new in changed.items():
        code = code.replace(old, new)
    assert _hashing(files or {"hashers.py": code}) == expected


PY_SESSION_ID = """
    class Member(Base):
        def get_id(self):
            identity = hashlib.md5(
                "{{}},{{}}".format(self.email, self.password_hash).encode(), usedforsecurity={flag}
            ).hexdigest()
            return "{{0}}-{{1}}".format(self.id, identity)
"""


@pytest.mark.parametrize(("flag", "expected"), [
    ("False", None),  # declared to protect nothing: a session identity, not the stored password
    ("True", ("md5", "member.py", 4)),  # the flag's default, stated: still the digest of a password hash
])
def test_a_python_digest_declared_not_for_security_hashes_no_password(flag: str, expected: Any) -> None:
    assert _hashing({"member.py": PY_SESSION_ID.format(flag=flag)}) == expected


def test_a_digest_not_for_security_elsewhere_in_a_file_leaves_the_password_digest_found() -> None:
    code = textwrap.dedent(PY_SESSION_ID.format(flag="False")) + (
        "\ndef store(user, password):\n    user.hashed = hashlib.sha1(password.encode()).hexdigest()\n")
    assert _hashing({"member.py": code}) == ("sha1", "member.py", 10)


PY_BUCKET = """
    def authorize_login_password(email):
        salted_encoded = (email + settings.SECRET_KEY).encode()
        hashed = hashlib.sha1(salted_encoded).hexdigest()

        # 20 password attempts per day
        return TokenBucket.authorize(f"pw-{hashed}", 20, 3600 * 24)
"""


@pytest.mark.parametrize(("changed", "expected"), [
    ({}, None),  # a local value built of an e-mail address and a key, whatever the function is called
    ({"(email + settings": "(password + settings"}, ("sha1", "bucket.py", 4)),  # built of a password
    ({"salted_encoded = (email": "pw_salted = (email", "sha1(salted_encoded)": "sha1(pw_salted)"},
     ("sha1", "bucket.py", 4)),  # the variable's own name says password
    ({"        salted_encoded = (email + settings.SECRET_KEY).encode()\n": ""},
     ("sha1", "bucket.py", 3)),  # not assigned in the function: the function's name decides, as before
    ({"return TokenBucket": "h.update(password)\n        return TokenBucket"}, ("sha1", "bucket.py", 4)),
])
def test_a_digest_of_a_local_value_built_of_no_password_hashes_none(changed: dict[str, str], expected: Any) -> None:
    code = PY_BUCKET
    for old, new in changed.items():
        code = code.replace(old, new)
    assert _hashing({"bucket.py": code}) == expected
