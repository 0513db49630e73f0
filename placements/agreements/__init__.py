"""Agreements of a placement: the service level agreement and the off-site direction notice, each frozen
as data inside its transaction and rendered to PDF (``documents``) once it has committed."""
