"""Thin routes: a form in, a service call, a page (or a redirect) out."""
