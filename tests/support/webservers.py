"""Debian's Apache and nginx for tests, started on 127.0.0.1 and free ports in throw-away folders, and
stopped: Apache runs the w3id.org rules polegraph generates, nginx the reverse proxy of docs/deploy.md.

Both run in the foreground as ServerProcess (so they are stopped with everything below them). As root,
Apache's children must drop to an unprivileged user (it refuses to serve as root): they run as
`nobody`, so its folder is made world-readable.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import tempfile
from pathlib import Path

from tests.support import free_port
from tests.support.servers import ServerProcess

SBIN = ("/usr/sbin", "/usr/local/sbin")
APACHE_MODULES = Path("/usr/lib/apache2/modules")
APACHE_CONF = """ServerRoot "{root}"
Listen 127.0.0.1:{port}
ServerName 127.0.0.1
{user}
PidFile {root}/apache.pid
ErrorLog {root}/error.log
LogLevel warn
DefaultRuntimeDir {root}
{modules}
TypesConfig /etc/mime.types
DocumentRoot "{docroot}"
<Directory "{docroot}">
    AllowOverride All
    Require all granted
</Directory>
"""
MODULES = ("mpm_event", "authz_core", "rewrite", "headers", "mime")
NGINX_CONF = """worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
{http}
}}
"""


def binary(name: str) -> str | None:
    """A server binary on PATH or in the sbin folders (root's PATH has them; a user's may not)."""
    return shutil.which(name) or shutil.which(name, path=os.pathsep.join(SBIN))


def start_apache(content: Path) -> ServerProcess:
    """Apache serving a copy of `content` as its document root (`AllowOverride All`, as w3id.org), once
it answers."""
    apache = binary("apache2")
    if apache is None:
        raise FileNotFoundError("apache2 (Debian package apache2) is not installed")
    root = Path(tempfile.mkdtemp(prefix="apache-"))
    os.chmod(root, 0o755)
    docroot = root / "htdocs"
    shutil.copytree(content, docroot)
    for path in [docroot, *docroot.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    user = ""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        user = f"User nobody\nGroup {grp.getgrgid(nobody.pw_gid).gr_name}"
    port = free_port()
    modules = "\n".join(f"LoadModule {m}_module {APACHE_MODULES}/mod_{m}.so" for m in MODULES)
    conf = root / "httpd.conf"
    conf.write_text(APACHE_CONF.format(root=root, port=port, user=user, modules=modules, docroot=docroot),
                    encoding="utf-8")
    server = ServerProcess([apache, "-f", str(conf), "-DFOREGROUND"], port, name="apache2", scratch=root)
    return server.wait_ready("/", 30, need_ok=False)


def start_nginx(http_block: str) -> ServerProcess:
    """nginx with `http_block` inside its `http {}` (where `{port}` stands for the port it listens on), not
yet waited for (what it proxies to may not be up)."""
    nginx = binary("nginx")
    if nginx is None:
        raise FileNotFoundError("nginx (Debian package nginx) is not installed")
    root = Path(tempfile.mkdtemp(prefix="nginx-"))
    port = free_port()
    conf = root / "nginx.conf"
    conf.write_text(NGINX_CONF.format(root=root, http=http_block.replace("{port}", str(port))), encoding="utf-8")
    return ServerProcess([nginx, "-e", str(root / "error.log"), "-p", str(root), "-c", str(conf),
                          "-g", "daemon off;"], port, name="nginx", scratch=root)
