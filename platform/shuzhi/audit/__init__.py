"""The audit trail: every change, hash-chained per tenant."""
