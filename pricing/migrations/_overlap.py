"""The SQL that forbids overlapping price periods (0002), kept in one place: SQLite loses its triggers whenever
a migration rebuilds the table, and later migrations put them back."""

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE pricing_priceperiod ADD CONSTRAINT price_periods_do_not_overlap
       EXCLUDE USING gist (offering_id WITH =, component WITH =, tier WITH =, mode WITH =,
                           tstzrange(valid_from, valid_to, '[)') WITH &&)""",
]
POSTGRES_BACKWARD = ["ALTER TABLE pricing_priceperiod DROP CONSTRAINT price_periods_do_not_overlap"]

_OVERLAP = """
    EXISTS (SELECT 1 FROM pricing_priceperiod p
            WHERE p.offering_id = NEW.offering_id AND p.component = NEW.component
              AND p.tier = NEW.tier AND p.mode = NEW.mode {exclude_self}
              AND (NEW.valid_to IS NULL OR p.valid_from < NEW.valid_to)
              AND (p.valid_to IS NULL OR NEW.valid_from < p.valid_to))
"""
SQLITE_FORWARD = [
    f"""CREATE TRIGGER price_periods_do_not_overlap_on_insert BEFORE INSERT ON pricing_priceperiod
        WHEN {_OVERLAP.format(exclude_self="")}
        BEGIN SELECT RAISE(ABORT, 'price periods of the same key must not overlap'); END""",
    f"""CREATE TRIGGER price_periods_do_not_overlap_on_update BEFORE UPDATE ON pricing_priceperiod
        WHEN {_OVERLAP.format(exclude_self="AND p.id <> NEW.id")}
        BEGIN SELECT RAISE(ABORT, 'price periods of the same key must not overlap'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER price_periods_do_not_overlap_on_insert",
    "DROP TRIGGER price_periods_do_not_overlap_on_update",
]


def run_for_vendor(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run
