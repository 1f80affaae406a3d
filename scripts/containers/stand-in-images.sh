#!/usr/bin/env bash
# Stand-in images for the container test (tests/SensorAspire.Containers.Tests), built on this machine with no pulls:
# public images (mcr.microsoft.com/dotnet/aspnet, the Aspire dashboard image) cannot be pulled where our tests run.
# The product's images keep the public bases; these exist only so that the test can build and run the real ones.
#
#   stand-in-images.sh aspnet                 -> prints the image: Debian 12 minbase + this SDK's .NET and ASP.NET Core
#                                                runtimes + the `app` user (uid 1654, APP_UID), like the aspnet image
#   stand-in-images.sh dashboard TOOLS_DIR    -> prints the image: the Aspire dashboard from its NuGet package
#                                                (Aspire.Dashboard.Sdk.<rid>/<version>/tools) on the aspnet stand-in
#   stand-in-images.sh kcat                   -> prints the image: kcat (librdkafka) on the Debian base, the tutorial's
#                                                producer inside the containers' network
#
# Each image is kept in podman's store under a tag that names what it is built from (its recipe here, its base, the
# runtime or dashboard version), so it is built once per machine and rebuilt when any of those changes; older tags of
# the same image are removed. Needs root (debootstrap) and CONTAINERS_CONF (scripts/containers/containers.conf).
set -euo pipefail

repository=localhost/sensoraspire-test
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")

log() { echo "stand-in-images: $*" >&2; }

# A half-built root file system or build container is removed however the script ends. Each builder sets the trap
# itself: it runs in a command substitution's subshell, which does not inherit the script's traps.
rootfs="" ctr=""
cleanup() { [ -z "$rootfs" ] || rm -rf "$rootfs"; [ -z "$ctr" ] || buildah rm "$ctr" >/dev/null 2>&1 || true; }

# A tag part that changes whenever the named functions (how an image is built) change, and only then.
recipe() { declare -f "$@" | sha256sum | cut -c1-12; }

# The newest 10.0 runtime of a shared framework in the SDK's own installation: the one the programs roll forward to.
runtime_version() {
  ls "$dotnet_root/shared/$1" | grep -E '^10\.0\.[0-9]+$' | sort -V | tail -1
}

# Removes the other tags of an image so that a machine keeps one copy of each stand-in.
prune_others() {
  local name=$1 keep=$2
  local old
  for old in $(podman images --format '{{.Repository}}:{{.Tag}}' --filter "reference=$name"); do
    [ "$old" != "$keep" ] || continue
    log "removing outdated $old"
    podman rmi --force "$old" >/dev/null || true
  done
}

# The Debian mirror apt already uses (deb822 sources, else sources.list): no host name is written into the repository.
debian_mirror() {
  local uri
  uri=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -1 || true)
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$uri" ] || { log "no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"; exit 1; }
  echo "$uri"
}

# Debian 12 minbase with what .NET needs (ICU, OpenSSL, CA certificates, time zones): a runtime-deps-like image.
runtime_deps() {
  local image="$repository/runtime-deps:bookworm-$(recipe runtime_deps)"
  if ! podman image exists "$image"; then
    [ "$(id -u)" -eq 0 ] || { log "debootstrap needs root"; exit 1; }
    local mirror
    mirror=$(debian_mirror)
    trap cleanup EXIT
    rootfs=$(mktemp -d /var/tmp/sensoraspire-rootfs.XXXXXX)
    log "debootstrap bookworm (minbase) from the mirror apt uses"
    debootstrap --variant=minbase --include=libicu72,libssl3,ca-certificates,tzdata bookworm "$rootfs" "$mirror" >/dev/null
    # As the official images do: no package lists or downloaded packages in the image.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
    # PATH must be set: without it `podman play kube` cannot find programs (shared/containers/README.md).
    tar -C "$rootfs" -cf - . | podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$image" >/dev/null
    rm -rf "$rootfs"; rootfs=""
    prune_others "$repository/runtime-deps" "$image"
  fi
  echo "$image"
}

# The aspnet stand-in: the SDK's own runtimes, laid out and configured as mcr.microsoft.com/dotnet/aspnet lays them out.
aspnet() {
  local runtime aspnetcore deps image
  runtime=$(runtime_version Microsoft.NETCore.App)
  aspnetcore=$(runtime_version Microsoft.AspNetCore.App)
  [ -n "$runtime" ] && [ -n "$aspnetcore" ] || { log "no 10.0 runtime in $dotnet_root/shared"; exit 1; }
  deps=$(runtime_deps)
  image="$repository/aspnet:$aspnetcore-$(echo "${deps##*:} $runtime $(recipe aspnet)" | sha256sum | cut -c1-12)"
  if ! podman image exists "$image"; then
    log "building $image"
    trap cleanup EXIT
    ctr=$(buildah from --pull-never "$deps")
    buildah copy --quiet "$ctr" "$dotnet_root/dotnet" /usr/share/dotnet/dotnet >/dev/null
    buildah copy --quiet "$ctr" "$dotnet_root/host" /usr/share/dotnet/host >/dev/null
    buildah copy --quiet "$ctr" "$dotnet_root/shared/Microsoft.NETCore.App/$runtime" "/usr/share/dotnet/shared/Microsoft.NETCore.App/$runtime" >/dev/null
    buildah copy --quiet "$ctr" "$dotnet_root/shared/Microsoft.AspNetCore.App/$aspnetcore" "/usr/share/dotnet/shared/Microsoft.AspNetCore.App/$aspnetcore" >/dev/null
    buildah run --isolation chroot "$ctr" -- sh -c \
      'ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet && groupadd --gid 1654 app && useradd --no-log-init --uid 1654 --gid 1654 --create-home app'
    # The SDK runs the image as APP_UID when the base names one (it does for the aspnet image too).
    buildah config --env APP_UID=1654 --env ASPNETCORE_HTTP_PORTS=8080 --env DOTNET_RUNNING_IN_CONTAINER=true \
      --env "DOTNET_VERSION=$runtime" --env "ASPNET_VERSION=$aspnetcore" --port 8080 "$ctr"
    buildah commit --quiet --rm "$ctr" "$image" >/dev/null; ctr=""
    prune_others "$repository/aspnet" "$image"
  fi
  echo "$image"
}

# The Aspire dashboard (a self-contained single-file program in its NuGet package) on the aspnet stand-in, configured
# as its public image is: frontend on 18888, OTLP/gRPC on 18889, OTLP/HTTP on 18890, listening on every interface.
dashboard() {
  local tools=${1:?usage: stand-in-images.sh dashboard TOOLS_DIR} version base image
  [ -x "$tools/Aspire.Dashboard" ] || { log "no Aspire.Dashboard in $tools"; exit 1; }
  version=$(basename "$(dirname "$(readlink -f "$tools")")")
  base=$(aspnet)
  image="$repository/dashboard:$version-$(echo "${base##*:} $(recipe dashboard)" | sha256sum | cut -c1-12)"
  if ! podman image exists "$image"; then
    log "building $image"
    trap cleanup EXIT
    ctr=$(buildah from --pull-never "$base")
    # Readable and runnable by the app user: the package's files are owner-only (744) in the NuGet cache.
    buildah copy --quiet --chmod 755 "$ctr" "$tools" /app >/dev/null
    buildah config --user 1654 --workingdir /app --entrypoint '["/app/Aspire.Dashboard"]' --cmd '' \
      --env ASPNETCORE_URLS=http://+:18888 --env ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://+:18889 \
      --env ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://+:18890 --port 18888 --port 18889 --port 18890 "$ctr"
    buildah commit --quiet --rm "$ctr" "$image" >/dev/null; ctr=""
    prune_others "$repository/dashboard" "$image"
  fi
  echo "$image"
}

# kcat from Debian on the runtime-deps base: the test's tutorial producer, run on the containers' network so that the
# broker's advertised name (`kafka`) resolves as it does for the services.
kcat() {
  local deps image
  deps=$(runtime_deps)
  image="$repository/kcat:$(echo "${deps##*:} $(recipe kcat)" | sha256sum | cut -c1-12)"
  if ! podman image exists "$image"; then
    log "building $image"
    trap cleanup EXIT
    ctr=$(buildah from --pull-never "$deps")
    buildah run --isolation chroot --network host "$ctr" -- sh -c \
      'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kcat >/dev/null && rm -rf /var/lib/apt/lists/*'
    buildah config --entrypoint '["kcat"]' --cmd '' "$ctr"
    buildah commit --quiet --rm "$ctr" "$image" >/dev/null; ctr=""
    prune_others "$repository/kcat" "$image"
  fi
  echo "$image"
}

case "${1:-}" in
  aspnet) aspnet ;;
  dashboard) dashboard "${2:-}" ;;
  kcat) kcat ;;
  *) echo "usage: stand-in-images.sh aspnet | dashboard TOOLS_DIR | kcat" >&2; exit 2 ;;
esac
