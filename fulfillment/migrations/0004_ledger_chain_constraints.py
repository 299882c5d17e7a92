from django.db import migrations, models


class Migration(migrations.Migration):
    """Every entry now has its place in the chain: make it required and unique."""

    dependencies = [
        ("fulfillment", "0003_chain_existing_entries"),
    ]

    operations = [
        migrations.AlterField(
            model_name="attributionentry",
            name="sequence",
            field=models.PositiveBigIntegerField(editable=False, unique=True, verbose_name="sequence"),
        ),
        migrations.AddConstraint(
            model_name="attributionentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "sale"), ("reverses__isnull", True)),
                    models.Q(("amount__lt", 0), ("kind", "reversal"), ("reverses__isnull", False)),
                    _connector="OR",
                ),
                name="attribution_kind_sign_reverses",
            ),
        ),
    ]
