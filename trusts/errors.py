class DomainError(Exception):
    """A business rule refused an action. The message is written for the person who tried it.

    ``problems`` lists every unmet condition when there is more than one, so a page can show them all.
    """

    def __init__(self, message: str, *, problems: list[str] | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or [message]
        self.field = field


def validation_problems(error, *, name_fields: bool = False) -> list[str]:
    """The messages of a Django ValidationError as a flat list, optionally each prefixed with its field."""
    if hasattr(error, "message_dict"):
        if name_fields:
            return [f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()]
        return [message for messages in error.message_dict.values() for message in messages]
    return list(error.messages)
