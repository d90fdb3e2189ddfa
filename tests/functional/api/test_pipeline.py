"""Operators edit the paste pipeline; flavors pick pipelines."""

import os

import pytest
import requests

from tests.functional import server as server_mod

REPO_PASTE = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'etc',
                          'glance-api-paste.ini')


def test_operator_filter_added_to_pipeline(make_api_server, tmp_path):
    with open(REPO_PASTE) as f:
        ini = f.read()
    ini = ini.replace(
        'pipeline = request_id access_log versionnegotiation '
        'unauthenticated-context rootapp',
        'pipeline = request_id access_log stamp versionnegotiation '
        'unauthenticated-context rootapp', 1)
    ini += ('\n[filter:stamp]\n'
            'paste.filter_factory = tests.functional.filters:filter_factory\n'
            'stamp = from-the-ini\n')
    paste = tmp_path / 'custom-paste.ini'
    paste.write_text(ini)
    server = make_api_server(paste_ini=str(paste))
    response = requests.get(server.url + '/v2/images')
    assert response.status_code == 200
    assert response.headers['X-Stamp'] == 'from-the-ini'


@pytest.mark.parametrize('flavor', ['nonsense'])
def test_unloadable_pipeline_fails_with_clear_message(tmp_path, flavor):
    """nonsense names no pipeline."""
    api = server_mod.ApiServer(tmp_path, flavor=flavor)
    result = api.run_foreground(timeout=60)
    assert result.returncode == 1
    assert 'glance-api-' + flavor in result.stderr
    assert 'Traceback' not in result.stderr
