"""Create a partner app and its first token from the shell.

The same as the admin's "add partner app" and "add token" pages, for
scripts and for partners trying the API on the demo shop. The token, and
the signing secret of a webhook subscription, are printed once and cannot
be read back later.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from catalog.partner.models import Partner
from shop.partners import services
from shop.partners.models import PartnerApp, Scope
from shop.webhooks.models import Event, WebhookSubscription


class Command(BaseCommand):
    help = "Create a partner app of the GraphQL API and print its token once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The app's name, e.g. 食堂采购平台.")
        parser.add_argument(
            "--kind",
            choices=PartnerApp.OrganisationKind.values,
            default=PartnerApp.OrganisationKind.PLATFORM,
            help="Kind of organisation (default platform).",
        )
        parser.add_argument(
            "--producer",
            help="Slug or credit code of the producer a cooperative's app acts for.",
        )
        parser.add_argument(
            "--scope",
            action="append",
            default=[],
            choices=Scope.values,
            help="A scope to grant; repeat for several.",
        )
        parser.add_argument(
            "--webhook", help="Also subscribe this URL to webhook events."
        )
        parser.add_argument(
            "--event",
            action="append",
            default=[],
            choices=Event.values,
            help="An event for --webhook; repeat for several (default all).",
        )

    def handle(self, *args, name, kind, producer, scope, webhook, event, **options):
        try:
            with transaction.atomic():
                app = services.app_create(
                    name=name,
                    organisation_kind=kind,
                    scopes=scope,
                    producer=self._producer(producer),
                )
                _, token = services.app_token_create(app=app, name="first token")
                subscription = self._subscribe(app, webhook, event)
        except ValidationError as error:
            raise CommandError(_describe(error)) from None

        self.stdout.write(f"app: {app.pk} {app.name} ({kind})")
        self.stdout.write(f"scopes: {', '.join(app.scopes) or '(catalogue only)'}")
        self.stdout.write(f"token: {token}")
        if subscription is not None:
            self.stdout.write(f"webhook: {subscription.target_url}")
            self.stdout.write(f"webhook secret: {subscription.secret}")
        self.stdout.write("Keep the token now: it is stored hashed and shown once.")

    def _producer(self, key: str | None) -> Partner | None:
        if not key:
            return None
        producer = (
            Partner.objects.filter(slug=key).first()
            or Partner.objects.filter(credit_code=key.upper()).first()
        )
        if producer is None:
            raise CommandError(f"--producer: no producer has the slug or code {key}.")
        return producer

    def _subscribe(self, app, url, events) -> WebhookSubscription | None:
        if not url:
            if events:
                raise CommandError("--event needs --webhook.")
            return None
        subscription = WebhookSubscription(
            app=app, target_url=url, events=events or list(Event.values)
        )
        subscription.full_clean()
        subscription.save()
        return subscription


def _describe(error: ValidationError) -> str:
    if not hasattr(error, "message_dict"):
        return " ".join(error.messages)
    return " ".join(
        f"{field}: {' '.join(messages)}"
        for field, messages in error.message_dict.items()
    )
