"""Upstox Market Data Feed V3: protobuf frames over one websocket per user."""
