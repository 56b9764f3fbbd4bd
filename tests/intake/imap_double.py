"""A small IMAP4rev1 server for tests: just what imaplib and fetch_mail use.

Greeting, CAPABILITY, NOOP, LOGIN, SELECT/EXAMINE, UID SEARCH (ALL/UNSEEN),
UID FETCH (RFC822 / BODY[] / BODY.PEEK[]), UID STORE ±FLAGS, CLOSE, LOGOUT.
One mailbox, held in memory; runs in a thread on 127.0.0.1 with an
ephemeral port.
"""

from __future__ import annotations

import re
import socketserver
import threading
from dataclasses import dataclass, field
from typing import Any

_FETCH_ITEMS = {
    "RFC822": ("RFC822", True),
    "BODY[]": ("BODY[]", True),
    "BODY.PEEK[]": ("BODY[]", False),
}


@dataclass
class StoredMessage:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


class ImapDouble:
    def __init__(self, user: str = "intake", password: str = "s3cret pass") -> None:
        self.user, self.password = user, password
        self.messages: list[StoredMessage] = []
        self.commands: list[str] = []
        self._next_uid = 1
        self._lock = threading.Lock()
        double = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                _Session(double, self).run()

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ImapDouble:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    @property
    def url(self) -> str:
        from urllib.parse import quote

        host, port = self.server.server_address[:2]
        return f"imap://{quote(self.user)}:{quote(self.password)}@{host}:{port}/INBOX"

    def deliver(self, raw: bytes) -> int:
        with self._lock:
            uid = self._next_uid
            self._next_uid += 1
            self.messages.append(StoredMessage(uid, raw))
            return uid

    def flags(self, uid: int) -> set[str]:
        return next(m.flags for m in self.messages if m.uid == uid)

    def mark_all_unseen(self) -> None:
        with self._lock:
            for message in self.messages:
                message.flags.discard("\\Seen")


class _Session:
    def __init__(self, double: ImapDouble, handler: socketserver.StreamRequestHandler):
        self.double, self.rfile, self.wfile = double, handler.rfile, handler.wfile
        self.logged_in = self.selected = False

    def send(self, line: str | bytes) -> None:
        self.wfile.write(line if isinstance(line, bytes) else line.encode() + b"\r\n")

    def run(self) -> None:
        self.send("* OK [CAPABILITY IMAP4rev1] IMAP double ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            tag, _, rest = line.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            self.double.commands.append(f"{command} {args}".strip())
            if command == "UID":
                sub, _, args = args.partition(" ")
                command = f"UID {sub.upper()}"
            handler = getattr(self, "do_" + command.replace(" ", "_"), None)
            if handler is None:
                self.send(f"{tag} BAD unknown command {command}")
                continue
            if handler(tag, args) == "bye":
                return

    def do_CAPABILITY(self, tag: str, args: str) -> None:
        self.send("* CAPABILITY IMAP4rev1")
        self.send(f"{tag} OK CAPABILITY completed")

    def do_NOOP(self, tag: str, args: str) -> None:
        self.send(f"{tag} OK NOOP completed")

    def do_LOGIN(self, tag: str, args: str) -> None:
        user, _, password = args.partition(" ")
        if password.startswith('"') and password.endswith('"'):
            password = re.sub(r"\\(.)", r"\1", password[1:-1])
        if (user.strip('"'), password) != (self.double.user, self.double.password):
            self.send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials")
            return
        self.logged_in = True
        self.send(f"{tag} OK LOGIN completed")

    def do_SELECT(self, tag: str, args: str, readonly: bool = False) -> None:
        if not self.logged_in or args.strip('"').upper() != "INBOX":
            self.send(f"{tag} NO no such mailbox")
            return
        self.selected = True
        self.send(f"* {len(self.double.messages)} EXISTS")
        self.send("* 0 RECENT")
        self.send("* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)")
        self.send(f"* OK [UIDNEXT {self.double._next_uid}] next uid")
        mode = "READ-ONLY" if readonly else "READ-WRITE"
        self.send(f"{tag} OK [{mode}] SELECT completed")

    def do_EXAMINE(self, tag: str, args: str) -> None:
        self.do_SELECT(tag, args, readonly=True)

    def _uids(self, spec: str) -> list[StoredMessage]:
        wanted: set[int] = set()
        for part in spec.split(","):
            low, _, high = part.partition(":")
            top = max((m.uid for m in self.double.messages), default=0)
            end = top if high == "*" else int(high or low)
            wanted.update(range(int(low), end + 1))
        return [m for m in self.double.messages if m.uid in wanted]

    def do_UID_SEARCH(self, tag: str, args: str) -> None:
        criterion = args.strip().upper()
        if criterion not in ("ALL", "UNSEEN"):
            self.send(f"{tag} BAD unsupported search {criterion}")
            return
        uids = [
            str(m.uid)
            for m in self.double.messages
            if criterion == "ALL" or "\\Seen" not in m.flags
        ]
        self.send("* SEARCH" + "".join(f" {u}" for u in uids))
        self.send(f"{tag} OK SEARCH completed")

    def do_UID_FETCH(self, tag: str, args: str) -> None:
        spec, _, items = args.partition(" ")
        wanted = items.strip("()").upper().replace("UID", "").strip()
        if wanted not in _FETCH_ITEMS:
            self.send(f"{tag} BAD unsupported fetch {items}")
            return
        name, sets_seen = _FETCH_ITEMS[wanted]
        for message in self._uids(spec):
            seq = self.double.messages.index(message) + 1
            if sets_seen:
                message.flags.add("\\Seen")
            head = f"* {seq} FETCH (UID {message.uid} {name} {{{len(message.raw)}}}\r\n"
            self.send(head.encode() + message.raw + b")\r\n")
        self.send(f"{tag} OK FETCH completed")

    def do_UID_STORE(self, tag: str, args: str) -> None:
        spec, _, rest = args.partition(" ")
        mode, _, flags = rest.partition(" ")
        names = set(flags.strip("()").split())
        for message in self._uids(spec):
            if mode.upper().startswith("+FLAGS"):
                message.flags |= names
            elif mode.upper().startswith("-FLAGS"):
                message.flags -= names
            seq = self.double.messages.index(message) + 1
            shown = " ".join(sorted(message.flags))
            self.send(f"* {seq} FETCH (UID {message.uid} FLAGS ({shown}))")
        self.send(f"{tag} OK STORE completed")

    def do_CLOSE(self, tag: str, args: str) -> None:
        self.selected = False
        self.send(f"{tag} OK CLOSE completed")

    def do_LOGOUT(self, tag: str, args: str) -> str:
        self.send("* BYE logging out")
        self.send(f"{tag} OK LOGOUT completed")
        return "bye"
