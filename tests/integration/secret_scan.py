"""No secret of a test may show in any output or log of the test run.

A test registers every stream key, password or token it uses with `secret(s)`
(harness.NginxRtmp.url(key) does it for its key). When a harness Cluster
closes, `leaks()` reads every file of its temp dir (every log) and every output
of its CLI calls; a registered secret found there fails the test, named by file
and line with the secret itself replaced. The database and its WAL/SHM/journal
hold the secrets by design and are not read, nor is the output of
`stream show --reveal` (not recorded by the harness).
"""
import os
import stat

# Every secret registered in this test process, for every Cluster's close.
SECRETS = set()
# Shorter strings would be found in unrelated text (a log's timestamp, a word).
MIN_SECRET_LEN = 6
# Files bigger than this in a temp dir are media a test wrote, not logs.
MAX_SCANNED_BYTES = 64 << 20


def secret(s):
    """Registers `s` (a stream key, password, token) as a secret no output or log
    may show; returns it."""
    if len(s) < MIN_SECRET_LEN:
        raise ValueError(f"a secret of {len(s)} characters would match unrelated text; use {MIN_SECRET_LEN} or more")
    SECRETS.add(s)
    return s


def hidden(text):
    """`text` with every registered secret replaced, for a failure message."""
    for x in SECRETS:
        text = text.replace(x, "<SECRET>")
    return text


def _lines(text):
    """(line number, line with each secret replaced) for each line holding a secret."""
    return [(n, hidden(line)[:300]) for n, line in enumerate(text.splitlines(), 1)
            if any(x in line for x in SECRETS)]


def leaks(directory, db, cli_outputs):
    """One line per place a registered secret shows: each file under `directory`
    but the database `db` and its companions, and each (argv, stdout, stderr) of
    `cli_outputs`."""
    if not SECRETS:
        return []
    name = os.path.basename(db)
    private = {name, name + "-wal", name + "-shm", name + "-journal"}
    found = []
    for root, _dirs, files in os.walk(directory):
        for f in sorted(files):
            path = os.path.join(root, f)
            if f in private:
                continue
            try:
                st = os.lstat(path)
                if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_SCANNED_BYTES:
                    continue
                with open(path, "rb") as fh:
                    text = fh.read().decode("utf-8", "replace")
            except OSError:
                continue
            for n, line in _lines(text):
                found.append(f"{os.path.relpath(path, directory)}:{n}: {line}")
    for argv, out, err in cli_outputs:
        for which, text in (("stdout", out), ("stderr", err)):
            for n, line in _lines(text or ""):
                found.append(f"ffleet {hidden(' '.join(argv))[:120]} ({which} line {n}): {line}")
    return found
