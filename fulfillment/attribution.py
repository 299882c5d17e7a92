"""Attribute each order line to the registry households it benefits.

DESIGN.md §3: one entry per line per household, written in the transaction
that places the order, summing exactly to what was paid for the line after
discounts. Entries for an uncertified product or an ineligible household are
kept but not counted, with the reason.
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from catalog.models import BenefitLink, Certificate, Household
from fulfillment.ledger import append_entries
from fulfillment.models import AttributionEntry
from fulfillment.splitting import split_by_weight

logger = logging.getLogger(__name__)

Reason = AttributionEntry.NotCountedReason


@dataclass(frozen=True)
class Beneficiary:
    household: Household
    weight: Decimal
    link_type: str


def beneficiaries_for(
    product, day: datetime.date, *, links: dict | None = None
) -> list[Beneficiary]:
    """Return who benefits from a sale of product on day, by registry no.

    links, from active_links(), saves a query per product when many
    products are attributed together.
    """
    if product.benefit_rule == product.BenefitRule.DIRECT:
        if product.beneficiary is None:
            return []
        return [Beneficiary(product.beneficiary, Decimal("1"), "")]
    if links is None:
        links = active_links([product.producer_id], day)
    return links.get(product.producer_id, [])


def active_links(producer_ids, day: datetime.date) -> dict[int, list[Beneficiary]]:
    """Return the producers' links active on day, each by registry number."""
    links = (
        BenefitLink.objects.filter(producer_id__in=set(producer_ids))
        .select_related("household__village")
        .order_by("household__registry_number", "pk")
    )
    found: dict[int, list[Beneficiary]] = {}
    for link in links:
        if link.is_active_on(day):
            beneficiary = Beneficiary(link.household, link.weight, link.link_type)
            found.setdefault(link.producer_id, []).append(beneficiary)
    return found


def certificate_for(product, day: datetime.date) -> tuple[Certificate | None, str]:
    """Return the product's certificate for day and why it would not count.

    A certificate valid on day wins with an empty reason; otherwise the most
    recent one is returned with CERTIFICATE_NOT_VALID, or None with
    UNCERTIFIED when the product has none.
    """
    certificates = list(product.certificates.all())
    for certificate in certificates:
        if certificate.is_valid_on(day):
            return certificate, Reason.COUNTED
    if certificates:
        return certificates[0], Reason.CERTIFICATE_NOT_VALID
    return None, Reason.UNCERTIFIED


def _reason(certificate_reason: str, household: Household) -> str:
    eligible = household.is_eligible()
    if certificate_reason and not eligible:
        return Reason.CERTIFICATE_AND_HOUSEHOLD
    if certificate_reason:
        return certificate_reason
    return Reason.COUNTED if eligible else Reason.HOUSEHOLD_INELIGIBLE


def _line_entries(
    order, line, day: datetime.date, links: dict
) -> list[AttributionEntry]:
    product = line.product
    beneficiaries = beneficiaries_for(product, day, links=links)
    if not beneficiaries:
        logger.warning(
            "line has no beneficiary order=%s line=%s product=%s",
            order.number,
            line.pk,
            product.pk,
        )
        return []
    amounts = split_by_weight(
        line.line_price_incl_tax,
        [b.weight for b in beneficiaries],
        [b.household.registry_number for b in beneficiaries],
    )
    certificate, certificate_reason = certificate_for(product, day)
    return [
        AttributionEntry(
            order=order,
            line=line,
            household=b.household,
            amount=amount,
            weight=b.weight,
            rule=product.benefit_rule,
            registry_number=b.household.registry_number,
            village_code=b.household.village.code,
            county_code=b.household.village.code[:6],
            producer_id=product.producer_id,
            producer_name=product.producer.name,
            link_type=b.link_type,
            certificate_id_snapshot=certificate.pk if certificate else None,
            certificate_number=certificate.document_number if certificate else "",
            certificate_valid_from=certificate.valid_from if certificate else None,
            certificate_valid_until=certificate.valid_until if certificate else None,
            is_counted=not _reason(certificate_reason, b.household),
            not_counted_reason=_reason(certificate_reason, b.household),
        )
        for b, amount in zip(beneficiaries, amounts, strict=True)
    ]


def attribute_order(*, order) -> list[AttributionEntry]:
    """Write the attribution entries of every line of a freshly placed order.

    Must run inside the transaction that places the order, so that an order
    never exists without its entries. Lines whose product has no beneficiary
    get no entry and are logged.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("attribute_order must run inside the order transaction")
    day = timezone.localdate(order.date_placed)
    lines = list(
        order.lines.exclude(product=None)
        .select_related("product__producer", "product__beneficiary__village")
        .prefetch_related("product__certificates")
    )
    links = active_links([line.product.producer_id for line in lines], day)
    entries = []
    for line in lines:
        entries.extend(_line_entries(order, line, day, links))
    append_entries(entries)
    logger.info("order attributed order=%s entries=%d", order.number, len(entries))
    return entries
