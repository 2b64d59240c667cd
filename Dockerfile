# mockserver as a container image: one static binary on scratch, about 16 MB.
#
#   docker build -t tokenmock .
#   docker run --rm -p 8080:8080 tokenmock
#
# (buildah: `buildah bud --format docker -t tokenmock .`; --format docker
# keeps the HEALTHCHECK, which the OCI format has no field for.)
#
# The image runs `/mockserver` (the serve command) as uid:gid 65532:65532,
# listens on :8080 and writes JSON log lines to stderr. Configure it with
# the MOCKSERVER_* variables or with flags after the image name
# (`docker run tokenmock --log-level debug`; `docker run tokenmock version`).
# Set the listen address with MOCKSERVER_ADDR rather than --addr: the
# HEALTHCHECK (`mockserver healthcheck`, no shell needed) reads the variable.
#
# Your own scenarios: mount a folder of scenario YAML (*.yaml, *.yml) at
# /etc/tokenmock/scenarios (MOCKSERVER_SCENARIOS points there); its files are
# loaded in addition to the library built into the binary. Pick one for
# every session with MOCKSERVER_SCENARIO=<name>:
#
#   docker run -v "$PWD/scenarios:/etc/tokenmock/scenarios:ro" \
#     -e MOCKSERVER_SCENARIO=my-scenario -p 8080:8080 tokenmock
#
# Your own fixtures: mount a folder (or file) of fixture YAML at
# /etc/tokenmock/fixtures and set MOCKSERVER_FIXTURES=/etc/tokenmock/fixtures;
# they replace the built-in defaults (the vendors' documented apps, users and
# codes), which are served while MOCKSERVER_FIXTURES is unset:
#
#   docker run -v "$PWD/fixtures:/etc/tokenmock/fixtures:ro" \
#     -e MOCKSERVER_FIXTURES=/etc/tokenmock/fixtures -p 8080:8080 tokenmock
#
# Mounted files must be readable by uid 65532 (world-readable will do).
#
# Build arguments: VERSION (what `mockserver version` and /_mock/health
# report; default dev; `scripts/dist.sh --version` prints the one a release
# of this checkout gets), GOPROXY and GOSUMDB (for the module downloads; Go's
# defaults unless given).
#
#   docker build --build-arg VERSION="$(scripts/dist.sh --version)" -t tokenmock .
#   docker buildx build --platform linux/amd64,linux/arm64 ...   (as the release does)
#
# Released images: ghcr.io/tokenmock/tokenmock:<version> and :latest.
#
# The binary is built with gin's `nomsgpack` tag: the mock never speaks
# MessagePack, and leaving that codec out keeps the image about 6 MB under
# the 20 MB it must stay within (e2e/container_test.go checks the size).

# The build stage runs on the builder's own platform and cross-compiles for
# the target's (TARGETOS, TARGETARCH: set by BuildKit and by buildah, from
# --platform or the host), so a multi-platform build (the release workflow builds
# linux/amd64 and linux/arm64) needs no emulation for the compile.
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
ARG GOPROXY=https://proxy.golang.org,direct
ARG GOSUMDB=sum.golang.org
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
ARG VERSION=dev
ARG TARGETOS
ARG TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
      go build -trimpath -tags nomsgpack \
      -ldflags "-s -w -X main.buildVersion=${VERSION}" \
      -o /out/mockserver ./cmd/mockserver

FROM scratch
COPY --from=build /out/mockserver /mockserver
COPY deploy/etc/tokenmock/ /etc/tokenmock/
USER 65532:65532
EXPOSE 8080
ENV MOCKSERVER_ADDR=:8080 \
    MOCKSERVER_LOG_FORMAT=json \
    MOCKSERVER_SCENARIOS=/etc/tokenmock/scenarios
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s --retries=3 \
    CMD ["/mockserver", "healthcheck"]
ENTRYPOINT ["/mockserver"]
