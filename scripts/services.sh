#!/usr/bin/env bash
# Start the real services the tests use, if they are down: PostgreSQL 127.0.0.1:5432, Mosquitto :1883,
# NATS with JetStream :4222.
set -u
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! up 5432; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! up 1883; then
  echo "starting Mosquitto"
  mosquitto -d -c /etc/mosquitto/mosquitto.conf || mosquitto -d || true
fi
if ! up 4222 && command -v nats-server >/dev/null; then
  echo "starting NATS (JetStream)"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
fi
for i in $(seq 1 30); do up 5432 && up 1883 && { up 4222 || ! command -v nats-server >/dev/null; } && exit 0; sleep 1; done
echo "warning: PostgreSQL, Mosquitto or NATS still not reachable" >&2
