#!/bin/sh
# The image's entrypoint: `nianbao ARGS`, with the database migrated first when ARGS is `run`
# (NIANBAO_MIGRATE=0 skips that). `exec` hands PID 1 to nianbao so that `docker stop`'s SIGTERM
# reaches the bot directly and it shuts down gracefully.
set -eu
if [ "${1:-}" = "run" ] && [ "${NIANBAO_MIGRATE:-1}" = "1" ]; then
    nianbao db upgrade
fi
exec nianbao "$@"
