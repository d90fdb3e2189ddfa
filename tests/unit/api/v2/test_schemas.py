"""``/v2/schemas/{name}``."""

import jsonschema
import pytest

from glance.api.v2 import schemas


@pytest.mark.parametrize('schema', [schemas.request_schema,
                                    *schemas.SCHEMAS.values()])
def test_schemas_are_valid_json_schemas(schema):
    jsonschema.Draft202012Validator.check_schema(schema())


def test_schemas(api):
    for name in ('image', 'images', 'member', 'members'):
        response = api.get('/v2/schemas/' + name)
        assert response.status_code == 200
        assert response.json()['name'] == name
    image = api.get('/v2/schemas/image').json()
    assert image['additionalProperties'] == {'type': 'string'}
    assert image['properties']['size']['readOnly'] is True
    assert api.get('/v2/schemas/nothing').status_code == 404
