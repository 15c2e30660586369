from .base import (  # noqa: F401
    LANGUAGES,
    TONES,
    AIProvider,
    CaptionRequest,
    CaptionResult,
    InvalidRequest,
    ProviderError,
    UnknownProvider,
    Usage,
)
from .registry import get_provider, provider_names  # noqa: F401
