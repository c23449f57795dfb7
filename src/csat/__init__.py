"""csat: reproducible analysis of questionnaire and customer-satisfaction surveys."""
__all__ = ["ParamsError", "StudyParams", "load_params"]


def __getattr__(name: str):
    # imported on first use, so that `import csat.build` (every stage's driver) does not load pydantic
    if name in __all__:
        from . import params

        return getattr(params, name)
    raise AttributeError(f"module 'csat' has no attribute {name!r}")
__version__ = "0.1.0"
