#!/bin/bash
# request-reboot.sh: asks the node's init (PID 1 of the node) to reboot. The delay during which the SSH port is
# closed comes from /etc/nodesim/reboot_delay, else NODESIM_REBOOT_DELAY of identity.env.
. /etc/nodesim/identity.env
d=$(cat /etc/nodesim/reboot_delay 2>/dev/null || echo "${NODESIM_REBOOT_DELAY:-2}")
echo "$d" > /run/nodesim/reboot_delay
kill -USR1 1
