#!/usr/bin/env bash
# The README's test command. Installs what the suite needs, builds everything that can be built here,
# runs every test project, and ends with one line: "tests: N passed, N failed[, N skipped]".
# A required tool that is missing fails the run; nothing is skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"

fail() { echo "test.sh: $*" >&2; echo "tests: 0 passed, 1 failed"; exit 1; }

# 1. System packages: kcat (a second Kafka client, librdkafka 2.0.2) and Chromium (browser tests); for the container
#    test, podman with runc, buildah and debootstrap (a stand-in base image, no pulls), Debian's docker-registry (where
#    the SDK reads that base) and the dnsname CNI plugin (containers find each other by name).
need_apt=()
command -v kcat >/dev/null 2>&1 || need_apt+=(kcat)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
container_apt=()
for tool in podman buildah runc debootstrap docker-registry; do command -v "$tool" >/dev/null 2>&1 || container_apt+=("$tool"); done
[ -x /usr/lib/cni/dnsname ] || container_apt+=(golang-github-containernetworking-plugin-dnsname)
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ $((${#need_apt[@]} + ${#container_apt[@]})) -gt 0 ]; then
  echo "test.sh: installing ${need_apt[*]} ${container_apt[*]} with apt-get"
  $SUDO apt-get update -qq || fail "apt-get update failed"
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null || fail "apt-get install ${need_apt[*]} failed"
fi
if [ ${#container_apt[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${container_apt[@]}" >/dev/null \
    || fail "apt-get install ${container_apt[*]} failed (the container test needs them)"
fi
command -v kcat >/dev/null 2>&1 || fail "kcat is required and could not be installed"
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is required and could not be installed"
command -v npm >/dev/null 2>&1 || fail "npm (Node.js) is required to restore the chart's front-end packages"
command -v dotnet >/dev/null 2>&1 || fail "the .NET SDK is required"

# 2. The AppHost's Kafka container variant (-p:KafkaContainer=true) needs Aspire.Hosting.Kafka and Aspire.Hosting.Docker.
#    Where they restore, its model tests run too; where they do not, one loud line names them and the rest still runs.
solution=SensorAspire.sln
container_tests=""
if restore_log=$(dotnet restore tests/SensorAspire.AppHost.Tests/SensorAspire.AppHost.Tests.csproj -p:KafkaContainer=true 2>&1); then
  echo "test.sh: Aspire.Hosting.Kafka and Aspire.Hosting.Docker restore here: testing the Kafka container variant of the AppHost too"
  container_tests=artifacts/kafka-container
else
  reason=$(grep -m1 -oE "NU[0-9]{4}[^[]*" <<<"$restore_log" || echo "restore failed")
  echo "######## NOT BUILT: the AppHost's Kafka container variant (-p:KafkaContainer=true): Aspire.Hosting.Kafka and Aspire.Hosting.Docker do not restore here ($reason) ########"
fi

# 2b. The container test (tests/SensorAspire.Containers.Tests) runs the published app under podman, with the project's
#     settings (scripts/containers/containers.conf), and needs root for debootstrap. Either holds, or the run fails.
export CONTAINERS_CONF="$root/scripts/containers/containers.conf"
podman_info=$(podman info --format '{{.Host.OCIRuntime.Name}}' 2>&1) || fail "podman cannot run containers here: $(tail -1 <<<"$podman_info")"
[ "$(id -u)" -eq 0 ] || fail "the container test builds its stand-in base image with debootstrap, which needs root"

# 3. Build once, then run every test project (Microsoft Testing Platform, TRX per assembly).
dotnet build "$solution" -c Debug -nologo -clp:ErrorsOnly || fail "build failed"
if [ -n "$container_tests" ]; then
  dotnet build tests/SensorAspire.AppHost.Tests -c Debug -p:KafkaContainer=true -nologo -clp:ErrorsOnly || fail "build of the Kafka container variant failed"
fi
set +e
# The container test runs on its own afterwards (ContainerTests=false leaves it out here): it builds images, which
# would slow the other projects' bounded waits.
dotnet test --solution "$solution" --no-build -c Debug -p:ContainerTests=false --report-trx --results-directory "$results" "$@"
test_exit=$?
dotnet test --project tests/SensorAspire.Containers.Tests --no-build -c Debug --report-trx --results-directory "$results" "$@"
containers_exit=$?
[ "$test_exit" -ne 0 ] || test_exit=$containers_exit
if [ -n "$container_tests" ]; then
  # Only the model tests: the container variant's Kafka cannot start without a container runtime.
  dotnet test --project tests/SensorAspire.AppHost.Tests -p:KafkaContainer=true --no-build -c Debug --report-trx \
    --results-directory "$results" --filter-class "*AppHostModelTests" "$@"
  container_exit=$?
  [ "$test_exit" -ne 0 ] || test_exit=$container_exit
fi
set -e

passed=0; failed=0; skipped=0
shopt -s nullglob
trx=("$results"/*.trx)
[ ${#trx[@]} -gt 0 ] || fail "no test results were written"
for f in "${trx[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$f" | head -1)
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  total=$(get total); p=$(get passed); fl=$(get failed); nx=$(get notExecuted)
  passed=$((passed + ${p:-0})); failed=$((failed + ${fl:-0})); skipped=$((skipped + ${nx:-0}))
  : "${total:=0}"
done
# The failed tests again, last, where a log's tail shows them.
perl -0777 -ne 'while (/<UnitTestResult\b([^>]*?)(?:\/>|>(.*?)<\/UnitTestResult>)/gs) {
  my ($attributes, $body) = ($1, $2 // "");
  next if $attributes =~ /outcome="(Passed|NotExecuted)"/;
  my ($name) = $attributes =~ /testName="([^"]*)"/; my ($message) = $body =~ /<Message>([^\n<]*)/;
  $name =~ s/&quot;/"/g; print "FAILED: $name\n    ", $message // "", "\n" }' "${trx[@]}"
summary="tests: $passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
if [ "$test_exit" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; summary="tests: $passed passed, $failed failed"; fi
echo "$summary"
[ "$failed" -eq 0 ] && [ "$skipped" -eq 0 ] && [ "$test_exit" -eq 0 ]
