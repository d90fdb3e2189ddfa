"""HTTP clients of the benchmark: http.client for metadata calls, curl for
bulk transfers (a C client, so the client's own cost stays small), wrk for
requests per second.
"""

import http.client
import json
import re
import subprocess
import time
import urllib.parse

from servers import IDENTITY_HEADERS


class Api:
    """One keep-alive connection to an image API (reconnects as needed)."""

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self._connection = http.client.HTTPConnection(parts.hostname,
                                                      parts.port, timeout=600)

    def call(self, method, path, body=None, expect=(200,), headers=None):
        """``(status, parsed JSON body or None, seconds)``."""
        headers = dict(IDENTITY_HEADERS, **(headers or {}))
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers['Content-Type'] = 'application/json'
        started = time.perf_counter()
        try:
            self._connection.request(method, path, payload, headers)
            response = self._connection.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            # The server closed a kept-alive connection: retry once.
            self._connection.close()
            started = time.perf_counter()
            self._connection.request(method, path, payload, headers)
            response = self._connection.getresponse()
            data = response.read()
        seconds = time.perf_counter() - started
        if response.will_close:
            self._connection.close()
        if response.status not in expect:
            raise RuntimeError('%s %s: %d %s' % (method, path,
                                                 response.status, data[:300]))
        parsed = json.loads(data) if data.startswith(b'{') else None
        return response.status, parsed, seconds

    def create_image(self, **attributes):
        attributes.setdefault('disk_format', 'raw')
        attributes.setdefault('container_format', 'bare')
        return self.call('POST', '/v2/images', attributes,
                         expect=(201,))[1]['id']

    def close(self):
        self._connection.close()


def _header_args():
    args = []
    for name, value in IDENTITY_HEADERS.items():
        args += ['-H', '%s: %s' % (name, value)]
    return args


CURL_STATS = '%{http_code} %{size_download} %{size_upload} %{time_total}'


def curl_command(url, upload=None, chunked=False, byte_range=None,
                 output='/dev/null', stats=True):
    """curl's argv; with ``stats`` it prints what parse_curl() reads."""
    argv = ['curl', '-sS', '-o', output] + _header_args()
    if stats:
        argv += ['-w', CURL_STATS]
    if upload is not None:
        argv += ['-T', upload, '-H', 'Content-Type: application/octet-stream']
        if chunked:
            argv += ['-H', 'Transfer-Encoding: chunked']
    if byte_range is not None:
        argv += ['-r', '%d-%d' % byte_range]
    return argv + [url]


def parse_curl(output):
    status, downloaded, uploaded, seconds = output.split()
    return {'status': int(status), 'downloaded': int(downloaded),
            'uploaded': int(uploaded), 'seconds': float(seconds)}


def curl(url, **kwargs):
    """Run one transfer; its status, byte counts and seconds."""
    result = subprocess.run(curl_command(url, **kwargs), capture_output=True,
                            text=True, check=True)
    return parse_curl(result.stdout)


def wrk(url, connections, seconds, threads=2):
    """Requests per second of GET ``url`` at ``connections`` connections."""
    argv = ['wrk', '-t%d' % threads, '-c%d' % connections,
            '-d%ds' % seconds, '--latency'] + _header_args() + [url]
    out = subprocess.run(argv, capture_output=True, text=True,
                         check=True).stdout
    errors = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    if errors:
        raise RuntimeError('wrk got %s error responses from %s:\n%s'
                           % (errors.group(1), url, out))
    return float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
