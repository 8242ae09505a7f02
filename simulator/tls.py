"""HTTPS for the simulator, opt-in (``start(tls=True)``): a self-signed certificate for
127.0.0.1 and localhost, made at start with ``cryptography`` (installed with Odoo), that
is its own authority. Clients trust it by pointing their CA bundle at ``ca_file``
(``requests``: ``verify=sim.ca_file``, or the ``REQUESTS_CA_BUNDLE`` environment
variable; google-auth's ``AuthorizedSession`` sends its token request through a session
of its own: give it ``auth_request=google.auth.transport.requests.Request(s)`` with
``s.verify = sim.ca_file``, and set ``verify`` on the AuthorizedSession too; where the
environment sets ``REQUESTS_CA_BUNDLE``, requests prefers it to a session's ``verify``
unless the session's ``trust_env`` is False). Nothing is installed in the system's
trust store. Tests trust it as a deployment trusts a private authority: ``trusted(ca_file)``
points ``REQUESTS_CA_BUNDLE`` at a bundle of the CAs trusted so far and the simulator's
(``bundle_with``), then puts it back; the connectors keep verifying every certificate."""

import contextlib
import datetime
import ipaddress
import os
import shutil
import ssl
import tempfile

# where requests (and google-auth through it) read the CA bundle to verify with
CA_BUNDLE_VARIABLE = "REQUESTS_CA_BUNDLE"


def make_certificate(directory):
    """Write ``cert.pem`` (also the CA file) and ``key.pem`` into ``directory``; returns
    (cert path, key path)."""
    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stock_channel_sync simulator")])
    now = datetime.datetime.now(datetime.UTC)
    alt_names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = os.path.join(directory, "cert.pem")
    key_path = os.path.join(directory, "key.pem")
    with open(cert_path, "wb") as file:
        file.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as file:
        file.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return cert_path, key_path


def server_context():
    """(SSL context serving the new certificate, CA file path for clients)."""
    directory = tempfile.mkdtemp(prefix="scs-simulator-tls-")
    cert_path, key_path = make_certificate(directory)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context, cert_path


def forget_certificate(ca_file):
    """Remove the certificate's directory (at stop)."""
    shutil.rmtree(os.path.dirname(ca_file), ignore_errors=True)


def trusted_so_far():
    """The CA bundle requests verifies with now: REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, or
    its own (certifi's), in requests' order."""
    from requests import certs  # noqa: PLC0415 (the simulator itself needs no requests)

    return os.environ.get(CA_BUNDLE_VARIABLE) or os.environ.get("CURL_CA_BUNDLE") or certs.where()


def bundle_with(ca_file):
    """Write ``bundle.pem`` beside ``ca_file`` (removed with it at stop): the CAs trusted
    so far, then the simulator's; returns its path."""
    path = os.path.join(os.path.dirname(ca_file), "bundle.pem")
    with open(path, "wb") as bundle:
        for source in (trusted_so_far(), ca_file):
            with open(source, "rb") as pem:
                bundle.write(pem.read().rstrip(b"\n") + b"\n")
    return path


@contextlib.contextmanager
def trusted(ca_file):
    """While inside: requests (and google-auth through it) trust the simulator's
    certificate besides the CAs trusted so far; REQUESTS_CA_BUNDLE put back after."""
    before = os.environ.get(CA_BUNDLE_VARIABLE)
    os.environ[CA_BUNDLE_VARIABLE] = bundle_with(ca_file)
    try:
        yield os.environ[CA_BUNDLE_VARIABLE]
    finally:
        if before is None:
            os.environ.pop(CA_BUNDLE_VARIABLE, None)
        else:
            os.environ[CA_BUNDLE_VARIABLE] = before
