# syntax=docker/dockerfile:1
#
# The stepstone image, also what action.yml runs.
#
# Contract with GitHub Actions (https://docs.github.com/en/actions/sharing-automations/creating-actions/dockerfile-support-for-github-actions):
# - The runner mounts the checkout at /github/workspace and makes it the
#   working directory itself, so there is no WORKDIR here.
# - It must run as root to write GITHUB_OUTPUT and GITHUB_STEP_SUMMARY in
#   the mounted /github/file_commands, so there is no USER here either.
# - ENTRYPOINT is exec form with an absolute path; action.yml's args follow.
# - Invoked with no arguments while GITHUB_ACTIONS=true (as with
#   `uses: docker://...`), the binary reads the INPUT_* variables itself
#   (annotate.InputsFromEnv) and runs as if given their flags.
#
# Build: docker build --build-arg VERSION=$(git describe --tags) -t stepstone .

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
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
FROM gcr.io/distroless/static-debian12:latest
COPY --from=build /stepstone /stepstone
ENTRYPOINT ["/stepstone"]
