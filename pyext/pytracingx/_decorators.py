"""The ``trace`` decorator: one span around each call of a function, coroutine or generator."""
import functools
import inspect

from ._native import _check_span_options, start_span


def trace(name=None, *, kind="internal", attributes=None):
    """Wraps a sync function, generator, coroutine function or async generator in a span.

    Usable bare (``@trace``) or called (``@trace("name", kind="server")``). The span name
    defaults to the function's qualified name. Exceptions are recorded and re-raised.
    """
    if callable(name):  # bare @trace
        return _decorate(name, None, kind, attributes)

    def decorator(func):
        return _decorate(func, name, kind, attributes)

    return decorator


def _decorate(func, name, kind, attributes):
    span_name = name if name is not None else func.__qualname__
    # Bad kind or attributes fail at decoration time, not on the first call.
    _check_span_options(kind, attributes)

    if inspect.isasyncgenfunction(func):

        @functools.wraps(func)
        async def async_gen_wrapper(*args, **kwargs):
            with start_span(span_name, attributes=attributes, kind=kind):
                async for item in func(*args, **kwargs):
                    yield item

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
            with start_span(span_name, attributes=attributes, kind=kind):
                return (yield from func(*args, **kwargs))

        return gen_wrapper

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with start_span(span_name, attributes=attributes, kind=kind):
            return func(*args, **kwargs)

    return wrapper
