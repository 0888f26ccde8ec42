"""Read models (查询): the one place that knows the SQL of each resource the pages and the API show.

Every function takes the caller's :class:`~zeropark.store.scope.Scope` (or is documented as
tenant-neutral), so what an enterprise user gets is decided here, on the server, once: lists are
filtered in SQL, one row by id outside the scope answers :class:`~zeropark.errors.NotFound`
after an audit record. Results are small typed values, never API schemas or templates.
"""
