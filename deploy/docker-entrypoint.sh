#!/bin/sh
# The container image's entrypoint (deploy/Dockerfile).
#
# `run` (the default command) first brings the database schema up to date, so a new image
# migrates on start; a failed migration stops the container instead of running on an old schema.
# Migrations are safe to run from several replicas at once. A container is a service, never the
# console demo: without chat credentials `run --require-platform` exits with status 2 and one line
# saying which variables to set, instead of writing the demo into the production database. Any
# other arguments are a paperbot command, run as they are:
#   docker compose -f deploy/compose.yaml run --rm paperbot deliver --now
set -eu

if [ "$#" -eq 0 ]; then
    set -- run
fi
if [ "$1" = "run" ]; then
    paperbot migrate
    shift
    set -- run --require-platform "$@"
fi
# exec: paperbot replaces this shell as PID 1, so `docker stop`'s SIGTERM reaches it directly.
exec paperbot "$@"
