#!/usr/bin/env bash
# Debian's nginx for the front of `python -m qjgov.serve --replicas N` and tests/test_front.py.
# The front runs its own nginx from a generated config, so the service the package would start
# (a root nginx on port 80) is kept from starting while it installs.
# Idempotent: does nothing when nginx is installed. Needs root (CI runs as root).
set -euo pipefail

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
    echo "nginx is installed: $(/usr/sbin/nginx -v 2>&1 || nginx -v 2>&1)"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
# Debian 12 and later ship the server itself as `nginx`; older releases as `nginx-light`
# (the smallest build that proxies websockets and hashes upstreams).
package=nginx
if ! apt-cache policy nginx | grep 'Candidate: [0-9]' >/dev/null; then
    package=nginx-light
fi
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y --no-install-recommends "$package"
/usr/sbin/nginx -v
