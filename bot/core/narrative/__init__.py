"""The narrative sections read against the tables, last year's report and other offices' texts,
and the figures of the overview drafted from the tables.

`figures` finds the figures a sentence states, `checks` turns them (and the year, copied text,
plausibility) into findings, `drafting` writes the paragraphs the tables support.
"""
