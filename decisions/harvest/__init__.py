"""Fetching meetings from municipalities' publishing sites (`manage.py harvest`): a polite HTTP
client (client.py) and one module per kind of site (firstagenda.py). No views."""
