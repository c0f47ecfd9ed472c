"""Thin request handlers: parse (done by the route), then query or command, then answer."""
