#!/bin/sh
# After the ddnsd package is removed. systemd forgets the unit's file; a
# .deb purge (dpkg --purge) also deletes the state and log folders, while
# dpkg itself deletes /etc/ddns/config.toml, and /etc/ddns once empty. A
# plain removal keeps the config (a conffile) and the state.
set -e
systemd_run=/run/systemd/system
state=/var/lib/ddns
logs=/var/log/ddns

case "$1" in
	remove | purge | 0)
		if [ -d "$systemd_run" ]; then
			systemctl daemon-reload || true
		fi
		;;
esac
if [ "$1" = purge ]; then
	rm -rf "$state" "$logs"
fi
