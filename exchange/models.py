"""Imports every model module so the metadata is complete (Alembic, create_all, tests).

Add a line here when a feature module gains models.
"""

from exchange import audit, outbox  # noqa: F401
from exchange.accounts import models as accounts_models  # noqa: F401
from exchange.classifiers import models as classifiers_models  # noqa: F401
from exchange.db import Base
from exchange.employment import models as employment_models  # noqa: F401
from exchange.organisations import models as organisations_models  # noqa: F401
from exchange.resumes import models as resumes_models  # noqa: F401
from exchange.seekers import models as seekers_models  # noqa: F401
from exchange.vacancies import models as vacancies_models  # noqa: F401

metadata = Base.metadata
