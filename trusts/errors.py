class DomainError(Exception):
    """A business rule refused an action. The message is written for the person who tried it.

    ``problems`` lists every unmet condition when there is more than one, so a page can show them all.
    """

    def __init__(self, message: str, *, problems: list[str] | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or [message]
        self.field = field
