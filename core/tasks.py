from celery import shared_task

from core.emails import send_email_now


@shared_task(
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    soft_time_limit=30,
    time_limit=60,
)
def send_email(self, *, template: str, context: dict, to: list[str], language: str) -> None:
    send_email_now(template=template, context=context, to=to, language=language)


@shared_task
def ping() -> str:
    return "pong"
