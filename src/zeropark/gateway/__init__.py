"""Field gateway (采集网关, issue #19): DL/T 645-2007 meters, Modbus devices → the park's MQTT topics.

- :mod:`zeropark.gateway.dlt645`: the DL/T 645-2007 frame codec (pure).
- :mod:`zeropark.gateway.registers`: Modbus register maps as data, decoding (pure but for loading).
- :mod:`zeropark.gateway.config`: the gateway's YAML config.
- :mod:`zeropark.gateway.buffer`: the store-and-forward buffer (SQLite on disk).
- :mod:`zeropark.gateway.runner`: the asyncio poll loop and the MQTT publisher (``zeropark gateway``).
- :mod:`zeropark.gateway.simulators`: a DL/T 645 meter over TCP and a Modbus server (tests, benchmark).

The gateway publishes exactly what the MQTT ingester accepts: ``<prefix>/<park>/<meter>/reading``
with ``[{"ts": ISO-8601, "value": n, "unit": u}, …]``, QoS 1. It touches no database.
"""
