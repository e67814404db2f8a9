"""The frontend's two exceptions."""


class FrontendError(ValueError):
    """A model braze cannot import; the message is one line naming the problem."""


class ConversionError(Exception):
    """A problem with the node being imported.

    Raised by converters and the helpers they call; the importer turns it into
    a FrontendError prefixed with the node's name and op type.
    """
