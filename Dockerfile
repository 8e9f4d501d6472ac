# syntax=docker/dockerfile:1
#
# One image for every Concord service. Services run from TypeScript source with tsx (nothing is
# compiled), so the image holds the whole repository plus its dependencies, and each service in
# docker-compose.yml picks its entry point with `command`. The default command runs the gateway.

ARG NODE_IMAGE=node:20-bookworm-slim

# --- manifests: only package.json files and the lockfile, so `npm ci` below is re-run only when
# dependencies change, and new workspaces (future subgraphs) are picked up without editing this file.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json -delete \
 && find . -type d -empty -delete

# --- runtime
FROM ${NODE_IMAGE}
WORKDIR /app

COPY --from=manifests /src/ ./

# The root package.json pins npm (packageManager) and declares an `allowScripts` policy, which only
# npm 11 enforces; node:20 ships npm 10, which would ignore it. Install the pinned npm first.
RUN npm install -g "npm@$(node -p "require('./package.json').packageManager.replace(/^npm@/, '')")" \
 && npm --version

# Dev dependencies are needed at run time: tsx runs the services. NODE_ENV is set only after this
# step, because NODE_ENV=production would make `npm ci` omit them.
RUN npm ci --include=dev --no-audit --no-fund \
 && npm cache clean --force

COPY . .

# .data is where services keep local state (DATA_DIR); the app runs as the unprivileged `node` user.
RUN mkdir -p .data && chown node:node .data

# Production unless a service says otherwise: docker-compose.yml, a try-out stack, sets
# NODE_ENV=development on every service (its header says what production needs instead).
ENV NODE_ENV=production \
    HOST=0.0.0.0

USER node
EXPOSE 4000 4001 4002 4003 4004

# `node --import tsx` is what `npx tsx` does, minus the npm and tsx wrapper processes, so the
# service itself receives SIGTERM from `docker stop` and shuts down cleanly.
CMD ["node", "--import", "tsx", "gateway/src/main.ts"]
