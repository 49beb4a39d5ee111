"""Names shared by the plugin and the suites (no imports: safe before assertion rewriting)."""

__all__ = ["LIVE_OPTION"]

LIVE_OPTION = "linguafranca_live"
"""The ``config.getoption`` name of ``--live``."""
