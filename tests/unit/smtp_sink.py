#!/usr/bin/python3
"""A real SMTP server on loopback for test_smtp (aiosmtpd, python3-aiosmtpd).

usage: smtp_sink.py DIR [--tls CERT KEY]

Listens on 127.0.0.1 on a port the kernel picks and, once it accepts
connections, writes that port to DIR/port.  AUTH PLAIN/LOGIN is offered
(without TLS too, as tests run on loopback) and accepts only
alice/wonderland.  With --tls it offers STARTTLS and requires it.

Each message N (1, 2, ...) is stored before the server answers DATA:
  DIR/N.eml      the bytes received (after dot-unstuffing)
  DIR/N.env      MAIL FROM, each RCPT TO, then "auth=<login>" or "auth=-"
                 and "tls=0|1", one per line
  DIR/N.subject  the Subject, decoded by Python's email package
  DIR/N.body     the body, decoded by Python's email package (UTF-8)
  DIR/N.defects  what Python's parser found wrong, one per line
The decoded forms check our RFC 2047 and quoted-printable encoders against
an implementation we did not write.
"""
import asyncio
import email
import email.policy
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


class Handler:
    def __init__(self, folder):
        self.folder = folder
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = os.path.join(self.folder, str(self.n))
        raw = envelope.original_content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        defects = [repr(d) for d in msg.defects]
        for k, v in msg.items():
            defects += ["%s: %r" % (k, d) for d in getattr(v, "defects", ())]
        try:
            body = msg.get_content()
        except Exception as e:  # report, do not crash the server
            body = ""
            defects.append("get_content: %r" % e)
        login = "-"
        if session.authenticated and session.auth_data is not None:
            login = session.auth_data.login.decode()
        env = [envelope.mail_from] + list(envelope.rcpt_tos)
        env += ["auth=" + login, "tls=%d" % (1 if session.ssl else 0)]
        write(base + ".env", ("\n".join(env) + "\n").encode())
        write(base + ".subject", str(msg["subject"] or "").encode())
        write(base + ".body", body.encode())
        write(base + ".defects", ("\n".join(defects)).encode())
        write(base + ".eml", raw)
        return "250 OK stored"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login == b"alice"
          and auth_data.password == b"wonderland")
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


async def main():
    # aiosmtpd sets its own deprecated Session.login_data and warns about it.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    folder = sys.argv[1]
    ctx = None
    if len(sys.argv) == 5 and sys.argv[2] == "--tls":
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(sys.argv[3], sys.argv[4])
    handler = Handler(folder)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test", authenticator=authenticator,
                     auth_require_tls=False, tls_context=ctx,
                     require_starttls=ctx is not None),
        "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    write(os.path.join(folder, "port"), str(port).encode())
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    await stop
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
