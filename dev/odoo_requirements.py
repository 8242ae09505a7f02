"""Print Odoo's requirements.txt as pins that install on this Python.

Odoo pins per Python version. Its pins for Python < 3.12 do not build any more
(cbor2 5.4.2 is an sdist that needs pkg_resources), while its Python 3.12 pins
all ship wheels for 3.11 too, so on 3.11 we take the 3.12 pins.
python-ldap is skipped: it needs the LDAP headers and only serves auth_ldap.
"""

import platform
import sys

from packaging.markers import Marker
from packaging.requirements import Requirement

SKIP = {"python-ldap"}


def main(path):
    env = {"python_version": ".".join(platform.python_version_tuple()[:2])}
    if sys.version_info < (3, 12):
        env = {"python_version": "3.12", "python_full_version": "3.12.0"}
    for raw in open(path, encoding="utf-8"):
        line = raw.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        req = Requirement(line)
        if req.name.lower() in SKIP:
            continue
        if req.marker and not Marker(str(req.marker)).evaluate(env):
            continue
        req.marker = None
        print(req)


if __name__ == "__main__":
    main(sys.argv[1])
