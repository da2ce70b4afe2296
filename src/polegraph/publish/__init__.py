"""Publication of a release: its DCAT-AP description (dcat.py) and data.gouv.fr's API (datagouv.py)."""
