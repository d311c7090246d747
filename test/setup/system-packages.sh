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
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

echo "The tests need these Debian packages: ${missing[*]}" >&2
echo "Install them with: sudo apt-get install ${missing[*]}" >&2
exit 1
