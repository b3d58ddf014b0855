#!/usr/bin/env bash
# The base images the offline image check builds with, made from Debian's packages because no image
# registry can be reached here (scripts/check-images.sh passes them as the Dockerfiles' build arguments):
#
#   remit-check/runtime-deps:bookworm      stands in for mcr.microsoft.com/dotnet/runtime-deps:10.0-noble:
#                                          debootstrap --variant=minbase bookworm plus what runtime-deps
#                                          carries (ca-certificates, libicu, libssl, tzdata); its apt sources
#                                          are the mirror this machine uses, so the Dockerfile's apt-get works
#   remit-check/dotnet-sdk:<ver>-bookworm  stands in for mcr.microsoft.com/dotnet/sdk:10.0-noble: the same
#                                          rootfs plus this machine's .NET SDK (/usr/share/dotnet) and its
#                                          extra CA certificates (/usr/local/share/ca-certificates: NuGet is
#                                          reached through this machine's TLS-inspecting egress)
#
# The debootstrap tarball is cached in $REMIT_IMAGES_CACHE (default /var/cache/remit-images) and the
# images stay in Docker's store, so a second run on the same machine makes nothing. Prints the two names.
set -euo pipefail
cache=${REMIT_IMAGES_CACHE:-/var/cache/remit-images}
mkdir -p "$cache"

# The mirror apt uses here (deb822 sources or a one-line sources.list).
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

runtime=remit-check/runtime-deps:bookworm
sdk_version=$(dotnet --version)
sdk=remit-check/dotnet-sdk:$sdk_version-bookworm
rootfs_tar=$cache/bookworm-runtime-deps.tar

if [ ! -s "$rootfs_tar" ]; then
  command -v debootstrap >/dev/null || { apt-get update -qq >&2 && apt-get install -y -qq debootstrap >&2; }
  dir=$(mktemp -d /var/tmp/remit-rootfs.XXXXXX)
  echo "base-images: debootstrap bookworm from $mirror" >&2
  nice -n 19 debootstrap --variant=minbase --include=ca-certificates,libicu72,libssl3,tzdata \
    bookworm "$dir" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log" >&2; rm -rf "$dir"; echo "base-images: debootstrap failed (log: $cache/debootstrap.log)" >&2; exit 1; }
  # As in Debian's and Ubuntu's own container images: packages installed in a build start no services.
  printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
  chmod 755 "$dir/usr/sbin/policy-rc.d"
  # Only the suite's main component, as debootstrap wrote it; no package lists or .debs left in the image.
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/var/log/* "$dir"/debootstrap
  tar --numeric-owner -C "$dir" -cf "$rootfs_tar.part" .
  mv "$rootfs_tar.part" "$rootfs_tar"
  rm -rf "$dir"
fi

if ! docker image inspect "$runtime" >/dev/null 2>&1; then
  docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' "$rootfs_tar" "$runtime" >/dev/null
fi

if ! docker image inspect "$sdk" >/dev/null 2>&1; then
  dir=$(mktemp -d /var/tmp/remit-sdk.XXXXXX)
  tar -C "$dir" -xf "$rootfs_tar"
  cp -a "$(dirname "$(readlink -f "$(command -v dotnet)")")" "$dir/usr/share/dotnet"
  ln -sf /usr/share/dotnet/dotnet "$dir/usr/bin/dotnet"
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$dir/usr/local/share/ca-certificates/"
    chroot "$dir" update-ca-certificates >/dev/null 2>&1
  fi
  tar --numeric-owner -C "$dir" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV DOTNET_ROOT=/usr/share/dotnet' --change 'ENV DOTNET_CLI_TELEMETRY_OPTOUT=1' \
    --change 'ENV DOTNET_NOLOGO=1' --change "ENV NUGET_CERT_REVOCATION_MODE=${NUGET_CERT_REVOCATION_MODE:-online}" \
    --change 'CMD ["/bin/bash"]' - "$sdk" >/dev/null
  rm -rf "$dir"
fi
echo "$runtime $sdk"
