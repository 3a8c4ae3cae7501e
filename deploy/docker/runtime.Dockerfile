# syntax=docker/dockerfile:1
# The runtime base of every service image: Debian slim, the shared
# libraries the services link (readelf NEEDED -> dpkg -S, checked with
# apt-cache show), CA certificates for the cloud APIs, and the non-root
# user 10001 the Kubernetes manifests run as (runAsUser 10001).
#   docker build -f deploy/docker/runtime.Dockerfile -t liveconnect/runtime:dev .
FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        ca-certificates \
        libabsl20220623 \
        libcpp-httplib0.11 \
        libcurl4 \
        libgrpc++1.51 \
        libgrpc29 \
        libpqxx-6.4 \
        libprometheus-cpp-core1.0 \
        libprometheus-cpp-pull1.0 \
        libprotobuf32 \
        libssl3 \
        libstdc++6 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 liveconnect \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin liveconnect
# Numeric, so Kubernetes can verify runAsNonRoot.
USER 10001:10001
ENV LC_METRICS_PORT=9090
