"""Chinese first: zh-hans unless the visitor chose another language."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Activate the language the visitor chose, else LANGUAGE_CODE.

    Django's LocaleMiddleware would follow the browser's Accept-Language and
    greet most foreign browsers in English; the shop serves Chinese first
    and switches only through the language selector (its cookie).
    """

    def process_request(self, request) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = dict(settings.LANGUAGES)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
