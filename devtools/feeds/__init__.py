"""Local market-data feeds on 127.0.0.1 speaking the venues' wire formats, for tests and
demos: an Upstox V3 websocket sending protobuf frames, and a Kite ticker sending packets."""
