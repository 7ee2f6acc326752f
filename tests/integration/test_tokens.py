"""HTTP bearer tokens (`ffleet token create|ls|revoke`, `whoami`) against a real
controller: the CLI makes each token and sends only its SHA-256; the token is
printed once and never shows in the controller's log, any later CLI output or
the database (read here with sqlite3); who may make, list and revoke which
token, with real CURVE keys and users (test_security's Secure)."""
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import unittest

from harness import BIN_DIR, Cluster, main, secret, wait_until
from test_security import Secure, keygen

TOKEN = re.compile(r"^ffl_[A-Za-z0-9_-]{43}$")


def create(c, *args, env=None, user=None, json_out=True):
    """`ffleet token create ARGS`, which prints the token by design: its stdout
    is not kept among the outputs the harness scans (its stderr is); the token
    is registered as a secret that no log nor later output may show."""
    argv = [os.path.join(BIN_DIR, "ffleet"), "--controller", c.endpoint]
    if json_out:
        argv.append("--json")
    if user:
        argv += ["--user", user]
    argv += ["token", "create", *args]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})
    c.cli_outputs.append((["token", "create", *args], "", r.stderr))
    if r.returncode != 0:
        raise AssertionError(f"token create {' '.join(args)} exited {r.returncode}: {r.stderr.strip()}")
    if not json_out:
        m = re.search(r"^(ffl_\S+)$", r.stdout, re.M)
        assert m, "the text output shows the token on a line of its own"
        secret(m.group(1))
        return r.stdout, m.group(1)
    out = json.loads(r.stdout)
    secret(out["token"])
    return out


def stored(c):
    """Every row of the tokens table, and the database's files as bytes."""
    db = sqlite3.connect(f"file:{c.db}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT id, user, role, sha256, prefix, label FROM tokens ORDER BY id").fetchall()
        dump = "\n".join(db.iterdump())
    finally:
        db.close()
    raw = b""
    for suffix in ("", "-wal"):
        if os.path.exists(c.db + suffix):
            with open(c.db + suffix, "rb") as f:
                raw += f.read()
    return rows, dump, raw


class TokensWithoutKeys(unittest.TestCase):
    def test_create_list_revoke_and_only_the_digest_is_stored(self):
        with Cluster("tokens") as c:
            ctl = c.start_controller()
            a = create(c, user="alice")
            self.assertRegex(a["token"], TOKEN)
            self.assertEqual((a["user"], a["role"]), ("alice", "user"), "default: the caller, role user")
            b = create(c, "--user", "bob", "--role", "operator", "--label", "ci bot", "--expires", "1h", user="alice")
            self.assertEqual((b["user"], b["role"]), ("bob", "operator"))
            text, t3 = create(c, "--label", "shown", user="alice", json_out=False)
            self.assertIn("shown only now", text)
            self.assertEqual(len({a["token"], b["token"], t3}), 3)

            ls = c.cli("token", "ls", user="alice")
            self.assertEqual([t["id"] for t in ls], [a["id"], b["id"], a["id"] + 2])
            by_id = {t["id"]: t for t in ls}
            self.assertEqual(by_id[a["id"]]["prefix"], a["token"][:8])
            self.assertEqual(by_id[b["id"]]["label"], "ci bot")
            self.assertIsNotNone(by_id[b["id"]]["expires_at"])
            self.assertIsNone(by_id[a["id"]]["expires_at"])
            self.assertIsNone(by_id[a["id"]]["last_used"])
            self.assertEqual(by_id[a["id"]]["created_by"], "alice")
            self.assertNotIn("token", by_id[a["id"]])
            table = c.cli("token", "ls", user="alice", json_out=False).stdout
            self.assertIn("LAST USED", table)
            self.assertIn(b["token"][:8] + "  ", table)

            # The database holds each token's SHA-256 only.
            rows, dump, raw = stored(c)
            tokens = {a["id"]: a["token"], b["id"]: b["token"], a["id"] + 2: t3}
            self.assertEqual(len(rows), 3)
            for id_, user, role, sha, prefix, label in rows:
                self.assertRegex(sha, r"^[0-9a-f]{64}$")
                self.assertEqual(sha, hashlib.sha256(tokens[id_].encode()).hexdigest())
                self.assertEqual(prefix, tokens[id_][:8])
            for t in tokens.values():
                self.assertNotIn(t, dump)
                self.assertNotIn(t.encode(), raw)

            # Bad input: one line, nothing stored.
            r = c.cli("token", "create", "--label", "x" * 101, user="alice", check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("at most 100", r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1)
            r = c.cli("token", "create", "--label", "a\tb", user="alice", check=False)
            self.assertEqual(r.returncode, 1)
            r = c.cli("token", "create", "--expires", "soon", user="alice", check=False)
            self.assertEqual(r.returncode, 2)
            r = c.cli("token", "create", "--user", "bad name", user="alice", check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("bad user name", r.stderr)
            self.assertEqual(len(c.cli("token", "ls", user="alice")), 3)

            # Revoke: gone from ls and from the database; a second time: no such token.
            r = c.cli("token", "revoke", str(b["id"]), user="alice")
            self.assertIn("revoked", r["message"])
            self.assertEqual([t["id"] for t in c.cli("token", "ls", user="alice")], [a["id"], a["id"] + 2])
            self.assertEqual(len(stored(c)[0]), 2)
            r = c.cli("token", "revoke", str(b["id"]), user="alice", check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn(f"no token with id {b['id']}", r.stderr)

            self.assertEqual(c.cli("whoami", user="carol"), {"user": "carol", "role": "admin"})

            # The log names each token by id and prefix, never by its digest
            # (the tokens themselves are registered secrets: the harness
            # fails the test if one shows in any log or output).
            log = ctl.text()
            self.assertIn(f"token_created id={a['id']} user=alice role=user prefix={a['token'][:8]}", log)
            self.assertIn(f"token_revoked id={b['id']} user=bob role=operator", log)
            for t in tokens.values():
                self.assertNotIn(hashlib.sha256(t.encode()).hexdigest(), log)

            # A restart loads the tokens from the store.
            ctl.stop()
            c.start_controller()
            self.assertEqual([t["id"] for t in c.cli("token", "ls", user="alice")], [a["id"], a["id"] + 2])
            # Ids are never given again.
            self.assertGreater(create(c, user="alice")["id"], a["id"] + 2)


class TokensWithKeys(unittest.TestCase):
    def test_who_may_make_list_and_revoke_which_token(self):
        with Cluster("tokens-keys") as c:
            s = Secure(c, agents=())
            s.add_user("op", "operator")
            s.add_user("u1", "user")
            s.add_user("u2", "user")

            def refused(who, *args):
                r = s.cli(who, "token", *args, check=False)
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                return r.stderr

            u1 = create(c, env=s.env("u1"))
            self.assertEqual((u1["user"], u1["role"]), ("u1", "user"))
            self.assertIn("only an admin", refused("u1", "create", "--user", "u2"))
            self.assertIn("at most", refused("u1", "create", "--role", "admin"))
            self.assertIn("at most", refused("u1", "create", "--role", "operator"))
            op = create(c, env=s.env("op"))
            self.assertEqual((op["user"], op["role"]), ("op", "operator"), "default: the user's own role")
            op_low = create(c, "--role", "user", env=s.env("op"))
            self.assertEqual(op_low["role"], "user")
            u2 = create(c, "--user", "u2", env=s.env("admin"))
            self.assertEqual((u2["user"], u2["role"]), ("u2", "user"))
            self.assertIn("at most", refused("admin", "create", "--user", "u2", "--role", "admin"))
            self.assertIn("no user nobody", refused("admin", "create", "--user", "nobody"))
            mine = create(c, env=s.env("admin"))
            self.assertEqual((mine["user"], mine["role"]), ("admin", "admin"))

            ids = lambda who: [t["id"] for t in s.cli(who, "token", "ls")]  # noqa: E731
            self.assertEqual(ids("op"), [op["id"], op_low["id"]])
            self.assertEqual(ids("u1"), [u1["id"]])
            self.assertEqual(ids("admin"), [u1["id"], op["id"], op_low["id"], u2["id"], mine["id"]])

            self.assertIn("only they or an admin", refused("u1", "revoke", str(op["id"])))
            self.assertIn("only they or an admin", refused("op", "revoke", str(u1["id"])))
            self.assertIn(op["id"], ids("op"))
            s.cli("op", "token", "revoke", str(op_low["id"]))
            s.cli("admin", "token", "revoke", str(u1["id"]))
            self.assertEqual(ids("admin"), [op["id"], u2["id"], mine["id"]])
            self.assertEqual(ids("u1"), [])

            self.assertEqual(s.cli("op", "whoami"), {"user": "op", "role": "operator"})

            rows, dump, raw = stored(c)
            for t in (u1, op, op_low, u2, mine):
                self.assertNotIn(t["token"], dump)
                self.assertNotIn(t["token"].encode(), raw)
            self.assertEqual({r[3] for r in rows},
                             {hashlib.sha256(t["token"].encode()).hexdigest() for t in (op, u2, mine)})
            log = s.ctl.text()
            self.assertIn(f"token_revoked id={u1['id']} user=u1 role=user prefix={u1['token'][:8]} by=admin", log)
            self.assertIn("request_refused who=u1 role=user", log)


class TokensOverHttp(unittest.TestCase):
    """Who a token stands for when the HTTP API asks the loop (GET /api/v1/me)."""

    def test_a_token_acts_for_its_user_capped_by_their_role_until_revoked_expired_or_removed(self):
        with Cluster("tokens-http") as c:
            s = Secure(c, agents=())
            s.ctl.stop()
            s.ctl = c.start_controller(extra=["--key", s.ctl_key, "--admin-key", s.admin_key + ".pub"], http=True)
            s.add_user("op", "operator")
            s.add_user("gone", "user")

            def me(token):
                status, _, body = c.http("GET", "/me", token=token)
                return status, body

            op = create(c, env=s.env("op"))
            self.assertEqual(me(op["token"]), (200, {"user": "op", "role": "operator"}))
            # The first use is written to the store at the next tick (then at most once a minute).
            db = sqlite3.connect(f"file:{c.db}?mode=ro", uri=True)
            try:
                wait_until(lambda: db.execute("SELECT last_used_ms FROM tokens WHERE id=?",
                                              (op["id"],)).fetchone()[0] > 0, 10, "the first use to be stored")
            finally:
                db.close()
            # Not even an admin makes a token above its user's role.
            self.assertIn("at most", s.cli("admin", "token", "create", "--user", "op", "--role", "admin",
                                           check=False).stderr)
            admin = create(c, env=s.env("admin"))
            self.assertEqual(me(admin["token"]), (200, {"user": "admin", "role": "admin"}))
            gone = create(c, "--user", "gone", env=s.env("admin"))
            self.assertEqual(me(gone["token"])[0], 200)

            # A removed user's token stops at once, and a user of the same name
            # added later does not get it back.
            s.cli("admin", "user", "rm", "gone", json_out=False)
            status, body = me(gone["token"])
            self.assertEqual(status, 401)
            self.assertEqual(body["code"], "unauthenticated")
            self.assertNotIn(hashlib.sha256(gone["token"].encode()).hexdigest(), body["message"])
            key = keygen(c, "gone-again")
            s.cli("admin", "user", "add", "gone", "--role", "admin", "--key", key + ".pub", json_out=False)
            self.assertEqual(me(gone["token"])[0], 401)

            # Revoked: refused at once.
            s.cli("op", "token", "revoke", str(op["id"]))
            self.assertEqual(me(op["token"])[0], 401)
            # Unknown: refused.
            self.assertEqual(me("ffl_" + "A" * 43)[0], 401)

            # Expired: refused once its time has come.
            short = create(c, "--expires", "5s", env=s.env("admin"))
            self.assertEqual(me(short["token"])[0], 200)
            wait_until(lambda: me(short["token"])[0] == 401, 30, "the 5 s token to expire")
            self.assertIn("expired", me(short["token"])[1]["message"])

            # The latest use shows in token ls at once (kept in memory; stored
            # at most once a minute).
            t = [x for x in s.cli("admin", "token", "ls") if x["id"] == admin["id"]][0]
            self.assertIsNotNone(t["last_used"])


if __name__ == "__main__":
    main()
