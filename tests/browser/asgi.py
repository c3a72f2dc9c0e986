"""The ASGI application the browser tests serve: WYA!?'s own, plus static files (as
``manage.py runserver`` does in DEBUG), so pages load messaging/static/messaging/live.js."""

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from wya.asgi import application as wya_application

application = ASGIStaticFilesHandler(wya_application)
