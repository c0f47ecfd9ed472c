"""Reports people read: self-contained HTML pages (charts by bokeh, its JS inlined)."""
