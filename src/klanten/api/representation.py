"""Markers for response bodies whose keys are camelCase already (the klant representation
itself is ``klanten.datamodel.representation``)."""


class CamelCaseData(dict):
    """A response body whose keys are camelCase already: the renderer leaves it alone."""


class CamelCaseList(list):
    """A list counterpart of :class:`CamelCaseData`."""


class JSONText(str):
    """A response body that is JSON text already (built by PostgreSQL, ``api.readsql``): the
    renderer encodes it and escapes U+2028/U+2029 as for any other body."""
