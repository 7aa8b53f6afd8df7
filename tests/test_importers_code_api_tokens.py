"""`import source`: API keys a service's code stores as they are and looks up by equality become its
``api_token_storage: plaintext`` (``engine.importers.code_api_tokens``), in SQL, Django, SQLAlchemy, Prisma and
TypeORM; a digest given to the column, a column named for a digest and other kinds of token say nothing."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from engine.importers import load_artifacts
from engine.importers.code_api_tokens import columns, plain_tokens
from engine.importers.code_text import blank_comments
from engine.review import review
from tests.helpers import write
from tests.importer_helpers import fact

GO_MIGRATION = """
    package database

    var migrations = []func(tx *sql.Tx) error{
        func(tx *sql.Tx) (err error) {
            _, err = tx.Exec(`
                CREATE TABLE api_keys (
                    id SERIAL,
                    user_id int not null references users(id),
                    token text not null unique,
                    description text not null
                );
            `)
            return err
        },
    }
"""
GO_LOOKUP = """
    package storage

    func (s *Storage) UserByAPIKey(token string) (*model.User, error) {
        query := `
            SELECT u.id, u.username
            FROM users u
            INNER JOIN api_keys ON api_keys.user_id=u.id
            WHERE api_keys.token = $1
        `
        return s.fetchUser(query, token)
    }
"""
DJANGO_MODEL = """
    from django.db import models

    class APIToken(models.Model):
        label = models.CharField(max_length=255)
        token = models.CharField(max_length=255, unique=True, default=generate_token)

    class Exporter(models.Model):
        token = models.CharField(max_length=255, default=generate_token)
"""
DJANGO_LOOKUP = """
    def authenticate(self, request):
        key = request.headers.get("X-Api-Key")
        return APIToken.objects.get(token=key, is_active=True).user
"""
SQLALCHEMY_MODEL = """
    class User(db.Model):
        id = Column(db.Integer, primary_key=True)
        api_key = Column(db.String(40), default=lambda: generate_token(40), unique=True)

        @classmethod
        def get_by_api_key_and_org(cls, api_key, org):
            return cls.get_by_org(org).filter(cls.api_key == api_key).one()
"""
PRISMA_SCHEMA = """
model PersonalAccessToken {
  id        String    @id @default(cuid())
  label     String
  token     String    @unique @default(uuid())
}

model VerificationToken {
  identifier String
  token      String @unique
}
"""
TS_LOOKUP = """
    async getUserPAT(extractedToken: string) {
      const userPAT = await this.prisma.personalAccessToken.findUniqueOrThrow({
        where: { token: extractedToken },
        include: { user: true },
      });
      return userPAT;
    }
"""
DRF_MODEL = """
    class ApiToken(models.Model):
        key = models.CharField(max_length=40, unique=True)
        user = models.ForeignKey(User, related_name="api_tokens", on_delete=models.CASCADE)
"""
DRF_AUTH = """
    from rest_framework.authentication import TokenAuthentication

    class LinkdingTokenAuthentication(TokenAuthentication):
        \"\"\"Several tokens per user.\"\"\"

        model = ApiToken
        keywords = [b"token", b"bearer"]
"""
TYPEORM = """
    @Entity()
    export class ApiKey {
      @PrimaryGeneratedColumn() id: number;
      @Column() key: string;
    }

    export async function byKey(repo: Repository<ApiKey>, key: string) {
      return repo.findOneBy({ key });
    }
"""


def _texts(*files: tuple[str, str]) -> list[tuple[str, str]]:
    return [(p, textwrap.dedent(t) if p.endswith((".py", ".prisma")) else blank_comments(textwrap.dedent(t)))
            for p, t in files]


@pytest.mark.parametrize(("files", "column", "lookup"), [
    pytest.param([("db/migrations.go", GO_MIGRATION), ("storage/user.go", GO_LOOKUP)], "api_keys.token",
                 "storage/user.go:9", id="go-embedded-sql"),
    pytest.param([("models/api.py", DJANGO_MODEL), ("auth.py", DJANGO_LOOKUP)], "APIToken.token", "auth.py:4",
                 id="django-model"),
    pytest.param([("models/users.py", SQLALCHEMY_MODEL)], "User.api_key", "models/users.py:8", id="sqlalchemy"),
    pytest.param([("prisma/schema.prisma", PRISMA_SCHEMA), ("src/pat.service.ts", TS_LOOKUP)],
                 "PersonalAccessToken.token", "src/pat.service.ts:3", id="prisma"),
    pytest.param([("src/keys.ts", TYPEORM)], "ApiKey.key", "src/keys.ts:9", id="typeorm"),
    pytest.param([("bookmarks/models.py", DRF_MODEL), ("bookmarks/api/auth.py", DRF_AUTH)], "ApiToken.key",
                 "bookmarks/api/auth.py:7", id="drf-token-authentication-model"),
])
def test_keys_stored_as_they_are_and_looked_up_by_equality(files: list[tuple[str, str]], column: str,
                                                            lookup: str) -> None:
    found = plain_tokens(_texts(*files))
    assert found is not None
    assert f"{found.column.table}.{found.column.name}" == column
    assert f"{found.at.file}:{found.at.line}" == lookup


@pytest.mark.parametrize("files", [
    pytest.param([("db/migrations.go", GO_MIGRATION.replace("token text", "token_hash text")),
                  ("storage/user.go", GO_LOOKUP.replace("api_keys.token", "api_keys.token_hash"))],
                 id="column-named-for-a-digest"),
    pytest.param([("models/api.py", DJANGO_MODEL + "\n    def rotate(self):\n        self.token = key_hash\n"),
                  ("auth.py", DJANGO_LOOKUP)], id="column-given-a-digest"),
    pytest.param([("models/api.py", DJANGO_MODEL),
                  ("auth.py", DJANGO_LOOKUP.replace("token=key", "token=sha256_hex(key)"))],
                 id="looked-up-by-its-digest"),
    pytest.param([("db/migrations.go", GO_MIGRATION)], id="never-looked-up"),
    pytest.param([("bookmarks/models.py", DRF_MODEL),
                  ("bookmarks/api/auth.py", DRF_AUTH.replace("(TokenAuthentication)", "(BaseAuthentication)"))],
                 id="a-model-named-by-another-authentication-class"),
    pytest.param([("bookmarks/models.py", DRF_MODEL.replace("key = ", "secret = ")),
                  ("bookmarks/api/auth.py", DRF_AUTH)], id="drf-looks-up-key-and-the-model-has-none"),
    pytest.param([("prisma/schema.prisma", PRISMA_SCHEMA),
                  ("src/verify.ts", TS_LOOKUP.replace("personalAccessToken", "verificationToken"))],
                 id="a-one-time-verification-token"),
    pytest.param([("models/api.py", DJANGO_MODEL),
                  ("export.py", "def f(k):\n    return Exporter.objects.get(token=k)\n")],
                 id="a-token-column-of-a-table-of-something-else"),
    pytest.param([("db/migrations.go", GO_MIGRATION),
                  ("storage/other.go", GO_LOOKUP.replace("INNER JOIN api_keys ON api_keys.user_id=u.id", "")
                   .replace("api_keys.token", "token"))], id="an-sql-lookup-of-another-table"),
])
def test_nothing_is_said_of_keys_kept_as_digests_or_of_other_tokens(files: list[tuple[str, str]]) -> None:
    assert plain_tokens(_texts(*files)) is None


def test_columns_holding_keys_in_any_table_or_in_a_table_of_keys() -> None:
    found = {(c.table, c.name) for c in columns(_texts(("db/m.go", GO_MIGRATION), ("models/api.py", DJANGO_MODEL),
                                                        ("models/users.py", SQLALCHEMY_MODEL),
                                                        ("prisma/schema.prisma", PRISMA_SCHEMA)))}
    assert found == {("api_keys", "token"), ("APIToken", "token"), ("User", "api_key"),
                     ("PersonalAccessToken", "token")}


def test_import_source_states_plaintext_storage_and_the_rule_reports_it(tmp_path: Any) -> None:
    write(str(tmp_path), "reader/internal/database/migrations.go", textwrap.dedent(GO_MIGRATION))
    write(str(tmp_path), "reader/internal/storage/user.go", textwrap.dedent(GO_LOOKUP))
    write(str(tmp_path), "reader/main.go", 'package main\n\nimport "net/http"\n\nfunc main() {\n'
                                           '    http.HandleFunc("GET /v1/me", me)\n}\n')
    specs = [f"source:reader={tmp_path}/reader"]
    design = load_artifacts(specs)
    from engine.loader import load_documents

    assert fact(load_documents(design), "service:reader").data.get("api_token_storage") == "plaintext"
    notes = [text for d in design for text in getattr(d, "notes", {}).get("service:reader", [])]
    assert any("api_token_storage plaintext: api_keys.token" in n and "storage/user.go:8:" in n for n in notes), notes
    rv = review([], extra=load_artifacts(specs))
    assert {f.subject for f in rv.findings if f.rule == "api-token-stored-in-clear"} == {"service:reader"}
