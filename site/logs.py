"""Logging pieces of the site."""

import logging


class WithoutTraceback(logging.Filter):
    """Keep the record's message, drop its traceback: for refusals that are expected."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True
