# The Governance Workflow Engine as a container image. docs/deploying.md explains how to run it.

# Build stage: dependencies, the native SQLite driver and the compiled app.
FROM node:20-bookworm-slim AS build
# better-sqlite3 is a native module: its install script fetches a prebuilt binary when one
# matches, and compiles it with these tools when none does (or the download fails).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts skips the package's own `prepare` (the build), which needs the sources copied
# below; better-sqlite3's install script then runs on its own.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY schema ./schema
COPY bin ./bin
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: Node, tini and what `node dist/main.js` reads.
FROM node:20-bookworm-slim
# tini runs as PID 1 and starts node as its child. The kernel ignores a SIGKILL that a PID
# namespace's first process sends itself, so without it the stall watchdog (src/watchdog.ts)
# could not end a stuck process. tini also passes SIGTERM on to node.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
# Production: WEBHOOK_SECRET, APP_ID and a private key are required, and logs are JSON.
# HOST: Probot listens on localhost unless told otherwise.
ENV NODE_ENV=production \
    HOST=0.0.0.0
WORKDIR /app
# The code stays owned by root: the app's user can read it, not change it.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/schema ./schema
COPY --from=build /app/bin ./bin
# The default DATABASE_URL, sqlite:./data/governance.db, keeps the database here.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
