"""The standard-library logging bridge: records logged through ``logging`` go to pytracingx's
log pipelines (OTLP and SLS sinks) with the ids of the current span.

    import logging, pytracingx.logging
    pytracingx.logging.install(logging.INFO)
    logging.getLogger("shop").warning("low stock", extra={"sku": "A1"})
"""
import logging as _logging
import threading as _threading
import traceback as _traceback

from ._native import emit_log_record as _emit
from ._native import emit_std_record as _emit_std

__all__ = ["SLSLoggingHandler", "install"]

# logging level -> (severity number, severity text), highest first.
_SEVERITIES = (
    (_logging.CRITICAL, 21, "FATAL"),
    (_logging.ERROR, 17, "ERROR"),
    (_logging.WARNING, 13, "WARN"),
    (_logging.INFO, 9, "INFO"),
    (_logging.DEBUG, 5, "DEBUG"),
)

# Attributes every LogRecord has; whatever else is on a record came from `extra=`.
_FRESH_RECORD_FIELDS = vars(_logging.LogRecord("", 0, "", 0, "", (), None))
_STANDARD = frozenset(_FRESH_RECORD_FIELDS) | {"message", "asctime"}
# A record whose __dict__ holds no more entries than a fresh one has no `extra=` fields.
_STANDARD_COUNT = len(_FRESH_RECORD_FIELDS)
_PRIMITIVE = (str, bool, int, float)


def _severity_for(levelno):
    """(severity_number, severity_text) for a logging level; custom levels fall to the one below."""
    for level, number, text in _SEVERITIES:
        if levelno >= level:
            return number, text
    return 1, "TRACE"


# The standard levels, looked up once per record instead of walking _SEVERITIES.
_SEVERITY_OF_LEVEL = {level: (number, text) for level, number, text in _SEVERITIES}


class SLSLoggingHandler(_logging.Handler):
    """A logging.Handler that forwards records into the log pipelines without blocking.

    It never raises into the application: a record that cannot be converted is dropped.
    """

    def __init__(self, level=_logging.NOTSET):
        super().__init__(level)

    def handle(self, record):
        """Filters, then emits without taking the handler's lock.

        logging.Handler.handle serialises emit() under self.lock, which only protects handlers
        that write to a shared stream. This emit only hands the record to the native pipelines,
        which are thread-safe; the lock would make application threads that log at once queue
        behind each other (and, under the GIL, convoy on every switch)."""
        rv = self.filter(record)
        if isinstance(rv, _logging.LogRecord):  # Python 3.12+: a filter may return a replacement
            record = rv
        if rv:
            self.emit(record)
        return rv

    def emit(self, record):
        try:
            # Natively, unless the record carries an exception: that path is the one below.
            if _emit_std(record, _STANDARD, _STANDARD_COUNT):
                return
            levelno = record.levelno
            severity = _SEVERITY_OF_LEVEL.get(levelno)
            number, text = severity if severity is not None else _severity_for(levelno)
            attributes = {
                "logger.name": record.name,
                "code.filepath": record.pathname,
                "code.function": record.funcName,
                "code.lineno": record.lineno,
                "thread.id": record.thread,
                "thread.name": record.threadName,
                "process.pid": record.process,
            }
            if record.exc_info and record.exc_info[1] is not None:
                exc_type, exc, tb = record.exc_info
                attributes["exception.type"] = exc_type.__qualname__
                try:
                    attributes["exception.message"] = str(exc)
                except Exception:
                    attributes["exception.message"] = f"<unprintable {exc_type.__name__}>"
                attributes["exception.stacktrace"] = "".join(_traceback.format_exception(exc_type, exc, tb))
            fields = record.__dict__
            extra = fields.keys() - _STANDARD  # usually empty: one set operation, no Python loop
            if extra:
                for key, value in fields.items():  # in the order `extra=` gave them
                    if key in extra and isinstance(value, _PRIMITIVE) and not key.startswith("_"):
                        attributes[key] = value
            _emit(record.name, record.getMessage(), severity_number=number, severity_text=text,
                  attributes=attributes, timestamp_ns=int(record.created * 1e9))
        except Exception:  # never into the application
            pass


_install_lock = _threading.Lock()


def install(level=_logging.INFO, logger=None):
    """Attaches an SLSLoggingHandler to `logger` (the root logger by default) and lowers the
    logger's level to `level` if needed. Idempotent: returns the handler already attached."""
    target = logger if logger is not None else _logging.getLogger()
    with _install_lock:
        for handler in target.handlers:
            if isinstance(handler, SLSLoggingHandler):
                handler.setLevel(level)
                return handler
        handler = SLSLoggingHandler(level)
        target.addHandler(handler)
        if target.level == _logging.NOTSET or target.level > level:
            target.setLevel(level)
        return handler
