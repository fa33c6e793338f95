"""The README's main command: send mail with smtplib_rs to the project's
own server (smtp-core's server machine on a loopback port) and show the
session.

    python -m smtplib_rs.demo
"""

from email.message import EmailMessage

import smtplib_rs as smtplib
from smtplib_rs.server import Server


def main():
    with Server(hostname="demo.localhost", chunking=True) as server:
        print("server (smtp-core ServerConnection) on %s:%d" % (server.host, server.port))
        msg = EmailMessage()
        msg["From"] = "Alice <alice@example.org>"
        msg["To"] = "bob@example.org, carol@example.org"
        msg["Subject"] = "Hello from smtplib_rs"
        msg.set_content("Sent by smtplib_rs, received by smtp-core.\n.A line starting with a dot.\n")

        with smtplib.SMTP(server.host, server.port, local_hostname="client.localhost") as s:
            s.set_debuglevel(1)
            s.ehlo()
            s.set_debuglevel(0)
            print("server offers:", ", ".join(sorted(s.esmtp_features)))
            refused = s.send_message(msg)           # pipelined: one round trip to 354
            print("send_message ->", refused)
            s.use_chunking = True
            refused = s.sendmail("alice@example.org", ["dave@example.org"],
                                 b"Subject: by BDAT\r\n\r\nchunked body\r\n")
            print("sendmail with BDAT ->", refused)
        for m in server.messages:
            print("received:", m)
        print()
        print(server.messages[0].data.decode())


if __name__ == "__main__":
    main()
