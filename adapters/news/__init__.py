"""News and filings pollers: RSS/Atom feeds and NSE corporate announcements."""
