"""E-mail alerts: follow a search, a case, a person or a committee.

targets:       what a subscription follows, read from a form and described in Danish
subscriptions: subscribe (double opt-in), confirm, change, end; signed links; rate limits
news:          what is new for one subscription since it last looked (the page's own semantics)
mail:          the e-mails (Danish, plain text and HTML, RFC 8058 unsubscribe headers)
sending:       `manage.py send_alerts`: who is due, one e-mail each, retries after a failure
"""
