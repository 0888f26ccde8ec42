"""Use cases (用例): one function per thing a user does, called by the API, web, CLI and reports.

A service takes plain arguments (a :class:`~zeropark.store.scope.Scope` for who asks, ids, values)
and returns typed values (dataclasses of the core or of the service), never API schemas or
templates. So a figure is computed once and is the same through every door.
"""
