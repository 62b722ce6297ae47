"""Presenters: turn analyses into tables, CSV, JSON and Markdown.  They never compute costs."""
