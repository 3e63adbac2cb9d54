#!/bin/sh
# After the ddnsd package is installed or upgraded (.deb: configure [OLD];
# .rpm: 1 for an install, 2 for an upgrade). A first install enables and
# starts the supervisor's unit; an upgrade restarts it if it runs, so the new
# binaries take over, and leaves a unit someone disabled disabled. Where
# systemd is not running (a container, a chroot) nothing is started.
set -e
systemd_run=/run/systemd/system
unit=ddns-supervisor.service

first=
case "$1" in
	configure) [ -n "$2" ] || first=1 ;;
	1) first=1 ;;
	2) ;;
	*) exit 0 ;; # abort-upgrade, abort-remove and the like: nothing changed
esac

if [ ! -d "$systemd_run" ]; then
	echo "ddnsd: systemd is not running here; start the supervisor yourself: ddnsd-supervisor run" >&2
	exit 0
fi
systemctl daemon-reload || true
if [ -n "$first" ]; then
	if ! systemctl enable --now "$unit"; then
		echo "ddnsd: $unit did not start; see: systemctl status $unit" >&2
		exit 0
	fi
	echo "ddnsd: $unit is enabled and running on /etc/ddns/config.toml (as packaged, a dry run that changes nothing: edit it to go live; examples in /usr/share/doc/ddnsd/examples/)" >&2
elif systemctl is-enabled --quiet "$unit"; then
	systemctl try-restart "$unit" || echo "ddnsd: $unit did not restart; see: systemctl status $unit" >&2
else
	echo "ddnsd: $unit is not enabled (disabled, or the package was removed before); to start it: systemctl enable --now $unit" >&2
fi
