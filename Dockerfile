# joblint container image: a static musl binary on an empty base, run as a non-root numeric user.
#   docker build -t joblint:0.1.0 .
# The tag should follow `version` in Cargo.toml (the Helm chart's default image tag does).

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-alpine AS build
# The alpine Rust image targets musl and links statically by default.
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin joblint \
    && cp target/release/joblint /joblint \
    && /joblint --help > /dev/null

FROM scratch
COPY --from=build /joblint /usr/local/bin/joblint
# 65532: the conventional "nonroot" id; the chart's podSecurityContext uses the same.
USER 65532:65532
EXPOSE 8443 9090
ENTRYPOINT ["/usr/local/bin/joblint"]
