#!/bin/sh
# Before the ddnsd package is removed (.deb: remove; .rpm: 0) the unit is
# stopped and disabled; before an upgrade (.deb: upgrade; .rpm: 1) it keeps
# running until the new package's postinstall restarts it.
set -e
systemd_run=/run/systemd/system
unit=ddns-supervisor.service

case "$1" in
	remove | 0) ;;
	*) exit 0 ;;
esac
if [ -d "$systemd_run" ]; then
	systemctl disable --now "$unit" || true
fi
