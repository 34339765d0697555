"""The form engine: report kinds as data, value parsing, checks and the Word report.

Nothing here knows about Telegram, the terminal or the database: every front end drives the
same engine.
"""
