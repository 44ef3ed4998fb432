#!/bin/sh
# Add or update a broker user in deploy/mosquitto/passwd (hashed; kept out of git).
#
#   deploy/mosquitto/add-rig.sh R01           a rig: user name = rig id, new random password
#   deploy/mosquitto/add-rig.sh R01 PASSWORD  a rig with a password of your choice
#   deploy/mosquitto/add-rig.sh --ingest      the ingesters' user, password MQTT_INGEST_PASSWORD
#                                             from the environment or ./.env
#
# Then restart the broker so it reads the file: docker compose restart mosquitto
# Uses mosquitto_passwd when it is on PATH, else the one in the eclipse-mosquitto image.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
file=${PILEWATCH_MQTT_PASSWD_FILE:-$here/passwd}
image=${MOSQUITTO_IMAGE:-eclipse-mosquitto:2}

usage() {
    echo "usage: $0 RIG_ID [PASSWORD] | $0 --ingest" >&2
    exit 2
}

[ $# -ge 1 ] || usage
if [ "$1" = "--ingest" ]; then
    user=ingest
    password=${MQTT_INGEST_PASSWORD:-}
    if [ -z "$password" ] && [ -f "$here/../../.env" ]; then
        password=$(sed -n 's/^MQTT_INGEST_PASSWORD=//p' "$here/../../.env" | tail -n 1)
    fi
    [ -n "$password" ] || { echo "set MQTT_INGEST_PASSWORD in .env first" >&2; exit 1; }
    generated=no
else
    user=$1
    # Rig ids of the MQTT contract; `ingest` is the ingesters' user, not a rig.
    if ! printf '%s' "$user" | grep -Eq '^[A-Za-z0-9_-]{1,64}$' || [ "$user" = ingest ]; then
        echo "rig id '$user' must match [A-Za-z0-9_-]{1,64} and not be 'ingest'" >&2
        exit 1
    fi
    if [ $# -ge 2 ]; then
        password=$2
        generated=no
    else
        password=$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')
        generated=yes
    fi
fi

[ -f "$file" ] || { : > "$file"; }
chmod 600 "$file"
if command -v mosquitto_passwd > /dev/null 2>&1; then
    mosquitto_passwd -b "$file" "$user" "$password"
else
    dir=$(cd "$(dirname "$file")" && pwd)
    docker run --rm --user "$(id -u):$(id -g)" -v "$dir:/work" "$image" \
        mosquitto_passwd -b "/work/$(basename "$file")" "$user" "$password"
fi
echo "user $user written to $file"
if [ "$generated" = yes ]; then
    # Shown once: configure it on the rig (MQTT user name $user).
    echo "password: $password"
fi
