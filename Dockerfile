# The webhook image the chart (deploy/chart/kafka-guard) and deploy/kafka-guard.yaml run:
#   docker build -t <registry>/kafka-guard:0.1.0 .
# The runtime stage unpacks the npm package (npm pack: what ships, without tests and
# test-only modules; test/package-contents.test.ts) and installs its runtime
# dependencies from package-lock.json with `npm ci --omit=dev`, so the image runs
# exactly the locked versions. CI has no container engine to build the image;
# test/image-install.test.ts does what the runtime stage does and compares every
# installed version with the lockfile.
#
# The base image is pinned by digest (a tag can be moved to another image). To update
# it (docs/install.md, "The image"):
#   docker buildx imagetools inspect node:20-bookworm-slim   # the index digest, "Digest: sha256:..."
# then replace the digest below, build, and run the tests.
ARG NODE_IMAGE=node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && mkdir /out && npm pack --pack-destination /out && mv /out/kafka-guard-*.tgz /out/package.tgz

FROM ${NODE_IMAGE}
WORKDIR /app
COPY --from=build /out/package.tgz /tmp/package.tgz
COPY package-lock.json /app/package-lock.json
# --ignore-scripts: no dependency runs code at install time.
RUN tar -xzf /tmp/package.tgz --strip-components=1 -C /app \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf /tmp/package.tgz /root/.npm
# The Deployment runs it as 65532 with a read-only root file system; nothing is written.
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["node", "/app/dist/webhook/main.js"]
