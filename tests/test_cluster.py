"""Several servers on one database: the sync log names the server that sent each push
(ODOO_SERVER_TAG, else the host name, and the process id)."""

import os
import socket
from unittest.mock import patch

from odoo.tests import TransactionCase


class TestServerTag(TransactionCase):
    def log(self):
        channel = self.env["stock.channel"].create(
            {"name": "Tagged", "code": "tagged", "channel_type": "marketplace"}
        )
        return self.env["stock.channel.sync.log"].create({"channel_id": channel.id})

    def test_the_server_tag_and_pid(self):
        with patch.dict(os.environ, {"ODOO_SERVER_TAG": "odoo-2"}):
            self.assertEqual(self.log().server_tag, f"odoo-2:{os.getpid()}")

    def test_the_host_name_without_a_tag(self):
        with patch.dict(os.environ):
            os.environ.pop("ODOO_SERVER_TAG", None)
            self.assertEqual(self.log().server_tag, f"{socket.gethostname()}:{os.getpid()}")
