from django.apps import AppConfig


class RunsConfig(AppConfig):
    # django.contrib.sessions owns the label "sessions".
    name = "sessions"
    label = "runs"
    verbose_name = "Workshop runs"

    def ready(self) -> None:
        from sessions.domain import signins  # noqa: F401  (connects the signing-in receivers)
