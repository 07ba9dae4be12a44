# syntax=docker/dockerfile:1

# --- build: install with the lock file (better-sqlite3 compiles here), check types and the contract
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json buf.yaml buf.gen.yaml vitest.config.ts ./
COPY proto ./proto
COPY third_party ./third_party
COPY gen ./gen
COPY src ./src
COPY bin ./bin
RUN npx buf lint && npx tsc --noEmit -p . \
 && npm prune --omit=dev

# --- runtime: only what runs, as an unprivileged user
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    WARDEN_ENV=production \
    HOST=0.0.0.0 \
    PORT=50051 \
    HTTP_PORT=8080 \
    WARDEN_DATA_DIR=/var/lib/warden \
    DATABASE_FILENAME=/var/lib/warden/data.db
WORKDIR /app
RUN groupadd --system warden && useradd --system --gid warden --home-dir /var/lib/warden warden \
 && mkdir -p /var/lib/warden && chown warden:warden /var/lib/warden
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/gen ./gen
COPY --from=build --chown=root:root /app/src ./src
COPY --from=build --chown=root:root /app/bin ./bin
USER warden
EXPOSE 50051 8080
VOLUME ["/var/lib/warden"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "bin/warden.js", "healthcheck"]
ENTRYPOINT ["node", "bin/warden.js"]
CMD ["serve"]
