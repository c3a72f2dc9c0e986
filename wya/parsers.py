"""REST parsers that refuse hostile input (``wya.hostile``) with a 400, never a 500."""

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from wya import hostile


class SafeJSONParser(JSONParser):
    """JSON bodies: at most ``MAX_JSON_DEPTH`` deep, no NUL, no lone surrogates, no NaN."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
            return hostile.loads(text)
        except UnicodeDecodeError:
            raise ParseError("The body is not valid UTF-8.") from None
        except hostile.HostileInput as error:
            raise ParseError(str(error)) from None
