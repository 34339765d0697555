"""Storage: the database of organisations, members, reports and answers.

Every public function takes a SQLModel `Session` first and keyword-only arguments after it.
Functions that change data commit before they return, so an answer is durable the moment the
chat confirms it. Access rules live here too (see `storage.access`), so no caller can forget
them.
"""
