"""aiosmtpd 1.4.6's own tests that smtplib_rs.aiosmtpd does not run, each
with the reason: they read aiosmtpd's private internals, or they need
behaviour refused for safety or RFC conformance. Keys are pytest node ids
(relative to the suite root); a key matches the test and all its
parametrizations."""

SKIPS = {
}
