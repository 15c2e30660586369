"""The AI content pipeline: captions and offer posters.

Entry points for views, tasks and commands (see services.py):
    caption_generate(*, product_name, ..., language, tone, platform, variants, provider=None) -> CaptionResult
    poster_render(*, product_image, spec=None | **PosterSpec fields, provider=None) -> PosterResult
    posters.render_poster(*, spec, photo) -> Drawing   (pure layout and drawing)

Providers live behind providers.registry.get_provider(name=None) (settings.AI_PROVIDER);
only providers/openai_provider.py imports the vendor SDK. Fonts the posters need are listed
in SYSTEM_PACKAGES (apt).
"""
