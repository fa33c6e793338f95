"""``LMTP``: aiosmtpd's LMTP server (RFC 2033) on the engine.

Unlike aiosmtpd, the reply after the data is one per accepted recipient
(RFC 2033 §4.2): ``handle_DATA`` may return a list with one status per
``envelope.rcpt_tos`` entry, in order; a single status answers for all.
HELO and EHLO are refused by the engine (500).
"""

from .smtp import SMTP

__all__ = ["LMTP"]


class LMTP(SMTP):
    show_smtp_greeting: bool = False

    def _is_lmtp(self) -> bool:
        return True

    async def smtp_LHLO(self, arg: str) -> None:
        """The LMTP greeting, used instead of HELO/EHLO."""
        await self.smtp_EHLO(arg)

    async def _on_Lhlo(self, hostname):
        self.envelope = self._create_envelope()
        self.session.extended_smtp = True
        await self.smtp_LHLO(hostname)
        from ._types import ANSWERED
        return ANSWERED
