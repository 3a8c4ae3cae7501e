# syntax=docker/dockerfile:1
# The build image every service image copies its binaries from: the
# project's own toolchain (scripts/install-deps, Debian packages only) and
# one build of all services, stripped into /out. Built once per commit:
#   docker build -f deploy/docker/build.Dockerfile -t liveconnect/build:dev .
# (or ./scripts/images, which builds this, the runtime base and every service).
FROM debian:12
WORKDIR /src
COPY scripts/install-deps scripts/install-deps
RUN ./scripts/install-deps && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && ninja -C /build oauth providers repository indexer indexer-extract sync gateway \
 && mkdir -p /out \
 && for b in oauth/oauth providers/providers repository/repository indexer/indexer \
             indexer/indexer-extract sync/sync gateway/gateway; do \
      cp "/build/services/$b" /out/ && strip --strip-unneeded "/out/$(basename "$b")"; \
    done
