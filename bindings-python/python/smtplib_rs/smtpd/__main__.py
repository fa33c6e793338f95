"""``python -m smtplib_rs.smtpd``: see smtplib_rs.smtpd._cli."""

from ._cli import main

main()
