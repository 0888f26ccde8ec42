"""Field gateway (采集网关, issue #19): DL/T 645, Modbus and OPC UA devices → the park's MQTT topics.

- :mod:`zeropark.gateway.dlt645`: the DL/T 645-2007 frame codec (pure).
- :mod:`zeropark.gateway.registers`: Modbus register maps as data, decoding (pure but for loading).
- :mod:`zeropark.gateway.config`: the gateway's YAML config.
- :mod:`zeropark.gateway.buffer`: the store-and-forward buffer (SQLite on disk).
- :mod:`zeropark.gateway.runner`: the asyncio poll loop and the MQTT publisher (``zeropark gateway``).
- :mod:`zeropark.gateway.opcua`: OPC UA devices (asyncua client, HistoryRead backfill).
- :mod:`zeropark.gateway.simulators`: DL/T 645 meters over TCP, a Modbus server and an OPC UA
  server (tests, benchmark).

The gateway publishes exactly what the MQTT ingester accepts: ``<prefix>/<park>/<meter>/reading``
with ``[{"ts": ISO-8601, "value": n, "unit": u}, …]``, QoS 1. It touches no database.
"""
