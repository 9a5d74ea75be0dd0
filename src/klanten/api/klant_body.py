"""The Klant body's validation without the serializer (``klant_attrs``), for plain valid bodies.

``KlantSerializer`` validates a create's body with about 1,200 Python calls, most of them
DRF's per-field machinery: ``get_value``, ``validate_empty_values``, ``run_validation``, and
for every text field Django's ``MaxLengthValidator`` and the two "prohibit" validators called
through ``run_validators``; the identification is validated by a serializer of its own.

:func:`klant_attrs` gives exactly ``validated_data`` for a *plain* body with the same fields,
by a plan read once from the serializers' own (prebuilt, :mod:`klanten.api.prebuilt`) field
trees: which names, which are required, their defaults, their validators. A value is decided
here only where that is certain:

- a string for a text field (``CharField`` and its subclasses that only add validators, such as
  ``EmailField``, ``URLField``): trimmed, blank → ``""`` when allowed, its length against the
  field's own length validators, no NUL character; any other validator of the field (11-proef,
  e-mail, URL, A-nummer) is called itself; a string that is not ASCII is left to the field
  (the surrogate check);
- an ``int`` for an ``IntegerField`` between its bounds; a string among a ``ChoiceField``'s
  choices;
- a nested object (``adres``, ``verblijfsadres``, ...) by its serializer's plan, recursively;
- any other value by the field's own ``run_validation`` (the same field object the serializer
  uses).

The serializers' rules run as in ``KlantSerializer``: C8's ``validate_subject_type_change`` on
update, ``require_subject_type_for_identificatie`` and ``require_subject``
(:func:`~klanten.api.serializers.require_klant_subject`). A body that is not plain (a key the
serializer does not know, a value of another type than expected that the field refuses) or not
valid gives ``None``, and so does one whose subject URL is new or changed: its C7 check is an
outbound call, which the serializer makes (once). The caller then validates with the
serializer, so every error response is the serializer's own.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from rest_framework import serializers
from rest_framework.fields import ProhibitSurrogateCharactersValidator, SkipField, empty

from klanten.datamodel import rules

from . import prebuilt
from .serializers import (
    IDENTIFICATIE_SERIALIZERS,
    KlantSerializer,
    is_new_subject_url,
    require_klant_subject,
)

_SUBJECT_IDENTIFICATIE = "subject_identificatie"  # KlantSerializer.to_internal_value reads it
_INVALID = object()  # a value this module does not accept: the serializer decides
_REFUSED = (serializers.ValidationError, DjangoValidationError, SkipField)


def _by_field(field: serializers.Field, value):
    """The field's own validation of ``value`` (as the serializer runs it), or ``_INVALID``."""
    try:
        return field.run_validation(value)
    except _REFUSED:
        return _INVALID


class _Text:
    """A ``CharField`` (or a subclass that only adds validators) with its validators."""

    def __init__(self, field: serializers.CharField):
        self.field = field
        self.allow_blank = field.allow_blank
        self.max_length = None
        self.min_length = 0
        self.no_nul = False
        self.others = []
        for validator in field.validators:
            if type(validator) is MaxLengthValidator:
                self.max_length = validator.limit_value
            elif type(validator) is MinLengthValidator:
                self.min_length = validator.limit_value
            elif type(validator) is ProhibitNullCharactersValidator:
                self.no_nul = True
            elif type(validator) is ProhibitSurrogateCharactersValidator:
                pass  # an ASCII string has none; any other string goes to the field
            else:
                self.others.append(validator)

    @staticmethod
    def fits(field: serializers.Field) -> bool:
        cls = type(field)
        return (
            isinstance(field, serializers.CharField)
            and cls.run_validation is serializers.CharField.run_validation
            and cls.to_internal_value is serializers.CharField.to_internal_value
            and cls.validate_empty_values is serializers.Field.validate_empty_values
            and field.trim_whitespace
            and not any(getattr(v, "requires_context", False) for v in field.validators)
            and all(
                isinstance(v.limit_value, int)
                for v in field.validators
                if type(v) in (MaxLengthValidator, MinLengthValidator)
            )
        )

    def check(self, value):
        if type(value) is not str or not value.isascii():
            return _by_field(self.field, value)
        value = value.strip()
        if not value:
            return "" if self.allow_blank else _INVALID
        length = len(value)
        if length < self.min_length or (self.max_length is not None and length > self.max_length):
            return _INVALID
        if self.no_nul and "\x00" in value:
            return _INVALID
        try:
            for validator in self.others:
                validator(value)
        except _REFUSED:
            return _INVALID
        return value


class _Integer:
    """An ``IntegerField`` whose only validators are its two bounds."""

    def __init__(self, field: serializers.IntegerField):
        self.field = field
        [self.low] = [v.limit_value for v in field.validators if type(v) is MinValueValidator]
        [self.high] = [v.limit_value for v in field.validators if type(v) is MaxValueValidator]

    @staticmethod
    def fits(field: serializers.Field) -> bool:
        kinds = [type(v) for v in field.validators]
        return (
            type(field) is serializers.IntegerField
            and len(kinds) == 2
            and set(kinds) == {MinValueValidator, MaxValueValidator}
            and all(isinstance(v.limit_value, int) for v in field.validators)
        )

    def check(self, value):
        if type(value) is not int:
            return _by_field(self.field, value)
        return value if self.low <= value <= self.high else _INVALID


class _Choice:
    """A ``ChoiceField`` without validators of its own."""

    def __init__(self, field: serializers.ChoiceField):
        self.field = field
        self.allow_blank = field.allow_blank
        self.values = dict(field.choice_strings_to_values)

    @staticmethod
    def fits(field: serializers.Field) -> bool:
        return type(field) is serializers.ChoiceField and not field.validators

    def check(self, value):
        if type(value) is str:
            if value == "" and self.allow_blank:
                return ""
            if value in self.values:
                return self.values[value]
        return _by_field(self.field, value)


class _Other:
    """Any other field: its own ``run_validation``."""

    def __init__(self, field: serializers.Field):
        self.field = field

    def check(self, value):
        return _by_field(self.field, value)


class _Plan:
    """How to validate a plain object for a serializer's fields (its ``to_internal_value``,
    without the serializer): per writable field, in their order, the check of a value, whether
    it is required, its default, and what a null gives."""

    def __init__(self, fields, partial: bool, also: frozenset = frozenset()):
        self.partial = partial
        # read-only names too: the serializer ignores them; ``also``: read by the caller
        self.known = frozenset(fields) | also
        self.steps = []
        for name, field in fields.items():
            if field.read_only:
                continue
            default = field.default
            if field.source != name or getattr(default, "requires_context", False):
                raise ValueError(f"{name}: not a plain field")
            if type(field).validate_empty_values is serializers.Field.validate_empty_values:
                null = None if field.allow_null else _INVALID
            else:
                null = _by_field(field, None)
            self.steps.append((name, _check(field), field.required, default, null))

    def attrs(self, data) -> dict | None:
        if type(data) is not dict or not data.keys() <= self.known:
            return None
        attrs = {}
        for name, check, required, default, null in self.steps:
            value = data.get(name, empty)
            if value is empty:
                if self.partial:
                    continue
                if required:
                    return None
                if default is not empty:
                    attrs[name] = default() if callable(default) else default
                continue
            value = null if value is None else check(value)
            if value is _INVALID:
                return None
            attrs[name] = value
        return attrs


class _Nested:
    """A nested serializer as a field (``adres``, ``verblijfsadres``, ...): its plan."""

    def __init__(self, field: serializers.Serializer):
        self.plan = _Plan(field.fields, _root_partial(field))

    @staticmethod
    def fits(field: serializers.Field) -> bool:
        cls = type(field)
        return (
            isinstance(field, serializers.Serializer)
            and not isinstance(field, serializers.ListSerializer)
            and _plain_serializer(cls, field.fields)
            and not field.validators
        )

    def check(self, value):
        attrs = self.plan.attrs(value)
        return _INVALID if attrs is None else attrs


def _root_partial(field: serializers.Field) -> bool:
    return bool(getattr(field.root, "partial", False))


def _plain_serializer(cls: type, fields) -> bool:
    """Validation is DRF's own: no ``to_internal_value``, ``validate`` or ``validate_<field>``
    of the serializer itself."""
    return (
        cls.to_internal_value is serializers.Serializer.to_internal_value
        and cls.validate is serializers.Serializer.validate
        and cls.run_validation is serializers.Serializer.run_validation
        and not any(hasattr(cls, f"validate_{name}") for name in fields)
    )


def _check(field: serializers.Field):
    for kind in (_Text, _Integer, _Choice, _Nested):
        if kind.fits(field):
            return kind(field).check
    return _Other(field).check


# the plans, per serializer class and ``partial``, made from the prebuilt field trees; None:
# the serializer is not plain (a rule of its own this module does not repeat), so every body
# goes through it (``tests/test_klant_body.py`` fails then: valid bodies must take the plan)
_plans: dict[tuple[type, bool], _Plan | None] = {}


def _plan(cls: type[serializers.Serializer], partial: bool) -> _Plan | None:
    key = (cls, partial)
    if key not in _plans:  # made twice by two threads at worst: the same plan
        try:
            _plans[key] = _maak_plan(cls, partial)
        except ValueError:
            _plans[key] = None
    return _plans[key]


def _maak_plan(cls: type[serializers.Serializer], partial: bool) -> _Plan:
    fields = prebuilt.tree(cls, partial)
    template = fields.serializer
    if cls is not KlantSerializer and not _plain_serializer(cls, fields):
        raise ValueError(f"{cls.__name__}: not a plain serializer")
    if template.validators:
        raise ValueError(f"{cls.__name__}: validators of its own")
    also = frozenset({_SUBJECT_IDENTIFICATIE}) if cls is KlantSerializer else frozenset()
    return _Plan(fields, partial, also)


def klant_attrs(data, instance, partial: bool) -> dict | None:
    """``KlantSerializer(instance, data=data, partial=partial).validated_data`` for a plain
    valid body, or ``None`` (see the module's docstring): validate with the serializer then."""
    plan = _plan(KlantSerializer, partial)
    attrs = plan.attrs(data) if plan is not None else None
    if attrs is None:
        return None
    identificatie = data.get(_SUBJECT_IDENTIFICATIE, empty)

    # KlantSerializer.to_internal_value
    if "subject_type" in attrs:
        subject_type = attrs["subject_type"]
    else:
        subject_type = instance.subject_type if instance is not None else None
    if instance is not None and "subject_type" in data:
        try:
            rules.validate_subject_type_change(instance.subject_type, subject_type)
        except rules.RuleViolation:
            return None
    if identificatie is not empty:
        if identificatie is None:
            attrs[_SUBJECT_IDENTIFICATIE] = None
        else:
            if subject_type not in IDENTIFICATIE_SERIALIZERS:
                return None  # rules.require_subject_type_for_identificatie refuses it
            plan = _plan(IDENTIFICATIE_SERIALIZERS[subject_type], partial)
            if plan is None:
                return None
            identificatie = plan.attrs(identificatie)
            if identificatie is None:
                return None
            attrs[_SUBJECT_IDENTIFICATIE] = identificatie

    # KlantSerializer.validate
    try:
        subject = require_klant_subject(attrs, instance, partial)
    except rules.RuleViolation:
        return None
    if is_new_subject_url(subject, instance):
        return None  # C7: the serializer calls the subject URL
    return attrs
