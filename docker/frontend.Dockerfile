# The frontend image:  docker build -f docker/frontend.Dockerfile -t refarch/frontend:0.1.0 .
# Stages: build (the Vite bundle) → runtime (Node static server with its one dependency, non-root, read-only).
# The API base URL is not in the bundle: the server serves /config.js from API_BASE_URL at run time, so one image
# serves every environment (empty = the gateway on the same origin, as behind the MicroK8s ingress).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG npm_config_cafile
WORKDIR /repo
COPY package.json package-lock.json ./
COPY services/frontend/package.json services/frontend/
RUN npm ci --ignore-scripts --no-audit --no-fund --workspace services/frontend --include-workspace-root=false
COPY tsconfig.base.json ./
COPY services/frontend services/frontend
RUN cd services/frontend && node ../../node_modules/vite/bin/vite.js build --logLevel error

FROM ${NODE_IMAGE} AS prod-deps
ARG npm_config_cafile
WORKDIR /app
COPY package.json package-lock.json ./
COPY services/frontend/package.json services/frontend/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace services/frontend --include-workspace-root=false \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps --chown=root:root /app/ ./
COPY --from=build --chown=root:root /repo/services/frontend/dist services/frontend/dist
COPY --chown=root:root services/frontend/server.mjs services/frontend/package.json services/frontend/
WORKDIR /app/services/frontend
USER 1000:1000
EXPOSE 8080
ENV PORT=8080
CMD ["node", "server.mjs"]
