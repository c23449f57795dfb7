"""csat: reproducible analysis of questionnaire and customer-satisfaction surveys."""
from .params import ParamsError, StudyParams, load_params

__all__ = ["ParamsError", "StudyParams", "load_params"]
__version__ = "0.1.0"
