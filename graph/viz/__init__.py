"""Stage 5b, viz: NetworkX views and the offline HTML viewer.

The viewer's page, CSS and JS are real files under ``templates/``.
"""
