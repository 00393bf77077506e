"""Imports every model module so the metadata is complete (Alembic, create_all, tests).

Add a line here when a feature module gains models.
"""

from exchange import audit, outbox  # noqa: F401
from exchange.accounts import models as accounts_models  # noqa: F401
from exchange.api import models as api_models  # noqa: F401
from exchange.applications import models as applications_models  # noqa: F401
from exchange.classifiers import models as classifiers_models  # noqa: F401
from exchange.db import Base
from exchange.employment import models as employment_models  # noqa: F401
from exchange.forecasts import models as forecasts_models  # noqa: F401
from exchange.indicators import models as indicators_models  # noqa: F401
from exchange.layoffs import models as layoffs_models  # noqa: F401
from exchange.notifications import models as notifications_models  # noqa: F401
from exchange.organisations import models as organisations_models  # noqa: F401
from exchange.pension import models as pension_models  # noqa: F401
from exchange.resumes import expiry as resumes_expiry  # noqa: F401
from exchange.resumes import models as resumes_models  # noqa: F401
from exchange.seekers import models as seekers_models  # noqa: F401
from exchange.subscriptions import models as subscriptions_models  # noqa: F401
from exchange.training import models as training_models  # noqa: F401
from exchange.vacancies import models as vacancies_models  # noqa: F401
from search import models as search_models  # noqa: F401

metadata = Base.metadata
