"""Kite Connect ticker: binary packets over a websocket, prices in paise."""
