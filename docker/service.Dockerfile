# One image recipe for every Nest service:  docker build -f docker/service.Dockerfile --build-arg SERVICE=user-service .
# Stages: manifests (package.json files only, for a cacheable install) → build (all deps, compile) →
# prod-deps (production dependencies of this one service) → runtime (non-root, no build tools, no sources).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
# Keep only what `npm ci` reads, so the install layers below are reused until a dependency changes.
RUN mkdir /out && cp package.json package-lock.json /out/ \
 && find libs services e2e -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /out/ \;

FROM ${NODE_IMAGE} AS build
# Only for networks that intercept TLS (a CA bundle path); unset everywhere else.
ARG npm_config_cafile
WORKDIR /repo
COPY --from=manifests /out/ ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
ARG SERVICE
RUN test -n "${SERVICE}" -a -d "services/${SERVICE}" || { echo "build arg SERVICE must name a folder of services/" >&2; exit 1; } \
 && node tools/build.mjs libs/*/ "services/${SERVICE}" \
 && mkdir -p /out/services \
 && for lib in libs/*/; do lib="${lib%/}"; mkdir -p "/out/${lib}" \
      && cp -r "${lib}/package.json" "${lib}/dist" "/out/${lib}/" \
      && if [ -d "${lib}/migrations" ]; then cp -r "${lib}/migrations" "/out/${lib}/"; fi; done \
 && cp -r "services/${SERVICE}" /out/services/ \
 && rm -rf "/out/services/${SERVICE}/src" "/out/services/${SERVICE}/test" "/out/services/${SERVICE}/node_modules"

FROM ${NODE_IMAGE} AS prod-deps
ARG npm_config_cafile
ARG SERVICE
WORKDIR /app
COPY --from=manifests /out/ ./
# Production dependencies of this service and the libs it uses, nothing else (no dev tools, no other services').
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace "services/${SERVICE}" \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps --chown=root:root /app/ ./
COPY --from=build --chown=root:root /out/ ./
WORKDIR /app/services/${SERVICE}
# Files stay root-owned and read-only to the process; it runs as the image's unprivileged `node` user (uid 1000).
USER 1000:1000
EXPOSE 8080
ENV PORT=8080
CMD ["node", "--enable-source-maps", "--import", "@refarch/observability/register", "dist/main.js"]
