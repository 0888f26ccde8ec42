#!/usr/bin/env bash
# Start the real services the tests use, if they are down: PostgreSQL 127.0.0.1:5432, Mosquitto :1883.
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
for i in $(seq 1 30); do up 5432 && up 1883 && exit 0; sleep 1; done
echo "warning: PostgreSQL or Mosquitto still not reachable" >&2
