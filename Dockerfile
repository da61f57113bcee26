# One image for every Odyssey role; the role is chosen by ODYSSEY_ROLE (grid-node, edge-ingest, ws-gateway,
# simulator, archiver, mavlink-edge). Build with BuildKit (Docker's default builder since 23.0):
#   docker build -t odyssey:local .
# Base images are pinned to exact versions, never a moving tag; .github/dependabot.yml proposes the updates.
# DeploymentManifestsTest parses this file: every directory a role writes is created here for uid 10001, every
# file the Maven build reads from outside its modules is copied in, and .dockerignore keeps the context small.

# --- dashboard: built with Node, like `./odyssey build` does with the machine's own npm ---------------------------
FROM node:20.19.5-bookworm-slim AS ui
WORKDIR /src/ui
COPY ui/package.json ui/package-lock.json ./
# Exactly what the lock file pins; the cache mount keeps downloaded packages between builds.
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY ui/ ./
RUN npm run build

# --- Java modules ------------------------------------------------------------------------------------------------
FROM maven:3.9.11-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY runtime/ runtime/
COPY geo/ geo/
COPY codecs/ codecs/
COPY mavlink/ mavlink/
COPY grid-node/ grid-node/
COPY journal/ journal/
COPY simulator/ simulator/
COPY edge-ingest/ edge-ingest/
COPY ui/pom.xml ui/
COPY archiver/ archiver/
COPY ws-gateway/ ws-gateway/
COPY command-cli/ command-cli/
COPY mavlink-edge/ mavlink-edge/
# Maven refuses a reactor with a missing module even when it builds only some: the modules the image does not contain
# (the harness, the system tests) are there as their poms, and -pl builds the roles and what they need.
COPY bench/pom.xml bench/
COPY system-tests/pom.xml system-tests/
# The gateway serves the API description it was built with (ws-gateway/pom.xml takes it from docs/api).
COPY docs/api/openapi.yaml docs/api/
COPY --from=ui /src/ui/dist ui/dist
# The dashboard is already built above: package ui/dist without running npm again. The cache mount keeps the Maven
# repository between builds, so a code change does not download every dependency again.
RUN --mount=type=cache,target=/root/.m2/repository \
    mvn -B -q -DskipTests -Dodyssey.ui.npm.skip=true -pl grid-node,edge-ingest,ws-gateway,simulator,archiver,mavlink-edge -am package \
 && mkdir -p /out/lib \
 && for m in grid-node edge-ingest ws-gateway simulator archiver mavlink-edge; do \
      cp $m/target/lib/*.jar /out/lib/ && cp $m/target/odyssey-$m.jar /out/; \
    done

# --- runtime: small JRE, non-root ---------------------------------------------------------------------------------
FROM eclipse-temurin:17.0.17_10-jre-noble
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="odyssey" \
      org.opencontainers.image.description="Odyssey drone fleet control: grid node, edge ingest, WebSocket gateway, archiver, simulator and MAVLink edge in one image (ODYSSEY_ROLE)" \
      org.opencontainers.image.source="https://github.com/odyssey-fleet/odyssey" \
      org.opencontainers.image.documentation="https://github.com/odyssey-fleet/odyssey/blob/main/docs/operations.md" \
      org.opencontainers.image.base.name="docker.io/library/eclipse-temurin:17.0.17_10-jre-noble" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# The user and group every role runs as (Kubernetes: runAsUser/runAsGroup/fsGroup 10001). Every directory a role
# writes exists here, owned by that user: Docker copies an image directory's ownership into a new named volume only
# when the directory exists in the image, and a root-owned journal volume made Chronicle Queue open read-only.
RUN groupadd --system --gid 10001 odyssey \
 && useradd --system --uid 10001 --gid 10001 --home-dir /opt/odyssey --no-create-home --shell /usr/sbin/nologin odyssey \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/odyssey /var/lib/odyssey/journal /var/lib/odyssey/postgres
WORKDIR /opt/odyssey
COPY --from=build /out/ /opt/odyssey/
COPY docker/entrypoint.sh docker/healthcheck.sh /opt/odyssey/bin/
# A fallback heap share for a container without its own JAVA_TOOL_OPTIONS (the Compose and Kubernetes files set one
# per role, sized against the role's memory limit and what it holds outside the heap: docs/operations.md,
# "Containers"); fail fast instead of limping on after an OutOfMemoryError. The module exports Agrona and Chronicle
# need are in each jar's manifest; the processes set their own system properties.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError" \
    ODYSSEY_GRID_BIND_HOST=0.0.0.0 \
    ODYSSEY_GRID_STATUS_HOST=0.0.0.0 \
    ODYSSEY_INGEST_STATUS_HOST=0.0.0.0 \
    ODYSSEY_INGEST_ENDPOINT=0.0.0.0:40123 \
    ODYSSEY_INGEST_JOURNAL_DIR=/var/lib/odyssey/journal \
    ODYSSEY_ARCHIVER_JOURNAL_DIR=/var/lib/odyssey/journal \
    ODYSSEY_ARCHIVER_STATUS_HOST=0.0.0.0 \
    ODYSSEY_ARCHIVER_EMBEDDED_DB_DIR=/var/lib/odyssey/postgres \
    ODYSSEY_GATEWAY_HOST=0.0.0.0 \
    ODYSSEY_SIM_STATUS_HOST=0.0.0.0 \
    ODYSSEY_MAVLINK_LISTEN=0.0.0.0:14550 \
    ODYSSEY_MAVLINK_STATUS_HOST=0.0.0.0 \
    ODYSSEY_MAVLINK_VEHICLES=/etc/odyssey/mavlink/vehicles
USER 10001:10001
# Aeron keeps its buffers in /dev/shm: give the container at least 256 MB (Compose: shm_size; Kubernetes: an emptyDir
# with medium Memory mounted at /dev/shm).
EXPOSE 5701 8080 9101 9102 9103 9104 9105 40123/udp 14550/udp
# Readiness (the role's dependencies), which Compose's service_healthy waits on. The start period covers a cold JVM on
# a small machine: a grid member once took 134 s to come up.
HEALTHCHECK --interval=10s --timeout=5s --start-period=180s --retries=3 CMD ["/opt/odyssey/bin/healthcheck.sh"]
ENTRYPOINT ["/opt/odyssey/bin/entrypoint.sh"]
