import os

from django.core.wsgi import get_wsgi_application

from badges_project.settings import DEFAULT

os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT)

application = get_wsgi_application()
