"""seqlab as an LTI 1.3 / LTI Advantage tool, on pylti1p3: the platforms it trusts and its key
pair (registry), pylti1p3 on FastAPI (adapter), what a launch's claims mean (claims), the
accounts and links a launch makes (accounts), and scores sent back with AGS (outbox). The
routes are graders/web/routes/lti.py; the tables graders/web/lti/tables.py."""
