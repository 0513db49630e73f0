"""Safeguarding concerns: raised by anyone who works with a pupil, told to the DSLs at once, escalated when
nobody acknowledges them, and acted on and closed by a DSL. A concern is its own record, never a behaviour
incident, and is seen only by DSLs and by the person who raised it."""
