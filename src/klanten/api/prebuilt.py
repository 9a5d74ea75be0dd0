"""Serializer fields built once per serializer class and ``partial`` flag, not per request.

DRF gives every serializer instance a deep copy of its declared fields
(``Serializer.get_fields``), so that an instance may change its own fields; a nested
serializer is re-instantiated by that copy and copies its own fields in turn, and so on down
the tree: about 230 ``deepcopy`` calls and 35 field instantiations per klant create, the
largest layer of a write's Python work.

The serializers that take :class:`PrebuiltFields` never change their fields after building
them, and validating with a field changes nothing on it: DRF keeps a request's state on the
serializer *instance* (``initial_data``, ``_validated_data``, ``_errors``) and builds its
errors and values anew on every call. So one tree of fields per class and ``partial`` flag
serves every request, in every thread, built (completely, nested serializers and validators
included) under a lock the first time it is needed.

What a field reads from the serializer tree it is bound to while validating is its root's
``partial`` (on PATCH a missing value is skipped, not defaulted, nested fields included) and
its root's ``context``. The shared tree is bound to a template root of the same class with
the same ``partial`` and an empty context; an instance given a context of its own, or used
as a field of another serializer, builds its fields as DRF does. The serializer's own
methods (``to_internal_value``, ``validate``) still run on the request's instance, with its
``instance`` and ``partial``.
"""

import threading

from django.utils.functional import cached_property
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict

_trees: dict[tuple[type, bool], BindingDict] = {}
_lock = threading.RLock()  # an __init__ that reads its fields fails loudly, never hangs


def _build(serializer: serializers.Serializer) -> BindingDict:
    """DRF's own ``Serializer.fields``: copies of the declared fields, bound to it."""
    fields = BindingDict(serializer)
    for name, field in serializer.get_fields().items():
        fields[name] = field
    return fields


def _complete(field: serializers.Field) -> None:
    """Build what DRF builds lazily (a nested serializer's fields, the validators), so that
    nothing of a shared tree is written while requests use it."""
    field.validators  # noqa: B018
    if isinstance(field, serializers.Serializer):
        for child in field.fields.values():
            _complete(child)
    child = getattr(field, "child", None)
    if isinstance(child, serializers.Field):
        _complete(child)


def tree(cls: type[serializers.Serializer], partial: bool) -> BindingDict:
    """The shared fields of ``cls`` for requests with this ``partial``."""
    key = (cls, partial)
    fields = _trees.get(key)
    if fields is None:
        with _lock:
            fields = _trees.get(key)
            if fields is None:
                template = cls(partial=partial)
                fields = template.__dict__["fields"] = _build(template)
                for field in fields.values():
                    _complete(field)
                _trees[key] = fields
    return fields


# no docstring: drf-spectacular would describe every serializer of the schema with it
class PrebuiltFields:
    # mixin for a rest_framework Serializer whose fields are fixed by its class (see above)

    @cached_property
    def fields(self) -> BindingDict:
        if self.parent is not None or self._context:
            return _build(self)
        return tree(type(self), bool(self.partial))
