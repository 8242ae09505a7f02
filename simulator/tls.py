"""HTTPS for the simulator, opt-in (``start(tls=True)``): a self-signed certificate for
127.0.0.1 and localhost, made at start with ``cryptography`` (installed with Odoo), that
is its own authority. Clients trust it by pointing their CA bundle at ``ca_file``
(``requests``: ``verify=sim.ca_file``, or the ``REQUESTS_CA_BUNDLE`` environment
variable; google-auth's ``AuthorizedSession`` sends its token request through a session
of its own: give it ``auth_request=google.auth.transport.requests.Request(s)`` with
``s.verify = sim.ca_file``, and set ``verify`` on the AuthorizedSession too; where the
environment sets ``REQUESTS_CA_BUNDLE``, requests prefers it to a session's ``verify``
unless the session's ``trust_env`` is False). Nothing is installed in the system's
trust store."""

import datetime
import ipaddress
import os
import shutil
import ssl
import tempfile


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
