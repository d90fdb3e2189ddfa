"""``/v2/images/{id}/tags/{tag}``."""

from tests.unit.api.helpers import create
from tests.unit.api.helpers import show


def test_tags(api):
    image = create(api)
    path = '/v2/images/%s/tags/' % image['id']
    assert api.put(path + 'blue').status_code == 204
    assert api.put(path + 'blue').status_code == 204
    assert api.put(path + 'red').status_code == 204
    assert show(api, image['id']).json()['tags'] == ['blue', 'red']
    assert api.delete(path + 'blue').status_code == 204
    assert api.delete(path + 'blue').status_code == 404
    assert show(api, image['id']).json()['tags'] == ['red']
