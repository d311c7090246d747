#!/usr/bin/env bash
# Makes sure the Debian packages the tests drive for real are installed:
# installs them with apt-get when run as root, otherwise names them and fails.
# Each entry: the command that proves the package is there, then the package.
set -euo pipefail

needed=(
  "/usr/bin/chromium chromium"
  # Text in screenshots: chromium only recommends a font.
  "/usr/share/fonts/truetype/liberation fonts-liberation"
  # The IMAP server the sync tests run against.
  "/usr/sbin/dovecot dovecot-imapd"
  # The DNS server the online policy check is tested against (the binary only: no system service).
  "/usr/sbin/dnsmasq dnsmasq-base"
  # The live MX check's DNSSEC: an authoritative server, a signer, a validating resolver, and dig to wait for them.
  "/usr/sbin/nsd nsd"
  "/usr/bin/ldns-signzone ldnsutils"
  "/usr/sbin/unbound unbound"
  "/usr/bin/dig bind9-dnsutils"
  # promtool checks the sample alerting rules (build/prometheus/); the server itself is not started.
  "/usr/bin/promtool prometheus"
  # systemd-analyze verifies the service units (build/systemd/); no service is started.
  "/usr/bin/systemd-analyze systemd"
  # The PostgreSQL server the sink's export is tested against (initdb and pg_ctl into a temp folder).
  "/usr/lib/postgresql/15/bin/initdb postgresql"
)

missing=()
for entry in "${needed[@]}"; do
  read -r probe package <<<"$entry"
  if [ ! -e "$probe" ] && ! command -v "$probe" >/dev/null 2>&1; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing the Debian packages the tests use: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The tests start their own servers on loopback and high ports. Debian starts a
  # package's service as it installs it (unbound and nsd on port 53, PostgreSQL on
  # 5432, Prometheus on 9090): policy-rc.d's 101 tells invoke-rc.d and
  # deb-systemd-invoke to start none, unless the machine already has its own policy.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# tlsrpt-viewer test setup: start no service while installing.\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Nor at the next boot: only the services of the packages installed here.
  if [ -d /run/systemd/system ]; then
    for package in "${missing[@]}"; do
      case "$package" in
        dovecot-imapd) service=dovecot ;;
        nsd | unbound | postgresql | prometheus) service=$package ;;
        *) continue ;;
      esac
      systemctl disable --quiet "$service" 2>/dev/null || true
    done
  fi
  exit 0
fi

echo "The tests need these Debian packages: ${missing[*]}" >&2
echo "Install them with: sudo apt-get install ${missing[*]}" >&2
exit 1
