# syntax=docker/dockerfile:1
# One image for every Odyssey role; the role is chosen by ODYSSEY_ROLE (grid-node, edge-ingest, ws-gateway,
# simulator, archiver). Build: docker build -t ghcr.io/<owner>/odyssey:<tag> .

# --- dashboard: built with Node, like `./odyssey build` does with the machine's own npm ---------------------------
FROM node:20-bookworm-slim AS ui
WORKDIR /src/ui
COPY ui/package.json ui/package-lock.json ./
RUN npm install --no-audit --no-fund
COPY ui/ ./
RUN npm run build

# --- Java modules ------------------------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY codecs/ codecs/
COPY grid-node/ grid-node/
COPY simulator/ simulator/
COPY edge-ingest/ edge-ingest/
COPY ui/pom.xml ui/
COPY archiver/ archiver/
COPY ws-gateway/ ws-gateway/
COPY command-cli/ command-cli/
COPY --from=ui /src/ui/dist ui/dist
# The dashboard is already built above: package ui/dist without running npm again.
RUN mvn -B -q -DskipTests -Dodyssey.ui.npm.skip=true package \
 && mkdir -p /out \
 && for m in grid-node edge-ingest ws-gateway simulator archiver; do cp -r $m/target/lib /out/ && cp $m/target/odyssey-$m.jar /out/; done

# --- runtime: small JRE, non-root ---------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /opt/odyssey odyssey \
 && mkdir -p /opt/odyssey /var/lib/odyssey && chown odyssey /var/lib/odyssey
WORKDIR /opt/odyssey
COPY --from=build /out/ /opt/odyssey/
COPY docker/entrypoint.sh docker/healthcheck.sh /opt/odyssey/bin/
# Container-aware heap; fail fast instead of limping on after an OutOfMemoryError. The module exports Agrona needs
# are in each jar's manifest; the processes set their own system properties (docs/operations.md).
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=70 -XX:+ExitOnOutOfMemoryError" \
    ODYSSEY_GRID_BIND_HOST=0.0.0.0 \
    ODYSSEY_GRID_STATUS_HOST=0.0.0.0 \
    ODYSSEY_INGEST_STATUS_HOST=0.0.0.0 \
    ODYSSEY_INGEST_ENDPOINT=0.0.0.0:40123 \
    ODYSSEY_INGEST_JOURNAL_DIR=/var/lib/odyssey/journal \
    ODYSSEY_ARCHIVER_JOURNAL_DIR=/var/lib/odyssey/journal \
    ODYSSEY_ARCHIVER_STATUS_HOST=0.0.0.0 \
    ODYSSEY_ARCHIVER_EMBEDDED_DB_DIR=/var/lib/odyssey/postgres \
    ODYSSEY_GATEWAY_HOST=0.0.0.0 \
    ODYSSEY_SIM_STATUS_HOST=0.0.0.0
USER 10001
# Aeron keeps its buffers in /dev/shm: give the container at least 256 MB (compose: shm_size; Kubernetes: an
# emptyDir with medium Memory mounted at /dev/shm).
EXPOSE 5701 8080 9101 9102 9103 9104 40123/udp
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 CMD ["/opt/odyssey/bin/healthcheck.sh"]
ENTRYPOINT ["/opt/odyssey/bin/entrypoint.sh"]
