"""The ``trace`` decorator: one span around each call of a function, coroutine or generator."""
import functools

from ._native import _activate, _check_span_options, restore_context, start_span


def trace(name=None, *, kind="internal", attributes=None):
    """Wraps a sync function, generator, coroutine function or async generator in a span.

    Usable bare (``@trace``) or called (``@trace("name", kind="server")``). The span name
    defaults to the function's qualified name. Exceptions are recorded and re-raised. A
    generator's span lasts from its first step to its end (or close), and is current only
    while the generator itself runs, never in the code consuming it.
    """
    if callable(name):  # bare @trace
        return _decorate(name, None, kind, attributes)

    def decorator(func):
        return _decorate(func, name, kind, attributes)

    return decorator


def _record_failure(span, exc):
    span.record_exception(exc, escaped=True)
    try:
        description = f"{type(exc).__name__}: {exc}"
    except Exception:  # an exception whose __str__ fails still marks the span failed
        description = type(exc).__name__
    span.set_status("error", description)


def _decorate(func, name, kind, attributes):
    span_name = name if name is not None else func.__qualname__
    # Bad kind or attributes fail at decoration time, not on the first call.
    _check_span_options(kind, attributes)
    # inspect costs milliseconds to import: paid on the first decoration, not by `import pytracingx`.
    import inspect

    if inspect.isasyncgenfunction(func):

        @functools.wraps(func)
        async def async_gen_wrapper(*args, **kwargs):
            span = start_span(span_name, attributes=attributes, kind=kind)
            agen = func(*args, **kwargs)
            value, error = None, None
            try:
                while True:
                    token = _activate(span)
                    try:
                        item = await (agen.athrow(error) if error is not None else agen.asend(value))
                    except StopAsyncIteration:
                        return
                    finally:
                        restore_context(token)
                        error = None
                    try:
                        value = yield item
                    except GeneratorExit:
                        await agen.aclose()
                        raise
                    except BaseException as exc:  # thrown in by the consumer: pass it on
                        error, value = exc, None
            except GeneratorExit:
                raise  # closed early by the consumer: not a failure
            except BaseException as exc:
                _record_failure(span, exc)
                raise
            finally:
                span.end()

        return async_gen_wrapper

    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def coro_wrapper(*args, **kwargs):
            with start_span(span_name, attributes=attributes, kind=kind):
                return await func(*args, **kwargs)

        return coro_wrapper

    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def gen_wrapper(*args, **kwargs):
            span = start_span(span_name, attributes=attributes, kind=kind)
            gen = func(*args, **kwargs)
            value, error = None, None
            try:
                while True:
                    token = _activate(span)
                    try:
                        item = gen.throw(error) if error is not None else gen.send(value)
                    except StopIteration as stop:
                        return stop.value
                    finally:
                        restore_context(token)
                        error = None
                    try:
                        value = yield item
                    except GeneratorExit:
                        gen.close()
                        raise
                    except BaseException as exc:
                        error, value = exc, None
            except GeneratorExit:
                raise
            except BaseException as exc:
                _record_failure(span, exc)
                raise
            finally:
                span.end()

        return gen_wrapper

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with start_span(span_name, attributes=attributes, kind=kind):
            return func(*args, **kwargs)

    return wrapper
