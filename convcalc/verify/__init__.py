"""Numeric check: the spec built as real torch.nn modules. Imports torch lazily, and only here."""
