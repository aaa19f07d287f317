#
# The stepstone image, also what action.yml runs between releases (tagged
# releases name the published image instead; see docs/action.md).
#
# Contract with GitHub Actions (https://docs.github.com/en/actions/sharing-automations/creating-actions/dockerfile-support-for-github-actions):
# - The runner mounts the checkout at /github/workspace and makes it the
#   working directory itself, so there is no WORKDIR here.
# - It must run as root to write GITHUB_OUTPUT and GITHUB_STEP_SUMMARY in
#   the mounted /github/file_commands, so there is no USER here either
#   (the kubectl plugin's Job runs this image as a non-root uid instead).
# - ENTRYPOINT is exec form with an absolute path. action.yml passes no
#   args: with none, while GITHUB_ACTIONS=true, the binary reads the INPUT_*
#   variables itself (annotate.InputsFromEnv), exactly as when the image is
#   used as `uses: docker://...`.
#
# No `# syntax=` line: it would make BuildKit pull a frontend image for
# nothing this file needs.
#
# Build: docker build --build-arg VERSION=$(git describe --tags) -t stepstone .
#
# Base images. Pin them by digest where the build must not float, e.g.
#   --build-arg GO_IMAGE=golang:1.26@sha256:<digest>
#   --build-arg BASE_IMAGE=gcr.io/distroless/static-debian12@sha256:<digest>
# (`docker buildx imagetools inspect golang:1.26` prints the digest). The
# published release image is built by GoReleaser from Dockerfile.release.
ARG GO_IMAGE=golang:1.26
ARG BASE_IMAGE=gcr.io/distroless/static-debian12:latest

FROM ${GO_IMAGE} AS build
# A private module proxy or a mirror: pass these as --build-arg; they
# reach the RUN steps below, and no layer of the final image keeps them.
ARG GOPROXY
ARG GOPRIVATE
ARG GONOSUMDB
ARG GOFLAGS
WORKDIR /src
# Download modules in their own layer, so that code changes reuse it.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# The tags keep the GCS client's gRPC transport and urfave/cli's man-page
# generator out of the binary (README, Install).
RUN CGO_ENABLED=0 go build -trimpath -tags disable_grpc_modules,urfave_cli_no_docs -ldflags "-s -w -X main.version=${VERSION}" -o /stepstone ./cmd/stepstone

# distroless/static has CA certificates and tzdata and nothing else. Its
# :latest tag runs as root (the :nonroot tag would not), as GitHub needs.
FROM ${BASE_IMAGE}
COPY --from=build /stepstone /stepstone
ENTRYPOINT ["/stepstone"]
