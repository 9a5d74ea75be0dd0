"""Markers for response bodies whose keys are camelCase already (the klant representation
itself is ``klanten.datamodel.representation``)."""


class CamelCaseData(dict):
    """A response body whose keys are camelCase already: the renderer leaves it alone."""


class CamelCaseList(list):
    """A list counterpart of :class:`CamelCaseData`."""
