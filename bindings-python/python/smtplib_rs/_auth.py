"""SMTP AUTH for smtplib_rs.SMTP: ``auth()`` with smtplib's authobject
convention, smtplib's authobjects, and ``login()`` with its mechanism
order. The SASL mechanisms themselves (encoding, SCRAM proofs) are the
engine's (smtp-core's ``auth`` module through ``_core``)."""

import os

from smtplib import (
    SMTPAuthenticationError,
    SMTPException,
    SMTPNotSupportedError,
)

from . import _core
from ._common import _ALREADY_AUTHENTICATED, _MAXCHALLENGE, _succeeded


class _AuthMixin:
    """AUTH (RFC 4954) and ``login()``; mixed into SMTP."""

    def auth(self, mechanism, authobject, *, initial_response_ok=True):
        """Authentication command - requires response processing.

        'mechanism' specifies which authentication mechanism is to
        be used - the valid values are those listed in the 'auth'
        element of 'esmtp_features'.

        'authobject' must be a callable object taking a single argument:

                data = authobject(challenge)

        It will be called to process the server's challenge response; the
        challenge argument it is passed will be a bytes.  It should return
        an ASCII string that will be base64 encoded and sent to the server.

        Keyword arguments:
            - initial_response_ok: Allow sending the RFC 4954 initial-response
              to the AUTH command, if the authentication methods supports it.
        """
        # RFC 4954 §4: a mechanism whose authobject answers a None challenge
        # has an initial response.
        self._sasl = None
        mechanism = mechanism.upper()
        initial_response = (authobject() if initial_response_ok else None)
        if initial_response is not None:
            response = _core.sasl_encode(initial_response.encode('ascii'), True)
            (code, resp) = self.docmd("AUTH", mechanism + " " + response)
            self._auth_challenge_count = 1
        else:
            (code, resp) = self.docmd("AUTH", mechanism)
            self._auth_challenge_count = 0
        while _core.reply_meaning("auth", code) == "intermediate":
            self._auth_challenge_count += 1
            challenge = _core.sasl_decode(resp)
            try:
                answer = authobject(challenge)
            except SMTPAuthenticationError:
                # RFC 4954 §4: cancel the exchange so the session stays in
                # step, then report.
                self._sasl = None
                self.docmd("*")
                raise
            response = _core.sasl_encode(answer.encode('ascii'))
            (code, resp) = self.docmd(response)
            if self._auth_challenge_count > _MAXCHALLENGE:
                raise SMTPException(
                    "Server AUTH mechanism infinite loop. Last response: "
                    + repr((code, resp))
                )
        sasl, self._sasl = self._sasl, None
        if _succeeded("auth", code) and sasl is not None and sasl.mechanism == mechanism:
            try:
                sasl.finish()
            except ValueError as e:
                # RFC 5802 §5: a SCRAM server that cannot prove it knows the
                # password is not the server we meant to talk to.
                self.close()
                raise SMTPAuthenticationError(code, str(e).encode()) from None
        if _succeeded("auth", code) or code == _ALREADY_AUTHENTICATED:
            return (code, resp)
        raise SMTPAuthenticationError(code, resp)

    def _sasl_client(self, mechanism, fresh):
        client = getattr(self, '_sasl', None)
        if fresh or client is None or client.mechanism != mechanism:
            client = _core.SaslClient(mechanism, self.user, self.password,
                                      os.urandom(18))
            self._sasl = client
        return client

    def auth_cram_md5(self, challenge=None):
        """ Authobject to use with CRAM-MD5 authentication. Requires self.user
        and self.password to be set."""
        # CRAM-MD5 has no initial response (RFC 2195 §2).
        if challenge is None:
            return None
        return _core.cram_md5_response(self.user, self.password, challenge)

    def auth_plain(self, challenge=None):
        """ Authobject to use with PLAIN authentication. Requires self.user and
        self.password to be set."""
        return _core.plain_response(self.user, self.password)

    def auth_login(self, challenge=None):
        """ Authobject to use with LOGIN authentication. Requires self.user and
        self.password to be set."""
        if challenge is None or self._auth_challenge_count < 2:
            return self.user
        else:
            return self.password

    def _auth_sasl(self, mechanism, challenge):
        if challenge is None:
            return self._sasl_client(mechanism, True).initial_response()
        client = getattr(self, '_sasl', None)
        if client is None or client.mechanism != mechanism:
            # No initial response was sent: the first (empty) challenge
            # asks for it (RFC 4954 §4).
            client = self._sasl_client(mechanism, True)
            first = client.initial_response()
            if first is not None:
                return first
        return client.respond(challenge)

    def _auth_sasl_or_535(self, mechanism, challenge):
        # A SASL exchange the engine refuses (bad server signature, malformed
        # challenge) is an authentication failure to the caller.
        try:
            return self._auth_sasl(mechanism, challenge)
        except ValueError as e:
            raise SMTPAuthenticationError(535, str(e).encode()) from None

    def auth_scram_sha_256(self, challenge=None):
        """Authobject for SCRAM-SHA-256 (RFC 7677). Requires self.user and
        self.password; the server's signature is verified."""
        return self._auth_sasl_or_535('SCRAM-SHA-256', challenge)

    def auth_oauthbearer(self, challenge=None):
        """Authobject for OAUTHBEARER (RFC 7628). self.password holds the
        OAuth 2.0 bearer token."""
        return self._auth_sasl_or_535('OAUTHBEARER', challenge)

    def auth_xoauth2(self, challenge=None):
        """Authobject for XOAUTH2 (Google/Microsoft). self.password holds the
        OAuth 2.0 bearer token."""
        return self._auth_sasl_or_535('XOAUTH2', challenge)

    def login(self, user, password, *, initial_response_ok=True):
        """Log in on an SMTP server that requires authentication.

        The arguments are:
            - user:         The user name to authenticate with.
            - password:     The password for the authentication (or the
                            OAuth 2.0 token for OAUTHBEARER/XOAUTH2).

        Keyword arguments:
            - initial_response_ok: Allow sending the RFC 4954 initial-response
              to the AUTH command, if the authentication methods supports it.

        If there has been no previous EHLO or HELO command this session, this
        method tries ESMTP EHLO first.

        Mechanisms are tried in smtplib's order (CRAM-MD5, PLAIN, LOGIN),
        then SCRAM-SHA-256, OAUTHBEARER and XOAUTH2, each only if the
        server advertises it, until one succeeds.

        This method may raise the following exceptions:

         SMTPHeloError            The server didn't reply properly to
                                  the helo greeting.
         SMTPAuthenticationError  The server didn't accept the username/
                                  password combination.
         SMTPNotSupportedError    The AUTH command is not supported by the
                                  server.
         SMTPException            No suitable authentication method was
                                  found.
        """
        self.ehlo_or_helo_if_needed()
        if not self.has_extn("auth"):
            raise SMTPNotSupportedError(
                "SMTP AUTH extension not supported by server.")

        advertised_authlist = self.esmtp_features["auth"].split()
        authlist = _core.login_mechanisms(advertised_authlist)
        if not authlist:
            raise SMTPException("No suitable authentication method found.")

        # Some servers advertise mechanisms they don't support: on failure,
        # try the next one.
        self.user, self.password = user, password
        for authmethod in authlist:
            method_name = 'auth_' + authmethod.lower().replace('-', '_')
            try:
                (code, resp) = self.auth(
                    authmethod, getattr(self, method_name),
                    initial_response_ok=initial_response_ok)
                if _succeeded("auth", code) or code == _ALREADY_AUTHENTICATED:
                    return (code, resp)
            except SMTPAuthenticationError as e:
                last_exception = e

        raise last_exception
